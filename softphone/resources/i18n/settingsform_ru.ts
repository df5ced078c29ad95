<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>SettingsForm</name>
        <message>
            <source>The system's language</source>
            <translation>Язык системы</translation>
        </message>
        <message>
            <source>Everything (DEBUG)</source>
            <translation>Всё (DEBUG)</translation>
        </message>
        <message>
            <source>Normal (INFO)</source>
            <translation>Обычно (INFO)</translation>
        </message>
        <message>
            <source>Warnings and errors (WARNING)</source>
            <translation>Предупреждения и ошибки (WARNING)</translation>
        </message>
        <message>
            <source>Errors only (ERROR)</source>
            <translation>Только ошибки (ERROR)</translation>
        </message>
        <message>
            <source>Write the whole address with http:// or https://, e.g. %1</source>
            <translation>Укажите полный адрес с http:// или https://, например %1</translation>
        </message>
        <message>
            <source>Write host names only, separated by commas: no http://, no port, no path.</source>
            <translation>Укажите только имена серверов через запятую: без http://, порта и пути.</translation>
        </message>
        <message>
            <source>More than %1, at most %2.</source>
            <translation>Больше %1, но не больше %2.</translation>
        </message>
        <message>
            <source>From %1 to %2.</source>
            <translation>От %1 до %2.</translation>
        </message>
        <message>
            <source>Cannot be empty.</source>
            <translation>Не может быть пустым.</translation>
        </message>
        <message numerus="yes">
            <source>At most %n characters.</source>
            <translation>
                <numerusform>Не больше %n символа.</numerusform>
                <numerusform>Не больше %n символов.</numerusform>
                <numerusform>Не больше %n символов.</numerusform>
            </translation>
        </message>
    </context>
</TS>
