<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>DatesDialog</name>
        <message>
            <source>Calls between two dates</source>
            <translation>Звонки за период</translation>
        </message>
        <message>
            <source>From</source>
            <translation>С</translation>
        </message>
        <message>
            <source>To (included)</source>
            <translation>По (включительно)</translation>
        </message>
    </context>
    <context>
        <name>HistoryPane</name>
        <message>
            <source>Search by number (Ctrl+F)</source>
            <translation>Поиск по номеру (Ctrl+F)</translation>
        </message>
        <message>
            <source>Search the history by number</source>
            <translation>Поиск в истории по номеру</translation>
        </message>
        <message>
            <source>All outcomes</source>
            <translation>Все итоги</translation>
        </message>
        <message>
            <source>Connected</source>
            <translation>Дозвонились</translation>
        </message>
        <message>
            <source>Not connected</source>
            <translation>Не дозвонились</translation>
        </message>
        <message>
            <source>Busy</source>
            <translation>Занято</translation>
        </message>
        <message>
            <source>Declined</source>
            <translation>Сбросили</translation>
        </message>
        <message>
            <source>No answer</source>
            <translation>Не ответили</translation>
        </message>
        <message>
            <source>Not dialled</source>
            <translation>Не набран</translation>
        </message>
        <message>
            <source>Unknown</source>
            <translation>Неизвестно</translation>
        </message>
        <message>
            <source>All sources</source>
            <translation>Все источники</translation>
        </message>
        <message>
            <source>Both ways</source>
            <translation>Все направления</translation>
        </message>
        <message>
            <source>↗ Outgoing</source>
            <translation>↗ Исходящие</translation>
        </message>
        <message>
            <source>↙ Incoming</source>
            <translation>↙ Входящие</translation>
        </message>
        <message>
            <source>Filter by outcome</source>
            <translation>Отбор по итогу</translation>
        </message>
        <message>
            <source>Filter by source</source>
            <translation>Отбор по источнику</translation>
        </message>
        <message>
            <source>Filter by direction</source>
            <translation>Отбор по направлению</translation>
        </message>
        <message>
            <source>Filter by date</source>
            <translation>Отбор по дате</translation>
        </message>
        <message>
            <source>Which days to show</source>
            <translation>За какие дни показать</translation>
        </message>
        <message>
            <source>All dates</source>
            <translation>Все даты</translation>
        </message>
        <message>
            <source>Today</source>
            <translation>Сегодня</translation>
        </message>
        <message>
            <source>Yesterday</source>
            <translation>Вчера</translation>
        </message>
        <message>
            <source>Last 7 days</source>
            <translation>Последние 7 дней</translation>
        </message>
        <message>
            <source>Last 30 days</source>
            <translation>Последние 30 дней</translation>
        </message>
        <message>
            <source>Between dates…</source>
            <translation>За период…</translation>
        </message>
        <message>
            <source>Export…</source>
            <translation>Выгрузить…</translation>
        </message>
        <message>
            <source>Export the calls shown to CSV</source>
            <translation>Выгрузить показанные звонки в CSV</translation>
        </message>
        <message>
            <source>Save the calls shown as a CSV file</source>
            <translation>Сохранить показанные звонки в файл CSV</translation>
        </message>
        <message>
            <source>Cancel</source>
            <translation>Отмена</translation>
        </message>
        <message>
            <source>Cancel the export</source>
            <translation>Отменить выгрузку</translation>
        </message>
        <message>
            <source>Export progress</source>
            <translation>Ход выгрузки</translation>
        </message>
        <message>
            <source>Calls, newest first</source>
            <translation>Звонки, сначала новые</translation>
        </message>
        <message>
            <source>Show all calls</source>
            <translation>Показать все звонки</translation>
        </message>
        <message>
            <source>Clear the search and filters</source>
            <translation>Сбросить поиск и отбор</translation>
        </message>
        <message>
            <source>No calls match the search and filters.</source>
            <translation>Нет звонков, подходящих под поиск и отбор.</translation>
        </message>
        <message>
            <source>No calls yet. Calls from the CRM and the dial bar appear here.</source>
            <translation>Звонков пока нет. Здесь появятся звонки из CRM и набранные вручную.</translation>
        </message>
        <message>
            <source>Calling back %1</source>
            <translation>Перезваниваем: %1</translation>
        </message>
        <message>
            <source>Copied %1</source>
            <translation>Скопирован номер %1</translation>
        </message>
        <message>
            <source>The report will be sent again</source>
            <translation>Итог будет отправлен снова</translation>
        </message>
        <message>
            <source>Discard the report?</source>
            <translation>Удалить итог?</translation>
        </message>
        <message>
            <source>The CRM refused this call's report. Discarding it means the CRM never gets this result. The call stays in the history.</source>
            <translation>CRM отклонила итог этого звонка. Если его удалить, CRM так и не получит этот результат. Звонок останется в истории.</translation>
        </message>
        <message>
            <source>Discard</source>
            <translation>Удалить</translation>
        </message>
        <message>
            <source>The report was discarded</source>
            <translation>Итог удалён</translation>
        </message>
        <message>
            <source>Call back</source>
            <translation>Перезвонить</translation>
        </message>
        <message>
            <source>Copy number</source>
            <translation>Копировать номер</translation>
        </message>
        <message>
            <source>Details…</source>
            <translation>Подробности…</translation>
        </message>
        <message>
            <source>Send the report again</source>
            <translation>Отправить итог снова</translation>
        </message>
        <message>
            <source>Discard the report…</source>
            <translation>Удалить итог…</translation>
        </message>
        <message>
            <source>calls</source>
            <translation>звонки</translation>
        </message>
        <message>
            <source>Export calls</source>
            <translation>Выгрузка звонков</translation>
        </message>
        <message>
            <source>CSV files (*.csv)</source>
            <translation>Файлы CSV (*.csv)</translation>
        </message>
        <message>
            <source>Exporting: %1 of %2 calls</source>
            <translation>Выгрузка звонков: %1 из %2</translation>
        </message>
        <message numerus="yes">
            <source>Saved %1 — calls: %n</source>
            <translation>
                <numerusform>Сохранено в %1 — звонков: %n</numerusform>
                <numerusform>Сохранено в %1 — звонков: %n</numerusform>
                <numerusform>Сохранено в %1 — звонков: %n</numerusform>
            </translation>
        </message>
        <message>
            <source>The export failed: %1</source>
            <translation>Выгрузка не удалась: %1</translation>
        </message>
        <message>
            <source>The export was cancelled</source>
            <translation>Выгрузка отменена</translation>
        </message>
    </context>
</TS>
