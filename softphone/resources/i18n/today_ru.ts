<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>TodayFigures</name>
        <message>
            <source>%1 s</source>
            <translation>%1 с</translation>
        </message>
        <message>
            <source>%1 h %2 min</source>
            <translation>%1 ч %2 мин</translation>
        </message>
        <message>
            <source>%1 min</source>
            <translation>%1 мин</translation>
        </message>
        <message>
            <source>Calls per hour</source>
            <translation>Звонки по часам</translation>
        </message>
        <message numerus="yes">
            <source>Calls today: %n</source>
            <translation>
                <numerusform>Звонков сегодня: %n</numerusform>
                <numerusform>Звонков сегодня: %n</numerusform>
                <numerusform>Звонков сегодня: %n</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>connected: %n</source>
            <translation>
                <numerusform>дозвонились: %n</numerusform>
                <numerusform>дозвонились: %n</numerusform>
                <numerusform>дозвонились: %n</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>not connected: %n</source>
            <translation>
                <numerusform>не дозвонились: %n</numerusform>
                <numerusform>не дозвонились: %n</numerusform>
                <numerusform>не дозвонились: %n</numerusform>
            </translation>
        </message>
        <message>
            <source>Today</source>
            <translation>Сегодня</translation>
        </message>
    </context>
</TS>
