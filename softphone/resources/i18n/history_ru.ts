<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>HistoryActions</name>
        <message>
            <source>Dial a number</source>
            <translation>Набрать номер</translation>
        </message>
        <message>
            <source>Search the history</source>
            <translation>Поиск по истории</translation>
        </message>
        <message>
            <source>Export the calls shown…</source>
            <translation>Выгрузить показанные звонки…</translation>
        </message>
    </context>
</TS>
