<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>PhonePage</name>
        <message>
            <source>Check again</source>
            <translation>Проверить снова</translation>
        </message>
        <message>
            <source>Check the phone again</source>
            <translation>Проверить телефон снова</translation>
        </message>
        <message>
            <source>Back to the history</source>
            <translation>Вернуться к истории</translation>
        </message>
        <message>
            <source>Use this phone</source>
            <translation>Использовать этот телефон</translation>
        </message>
        <message>
            <source>Phone to use</source>
            <translation>Телефон для звонков</translation>
        </message>
        <message>
            <source>Which phone should Softphone use?</source>
            <translation>Какой телефон использовать?</translation>
        </message>
        <message>
            <source>What the phone allows:</source>
            <translation>Что разрешает телефон:</translation>
        </message>
        <message>
            <source>The phone</source>
            <translation>Телефон</translation>
        </message>
        <message>
            <source>%1 is ready</source>
            <translation>%1 готов</translation>
        </message>
        <message>
            <source>The phone says: %1</source>
            <translation>Телефон сообщает: %1</translation>
        </message>
        <message>
            <source>yes</source>
            <translation>да</translation>
        </message>
        <message>
            <source>no</source>
            <translation>нет</translation>
        </message>
        <message>
            <source>Read the call log (call results)</source>
            <translation>Читать журнал звонков (итоги звонков)</translation>
        </message>
        <message>
            <source>Press keys (hang up)</source>
            <translation>Нажимать кнопки (класть трубку)</translation>
        </message>
        <message>
            <source>A SIM card for calls</source>
            <translation>SIM-карта для звонков</translation>
        </message>
    </context>
</TS>
