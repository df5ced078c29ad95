<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>SupportPanel</name>
        <message>
            <source>Save the support report</source>
            <translation>Сохранить отчёт для поддержки</translation>
        </message>
        <message>
            <source>Zip archives (*.zip)</source>
            <translation>Архивы zip (*.zip)</translation>
        </message>
        <message numerus="yes">
            <source>A support report holds: the desk's status (the CRM conversation, the phone and what it allows), the settings (they hold no password or token), the recent log lines (%n now), and the versions of Softphone, Python and the system. Phone numbers, tokens and device ids are masked before anything is written or sent.</source>
            <translation>
                <numerusform>В отчёт для поддержки входят: состояние рабочего места (связь с CRM, телефон и что он разрешает), настройки (паролей и токенов в них нет), последние строки журнала (сейчас %n) и версии Softphone, Python и системы. Номера телефонов, токены и идентификаторы устройств скрываются до того, как что-либо будет записано или отправлено.</numerusform>
                <numerusform>В отчёт для поддержки входят: состояние рабочего места (связь с CRM, телефон и что он разрешает), настройки (паролей и токенов в них нет), последние строки журнала (сейчас %n) и версии Softphone, Python и системы. Номера телефонов, токены и идентификаторы устройств скрываются до того, как что-либо будет записано или отправлено.</numerusform>
                <numerusform>В отчёт для поддержки входят: состояние рабочего места (связь с CRM, телефон и что он разрешает), настройки (паролей и токенов в них нет), последние строки журнала (сейчас %n) и версии Softphone, Python и системы. Номера телефонов, токены и идентификаторы устройств скрываются до того, как что-либо будет записано или отправлено.</numerusform>
            </translation>
        </message>
        <message>
            <source>&amp;What happened? (optional; it goes into the report)</source>
            <translation>&amp;Что случилось? (необязательно; попадёт в отчёт)</translation>
        </message>
        <message>
            <source>What happened</source>
            <translation>Что случилось</translation>
        </message>
        <message>
            <source>Show what goes out</source>
            <translation>Показать, что уйдёт</translation>
        </message>
        <message>
            <source>Show the report's text</source>
            <translation>Показать текст отчёта</translation>
        </message>
        <message>
            <source>The report's text</source>
            <translation>Текст отчёта</translation>
        </message>
        <message>
            <source>Save…</source>
            <translation>Сохранить…</translation>
        </message>
        <message>
            <source>Save the support report as a file</source>
            <translation>Сохранить отчёт для поддержки в файл</translation>
        </message>
        <message>
            <source>Send to the CRM</source>
            <translation>Отправить в CRM</translation>
        </message>
        <message>
            <source>Send the support report to the CRM</source>
            <translation>Отправить отчёт для поддержки в CRM</translation>
        </message>
        <message>
            <source>Open the folder</source>
            <translation>Открыть папку</translation>
        </message>
        <message>
            <source>Open the folder of the saved report</source>
            <translation>Открыть папку с сохранённым отчётом</translation>
        </message>
        <message>
            <source>Working on the report</source>
            <translation>Идёт работа с отчётом</translation>
        </message>
        <message>
            <source>Saving the report…</source>
            <translation>Сохраняем отчёт…</translation>
        </message>
        <message>
            <source>Not saved: %1</source>
            <translation>Не сохранено: %1</translation>
        </message>
        <message>
            <source>Saved %1 (%2).</source>
            <translation>Сохранено: %1 (%2).</translation>
        </message>
        <message>
            <source>Handing the report to the outbox…</source>
            <translation>Ставим отчёт в очередь на отправку…</translation>
        </message>
        <message>
            <source>Not sent: %1</source>
            <translation>Не отправлено: %1</translation>
        </message>
        <message>
            <source>%1 characters are on their way to the CRM; they leave as its request limit allows.</source>
            <translation>Отчёт поставлен в очередь в CRM (символов: %1); он уйдёт, как только позволит лимит запросов.</translation>
        </message>
        <message>
            <source>The report reached the CRM.</source>
            <translation>Отчёт доставлен в CRM.</translation>
        </message>
    </context>
</TS>
