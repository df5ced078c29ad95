<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>CallDetails</name>
        <message>
            <source>Call details</source>
            <translation>Подробности звонка</translation>
        </message>
        <message>
            <source>Call back</source>
            <translation>Перезвонить</translation>
        </message>
        <message>
            <source>Copy number</source>
            <translation>Копировать номер</translation>
        </message>
        <message>
            <source>Send again</source>
            <translation>Отправить снова</translation>
        </message>
        <message>
            <source>Send the report again</source>
            <translation>Отправить итог снова</translation>
        </message>
        <message>
            <source>Discard</source>
            <translation>Удалить</translation>
        </message>
        <message>
            <source>Discard the report</source>
            <translation>Удалить итог</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>Закрыть</translation>
        </message>
        <message>
            <source>The call</source>
            <translation>Звонок</translation>
        </message>
        <message>
            <source>The CRM's command</source>
            <translation>Команда из CRM</translation>
        </message>
        <message>
            <source>Linked calls</source>
            <translation>Связанные звонки</translation>
        </message>
        <message>
            <source>How the outcome was decided</source>
            <translation>Как определён итог</translation>
        </message>
        <message>
            <source>The report to the CRM</source>
            <translation>Итог для CRM</translation>
        </message>
        <message>
            <source>Number</source>
            <translation>Номер</translation>
        </message>
        <message>
            <source>Outcome</source>
            <translation>Итог</translation>
        </message>
        <message>
            <source>Now</source>
            <translation>Сейчас</translation>
        </message>
        <message>
            <source>Talk time</source>
            <translation>Длительность</translation>
        </message>
        <message>
            <source>Source</source>
            <translation>Источник</translation>
        </message>
        <message>
            <source>Direction</source>
            <translation>Направление</translation>
        </message>
        <message>
            <source>Received</source>
            <translation>Получен</translation>
        </message>
        <message>
            <source>Dialled</source>
            <translation>Набран</translation>
        </message>
        <message>
            <source>Started</source>
            <translation>Начало</translation>
        </message>
        <message>
            <source>Ended</source>
            <translation>Конец</translation>
        </message>
        <message>
            <source>Dial attempts</source>
            <translation>Попыток набора</translation>
        </message>
        <message>
            <source>Phone</source>
            <translation>Телефон</translation>
        </message>
        <message>
            <source>Entry in the history</source>
            <translation>Запись в истории</translation>
        </message>
        <message>
            <source>Reported under</source>
            <translation>Итог по заявке</translation>
        </message>
        <message>
            <source>the request of the call it came from (%1)</source>
            <translation>та же, что у исходного звонка (%1)</translation>
        </message>
        <message>
            <source>None</source>
            <translation>Нет</translation>
        </message>
        <message>
            <source>made at this desk; the CRM is not told of it</source>
            <translation>звонок сделан здесь; CRM о нём не сообщается</translation>
        </message>
        <message>
            <source>Command</source>
            <translation>Команда</translation>
        </message>
        <message>
            <source>Note</source>
            <translation>Примечание</translation>
        </message>
        <message>
            <source>Company (in the CRM)</source>
            <translation>Компания (в CRM)</translation>
        </message>
        <message>
            <source>Contact (in the CRM)</source>
            <translation>Контакт (в CRM)</translation>
        </message>
        <message>
            <source>Created in the CRM</source>
            <translation>Создана в CRM</translation>
        </message>
        <message>
            <source>Called back from</source>
            <translation>Исходный звонок</translation>
        </message>
        <message>
            <source>#%1 (no longer in the history)</source>
            <translation>№%1 (уже нет в истории)</translation>
        </message>
        <message>
            <source>Called back as</source>
            <translation>Перезвоны</translation>
        </message>
        <message>
            <source>Learned</source>
            <translation>Как узнали</translation>
        </message>
        <message>
            <source>Why</source>
            <translation>Причина</translation>
        </message>
        <message>
            <source>In the phone's words</source>
            <translation>Ответ телефона</translation>
        </message>
        <message>
            <source>Call-log row</source>
            <translation>Запись журнала звонков</translation>
        </message>
        <message>
            <source>none matched</source>
            <translation>не найдена</translation>
        </message>
        <message>
            <source>Telecom's disconnect cause</source>
            <translation>Причина разъединения (telecom)</translation>
        </message>
        <message>
            <source>not given by the phone</source>
            <translation>телефон не сообщил</translation>
        </message>
        <message>
            <source>Dialled at (phone's clock)</source>
            <translation>Набран (по часам телефона)</translation>
        </message>
        <message>
            <source>Not yet</source>
            <translation>Пока нет</translation>
        </message>
        <message>
            <source>the call is not over</source>
            <translation>звонок ещё не закончен</translation>
        </message>
        <message>
            <source>Refused, and the report was discarded</source>
            <translation>Отклонён, итог удалён</translation>
        </message>
        <message>
            <source>State</source>
            <translation>Состояние</translation>
        </message>
        <message>
            <source>Request</source>
            <translation>Заявка</translation>
        </message>
        <message>
            <source>Sent as</source>
            <translation>Отправлен как</translation>
        </message>
        <message>
            <source>The CRM's answer</source>
            <translation>Ответ CRM</translation>
        </message>
        <message>
            <source>Waiting since</source>
            <translation>Ждёт с</translation>
        </message>
        <message>
            <source>Tries</source>
            <translation>Попыток</translation>
        </message>
        <message>
            <source>Last try</source>
            <translation>Последняя попытка</translation>
        </message>
        <message>
            <source>Refused</source>
            <translation>Отклонён</translation>
        </message>
        <message>
            <source>Next try</source>
            <translation>Следующая попытка</translation>
        </message>
    </context>
</TS>
