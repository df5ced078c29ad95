<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>AboutDialog</name>
        <message>
            <source>About Softphone</source>
            <translation>О программе Softphone</translation>
        </message>
        <message>
            <source>Takes the CRM's call commands, places each call on your Android phone over USB, and reports the results back to the CRM.</source>
            <translation>Принимает команды на звонок из CRM, набирает каждый номер на вашем Android-телефоне по USB и сообщает итоги обратно в CRM.</translation>
        </message>
        <message>
            <source>Python %1 · Qt %2 · PySide6 %3 · %4</source>
            <translation>Python %1 · Qt %2 · PySide6 %3 · %4</translation>
        </message>
        <message>
            <source>Where Softphone keeps its files:</source>
            <translation>Где Softphone хранит свои файлы:</translation>
        </message>
        <message>
            <source>Settings</source>
            <translation>Настройки</translation>
        </message>
        <message>
            <source>History</source>
            <translation>История</translation>
        </message>
        <message>
            <source>Logs</source>
            <translation>Журналы</translation>
        </message>
        <message>
            <source>Open the folder</source>
            <translation>Открыть папку</translation>
        </message>
        <message>
            <source>Open the folder: %1</source>
            <translation>Открыть папку: %1</translation>
        </message>
        <message>
            <source>What ships inside, and its licences:</source>
            <translation>Что входит в программу и под какими лицензиями:</translation>
        </message>
        <message>
            <source>Licences</source>
            <translation>Лицензии</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>Закрыть</translation>
        </message>
        <message>
            <source>Close this window</source>
            <translation>Закрыть это окно</translation>
        </message>
        <message>
            <source>&lt;b&gt;Qt %1&lt;/b&gt; (through PySide6) — GNU Lesser General Public License v3. Softphone uses Qt's libraries as they are, as separate files, so they can be replaced by another build of the same version. Qt's source: %2</source>
            <translation>&lt;b&gt;Qt %1&lt;/b&gt; (через PySide6) — лицензия GNU Lesser General Public License v3 (LGPL). Softphone использует библиотеки Qt без изменений, отдельными файлами, поэтому их можно заменить другой сборкой той же версии. Исходный код Qt: %2</translation>
        </message>
        <message>
            <source>&lt;b&gt;adb&lt;/b&gt; (Android Debug Bridge, inside the adbutils package) — Apache License 2.0, from the Android Open Source Project.</source>
            <translation>&lt;b&gt;adb&lt;/b&gt; (Android Debug Bridge, в составе пакета adbutils) — лицензия Apache License 2.0, из проекта Android Open Source Project.</translation>
        </message>
        <message>
            <source>&lt;b&gt;Python&lt;/b&gt;, when it ships with Softphone — Python Software Foundation License.</source>
            <translation>&lt;b&gt;Python&lt;/b&gt;, если он поставляется вместе с Softphone, — лицензия Python Software Foundation License.</translation>
        </message>
        <message>
            <source>Python packages:</source>
            <translation>Пакеты Python:</translation>
        </message>
        <message>
            <source>Package</source>
            <translation>Пакет</translation>
        </message>
        <message>
            <source>Version</source>
            <translation>Версия</translation>
        </message>
        <message>
            <source>Licence</source>
            <translation>Лицензия</translation>
        </message>
    </context>
</TS>
