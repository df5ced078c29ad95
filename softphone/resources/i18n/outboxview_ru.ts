<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>OutboxView</name>
        <message>
            <source>Refused</source>
            <translation>Отклонён</translation>
        </message>
        <message>
            <source>What, and why the CRM refused it</source>
            <translation>Что и почему CRM отклонила</translation>
        </message>
        <message>
            <source>Items the CRM refused</source>
            <translation>То, что CRM отклонила</translation>
        </message>
        <message>
            <source>Send again</source>
            <translation>Отправить снова</translation>
        </message>
        <message>
            <source>Send the chosen items again</source>
            <translation>Отправить выбранное снова</translation>
        </message>
        <message>
            <source>Discard</source>
            <translation>Удалить</translation>
        </message>
        <message>
            <source>Discard the chosen items</source>
            <translation>Удалить выбранное</translation>
        </message>
        <message>
            <source>The CRM never gets a discarded result; the history keeps it.</source>
            <translation>Удалённый итог в CRM не попадёт; в истории он останется.</translation>
        </message>
        <message numerus="yes">
            <source>Waiting to be sent to the CRM: %n</source>
            <translation>
                <numerusform>Ждёт отправки в CRM: %n</numerusform>
                <numerusform>Ждут отправки в CRM: %n</numerusform>
                <numerusform>Ждут отправки в CRM: %n</numerusform>
            </translation>
        </message>
        <message>
            <source>next try at %1</source>
            <translation>следующая попытка в %1</translation>
        </message>
        <message>
            <source>Nothing waits to be sent.</source>
            <translation>Ничего не ждёт отправки.</translation>
        </message>
        <message>
            <source>Last error: %1</source>
            <translation>Последняя ошибка: %1</translation>
        </message>
        <message numerus="yes">
            <source>Refused by the CRM for good (%n): send again or discard.</source>
            <translation>
                <numerusform>CRM окончательно отклонила (%n): отправьте снова или удалите.</numerusform>
                <numerusform>CRM окончательно отклонила (%n): отправьте снова или удалите.</numerusform>
                <numerusform>CRM окончательно отклонила (%n): отправьте снова или удалите.</numerusform>
            </translation>
        </message>
        <message>
            <source>Nothing was refused by the CRM.</source>
            <translation>CRM ничего не отклоняла.</translation>
        </message>
        <message>
            <source>no reason given</source>
            <translation>причина не указана</translation>
        </message>
        <message>
            <source>Result: %1, %2</source>
            <translation>Итог: %1, %2</translation>
        </message>
        <message>
            <source>A call's result</source>
            <translation>Итог звонка</translation>
        </message>
        <message>
            <source>Heartbeat</source>
            <translation>Сигнал «на связи»</translation>
        </message>
        <message>
            <source>Telemetry</source>
            <translation>Телеметрия</translation>
        </message>
        <message>
            <source>Part of a support report</source>
            <translation>Часть отчёта для поддержки</translation>
        </message>
        <message>
            <source>An item of a newer Softphone</source>
            <translation>Запись более новой версии Softphone</translation>
        </message>
    </context>
</TS>
