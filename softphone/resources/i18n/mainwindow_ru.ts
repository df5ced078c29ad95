<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>MainWindow</name>
        <message>
            <source>&amp;Softphone</source>
            <translation>&amp;Softphone</translation>
        </message>
        <message>
            <source>&amp;Help</source>
            <translation>&amp;Справка</translation>
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
            <source>Sign out</source>
            <translation>Выйти из учётной записи</translation>
        </message>
        <message>
            <source>Quit</source>
            <translation>Выход</translation>
        </message>
        <message>
            <source>Could not hang up: %1</source>
            <translation>Не удалось положить трубку: %1</translation>
        </message>
        <message>
            <source>No phone number in “%1”.</source>
            <translation>В «%1» нет номера телефона.</translation>
        </message>
        <message>
            <source>Calling %1</source>
            <translation>Звоним: %1</translation>
        </message>
        <message>
            <source>The clipboard holds no text.</source>
            <translation>В буфере обмена нет текста.</translation>
        </message>
        <message>
            <source>%1 failed: %2</source>
            <translation>Не получилось: %1 (%2)</translation>
        </message>
        <message>
            <source>Softphone keeps running in the tray and takes the CRM's calls. Quit from the tray's menu.</source>
            <translation>Softphone продолжает работать в трее и принимает звонки из CRM. Чтобы выйти, воспользуйтесь меню значка в трее.</translation>
        </message>
    </context>
</TS>
