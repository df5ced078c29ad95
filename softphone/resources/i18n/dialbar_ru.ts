<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>DialBar</name>
        <message>
            <source>Number to call (Ctrl+L)</source>
            <translation>Номер для звонка (Ctrl+L)</translation>
        </message>
        <message>
            <source>Number to call</source>
            <translation>Номер для звонка</translation>
        </message>
        <message>
            <source>Call ⏎</source>
            <translation>Позвонить ⏎</translation>
        </message>
        <message>
            <source>Call</source>
            <translation>Позвонить</translation>
        </message>
        <message>
            <source>Call this number (Enter)</source>
            <translation>Позвонить на этот номер (Enter)</translation>
        </message>
    </context>
</TS>
