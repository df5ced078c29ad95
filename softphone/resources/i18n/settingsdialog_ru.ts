<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>SettingsDialog</name>
        <message>
            <source>Check again</source>
            <translation>Проверить снова</translation>
        </message>
        <message>
            <source>Check the phone again</source>
            <translation>Проверить телефон снова</translation>
        </message>
        <message>
            <source>In use now: %1</source>
            <translation>Сейчас используется: %1</translation>
        </message>
        <message>
            <source>No phone is in use now.</source>
            <translation>Сейчас ни один телефон не используется.</translation>
        </message>
        <message>
            <source>The one attached</source>
            <translation>Тот, что подключён</translation>
        </message>
        <message>
            <source>%1 (not attached)</source>
            <translation>%1 (не подключён)</translation>
        </message>
        <message>
            <source>Settings — Softphone</source>
            <translation>Настройки — Softphone</translation>
        </message>
        <message>
            <source>Connection</source>
            <translation>Подключение</translation>
        </message>
        <message>
            <source>Phone</source>
            <translation>Телефон</translation>
        </message>
        <message>
            <source>Calls</source>
            <translation>Звонки</translation>
        </message>
        <message>
            <source>Window</source>
            <translation>Окно</translation>
        </message>
        <message>
            <source>Advanced</source>
            <translation>Дополнительно</translation>
        </message>
        <message>
            <source>Settings groups</source>
            <translation>Разделы настроек</translation>
        </message>
        <message>
            <source>Sign out</source>
            <translation>Выйти</translation>
        </message>
        <message>
            <source>Sign out of the CRM</source>
            <translation>Выйти из учётной записи CRM</translation>
        </message>
        <message>
            <source>Save</source>
            <translation>Сохранить</translation>
        </message>
        <message>
            <source>Save and close</source>
            <translation>Сохранить и закрыть</translation>
        </message>
        <message>
            <source>Apply</source>
            <translation>Применить</translation>
        </message>
        <message>
            <source>Save and keep open</source>
            <translation>Сохранить, не закрывая</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Отмена</translation>
        </message>
        <message>
            <source>Close without saving</source>
            <translation>Закрыть без сохранения</translation>
        </message>
        <message>
            <source>For IT and support: how Softphone paces itself against the CRM and how long it waits for the phone. Change these only when asked to.</source>
            <translation>Для ИТ-отдела и поддержки: как часто Softphone обращается к CRM и сколько ждёт телефон. Меняйте, только если вас об этом попросили.</translation>
        </message>
        <message>
            <source>SOFTPHONE_LANG=%1 is set on this computer: it decides the language, not this setting.</source>
            <translation>На этом компьютере задано SOFTPHONE_LANG=%1: язык определяет она, а не эта настройка.</translation>
        </message>
        <message>
            <source>On macOS add Softphone in System Settings → General → Login Items.</source>
            <translation>В macOS добавьте Softphone в «Системные настройки» → «Основные» → «Объекты входа».</translation>
        </message>
        <message>
            <source>Signed in as %1 to %2</source>
            <translation>Вход выполнен: %1 на %2</translation>
        </message>
        <message>
            <source>Not signed in.</source>
            <translation>Вход не выполнен.</translation>
        </message>
        <message>
            <source>The session and the numbers you call travel unencrypted to: %1</source>
            <translation>Сеанс и номера, по которым вы звоните, передаются без шифрования на: %1</translation>
        </message>
        <message>
            <source>Nothing was saved: correct what is marked ⚠ and save again.</source>
            <translation>Ничего не сохранено: исправьте отмеченное ⚠ и сохраните снова.</translation>
        </message>
    </context>
</TS>
