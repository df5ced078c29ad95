<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>Tray</name>
        <message>
            <source>Show Softphone</source>
            <translation>Показать Softphone</translation>
        </message>
        <message>
            <source>Call from clipboard</source>
            <translation>Позвонить по номеру из буфера</translation>
        </message>
        <message>
            <source>Dial CRM commands at once</source>
            <translation>Сразу звонить по командам CRM</translation>
        </message>
        <message>
            <source>Quit</source>
            <translation>Выход</translation>
        </message>
        <message>
            <source>Call %1?</source>
            <translation>Позвонить %1?</translation>
        </message>
        <message>
            <source>The CRM asks to call this number. Click to call.</source>
            <translation>CRM просит позвонить на этот номер. Нажмите, чтобы позвонить.</translation>
        </message>
        <message>
            <source>Calling %1</source>
            <translation>Звоним: %1</translation>
        </message>
        <message>
            <source>From: %1</source>
            <translation>Источник: %1</translation>
        </message>
        <message>
            <source>Call</source>
            <translation>Позвонить</translation>
        </message>
    </context>
</TS>
