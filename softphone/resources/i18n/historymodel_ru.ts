<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>HistoryModel</name>
        <message>
            <source>CRM</source>
            <translation>CRM</translation>
        </message>
        <message>
            <source>Notif.</source>
            <translation>Уведомл.</translation>
        </message>
        <message>
            <source>History</source>
            <translation>История</translation>
        </message>
        <message>
            <source>Manual</source>
            <translation>Вручную</translation>
        </message>
        <message>
            <source>Sent</source>
            <translation>Отправлен</translation>
        </message>
        <message>
            <source>Local</source>
            <translation>Локально</translation>
        </message>
        <message>
            <source>Discarded</source>
            <translation>Удалён</translation>
        </message>
        <message>
            <source>Refused</source>
            <translation>Отклонён</translation>
        </message>
        <message>
            <source>%1 s</source>
            <translation>%1 с</translation>
        </message>
        <message>
            <source>Waiting</source>
            <translation>Ждёт</translation>
        </message>
        <message>
            <source>Refused, then discarded: %1</source>
            <translation>Отклонён, затем удалён: %1</translation>
        </message>
        <message>
            <source>last try: %1</source>
            <translation>последняя попытка: %1</translation>
        </message>
        <message>
            <source>Time</source>
            <translation>Время</translation>
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
            <source>Direction</source>
            <translation>Направление</translation>
        </message>
        <message>
            <source>Source</source>
            <translation>Источник</translation>
        </message>
    </context>
</TS>
