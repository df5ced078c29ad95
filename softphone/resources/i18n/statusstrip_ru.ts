<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>StatusStrip</name>
        <message>
            <source>Ready, but: %1</source>
            <translation>Готов, но: %1</translation>
        </message>
        <message numerus="yes">
            <source>Ready — %n result(s) waiting to be sent</source>
            <translation>
                <numerusform>Готов — %n итог ждёт отправки</numerusform>
                <numerusform>Готов — %n итога ждут отправки</numerusform>
                <numerusform>Готов — %n итогов ждут отправки</numerusform>
            </translation>
        </message>
        <message>
            <source>Ready — %1</source>
            <translation>Готов — %1</translation>
        </message>
        <message>
            <source>Settings (Ctrl+,)</source>
            <translation>Настройки (Ctrl+,)</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>Настройки</translation>
        </message>
        <message>
            <source>Fix the problem</source>
            <translation>Исправить проблему</translation>
        </message>
        <message>
            <source>Status</source>
            <translation>Состояние</translation>
        </message>
        <message>
            <source>Ready</source>
            <translation>Готов</translation>
        </message>
        <message>
            <source>Working, with a problem</source>
            <translation>Работает, но есть проблема</translation>
        </message>
        <message>
            <source>Not ready</source>
            <translation>Не готов</translation>
        </message>
        <message>
            <source>How to fix</source>
            <translation>Как исправить</translation>
        </message>
        <message>
            <source>Sign in</source>
            <translation>Войти</translation>
        </message>
        <message>
            <source>Diagnostics</source>
            <translation>Диагностика</translation>
        </message>
    </context>
</TS>
