<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>Dialogs</name>
        <message>
            <source>Settings…</source>
            <translation>Настройки…</translation>
        </message>
        <message>
            <source>Diagnostics</source>
            <translation>Диагностика</translation>
        </message>
        <message>
            <source>About Softphone</source>
            <translation>О программе Softphone</translation>
        </message>
        <message>
            <source>Could not change starting at login: %1</source>
            <translation>Не удалось изменить запуск при входе в систему: %1</translation>
        </message>
    </context>
</TS>
