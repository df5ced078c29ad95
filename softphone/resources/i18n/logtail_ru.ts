<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>LogTail</name>
        <message>
            <source>&amp;Show:</source>
            <translation>&amp;Показать:</translation>
        </message>
        <message>
            <source>Everything</source>
            <translation>Всё</translation>
        </message>
        <message>
            <source>Information and above</source>
            <translation>Сведения и важнее</translation>
        </message>
        <message>
            <source>Warnings and errors</source>
            <translation>Предупреждения и ошибки</translation>
        </message>
        <message>
            <source>Errors only</source>
            <translation>Только ошибки</translation>
        </message>
        <message>
            <source>Which log lines to show</source>
            <translation>Какие строки журнала показывать</translation>
        </message>
        <message>
            <source>Copy</source>
            <translation>Копировать</translation>
        </message>
        <message>
            <source>Copy the lines shown</source>
            <translation>Копировать показанные строки</translation>
        </message>
        <message>
            <source>The log's last lines</source>
            <translation>Последние строки журнала</translation>
        </message>
        <message>
            <source>Phone numbers, tokens and device ids are masked in the log. What the log keeps depends on the log level in the advanced settings.</source>
            <translation>Номера телефонов, токены и идентификаторы устройств в журнале скрыты. Что попадает в журнал, зависит от подробности журнала в дополнительных настройках.</translation>
        </message>
    </context>
</TS>
