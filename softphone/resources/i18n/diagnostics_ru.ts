<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>DiagnosticsDialog</name>
        <message>
            <source>no answer</source>
            <translation>нет ответа</translation>
        </message>
        <message>
            <source>OK</source>
            <translation>OK</translation>
        </message>
        <message>
            <source>nothing queued</source>
            <translation>команд нет</translation>
        </message>
        <message>
            <source>refused</source>
            <translation>отклонён</translation>
        </message>
        <message>
            <source>session expired</source>
            <translation>сеанс истёк</translation>
        </message>
        <message>
            <source>forbidden</source>
            <translation>запрещено</translation>
        </message>
        <message>
            <source>not found</source>
            <translation>не найдено</translation>
        </message>
        <message>
            <source>too many requests</source>
            <translation>слишком часто</translation>
        </message>
        <message>
            <source>server error</source>
            <translation>ошибка сервера</translation>
        </message>
        <message>
            <source>%1 ms</source>
            <translation>%1 мс</translation>
        </message>
        <message>
            <source>%1 s</source>
            <translation>%1 с</translation>
        </message>
        <message>
            <source>Pull commands</source>
            <translation>Запрос команд</translation>
        </message>
        <message>
            <source>Call result</source>
            <translation>Итог звонка</translation>
        </message>
        <message>
            <source>Heartbeat</source>
            <translation>Сигнал «на связи»</translation>
        </message>
        <message>
            <source>Register this desk</source>
            <translation>Регистрация рабочего места</translation>
        </message>
        <message>
            <source>Telemetry</source>
            <translation>Телеметрия</translation>
        </message>
        <message>
            <source>Support report</source>
            <translation>Отчёт для поддержки</translation>
        </message>
        <message>
            <source>Sign in by QR code</source>
            <translation>Вход по QR-коду</translation>
        </message>
        <message>
            <source>Sign in by password</source>
            <translation>Вход по паролю</translation>
        </message>
        <message>
            <source>Renew the session</source>
            <translation>Продление сеанса</translation>
        </message>
        <message>
            <source>Check the account</source>
            <translation>Проверка учётной записи</translation>
        </message>
        <message>
            <source>Sign out</source>
            <translation>Выход из учётной записи</translation>
        </message>
        <message>
            <source>Diagnostics — Softphone</source>
            <translation>Диагностика — Softphone</translation>
        </message>
        <message>
            <source>CRM</source>
            <translation>CRM</translation>
        </message>
        <message>
            <source>Results</source>
            <translation>Итоги</translation>
        </message>
        <message>
            <source>Phone</source>
            <translation>Телефон</translation>
        </message>
        <message>
            <source>Log</source>
            <translation>Журнал</translation>
        </message>
        <message>
            <source>Diagnostics sections</source>
            <translation>Разделы диагностики</translation>
        </message>
        <message>
            <source>Server:</source>
            <translation>Сервер:</translation>
        </message>
        <message>
            <source>Pull mode:</source>
            <translation>Запрос команд:</translation>
        </message>
        <message>
            <source>Last pull:</source>
            <translation>Последний запрос:</translation>
        </message>
        <message>
            <source>Time taken by the recent pulls:</source>
            <translation>Время последних запросов команд:</translation>
        </message>
        <message>
            <source>The last requests, newest first:</source>
            <translation>Последние запросы, сначала новые:</translation>
        </message>
        <message>
            <source>Time</source>
            <translation>Время</translation>
        </message>
        <message>
            <source>Request</source>
            <translation>Запрос</translation>
        </message>
        <message>
            <source>Answer</source>
            <translation>Ответ</translation>
        </message>
        <message>
            <source>Took</source>
            <translation>Длился</translation>
        </message>
        <message>
            <source>The last requests to the CRM</source>
            <translation>Последние запросы к CRM</translation>
        </message>
        <message>
            <source>Phone:</source>
            <translation>Телефон:</translation>
        </message>
        <message>
            <source>Connection:</source>
            <translation>Подключение:</translation>
        </message>
        <message>
            <source>Serial number:</source>
            <translation>Серийный номер:</translation>
        </message>
        <message>
            <source>Android:</source>
            <translation>Android:</translation>
        </message>
        <message>
            <source>SIM cards:</source>
            <translation>SIM-карты:</translation>
        </message>
        <message>
            <source>Clock:</source>
            <translation>Часы:</translation>
        </message>
        <message>
            <source>What the phone allows:</source>
            <translation>Что разрешает телефон:</translation>
        </message>
        <message>
            <source>Check again</source>
            <translation>Проверить снова</translation>
        </message>
        <message>
            <source>Check the phone again</source>
            <translation>Проверить телефон снова</translation>
        </message>
        <message>
            <source>Close</source>
            <translation>Закрыть</translation>
        </message>
        <message>
            <source>Close diagnostics</source>
            <translation>Закрыть диагностику</translation>
        </message>
        <message>
            <source>%1 — signed in as %2</source>
            <translation>%1 — вход выполнен: %2</translation>
        </message>
        <message>
            <source>%1 — not signed in</source>
            <translation>%1 — вход не выполнен</translation>
        </message>
        <message>
            <source>Long-poll: the CRM holds each pull until a command comes.</source>
            <translation>Ожидание на сервере: CRM держит каждый запрос, пока не появится команда.</translation>
        </message>
        <message>
            <source>Instant: the CRM answers each pull at once, so Softphone paces its pulls.</source>
            <translation>Мгновенный ответ: CRM отвечает на запрос сразу, поэтому Softphone сам выбирает их частоту.</translation>
        </message>
        <message>
            <source>Not known yet: it shows in the first empty answers.</source>
            <translation>Пока не известно: станет ясно по первым пустым ответам.</translation>
        </message>
        <message>
            <source>%1 at %2</source>
            <translation>%1 в %2</translation>
        </message>
        <message>
            <source>, took %1</source>
            <translation>, за %1</translation>
        </message>
        <message>
            <source>paused while the phone is on a call</source>
            <translation>на паузе, пока идёт разговор</translation>
        </message>
        <message>
            <source>None yet.</source>
            <translation>Пока не было.</translation>
        </message>
        <message numerus="yes">
            <source>%n ready for calls</source>
            <translation>
                <numerusform>%n готова к звонкам</numerusform>
                <numerusform>%n готовы к звонкам</numerusform>
                <numerusform>%n готовы к звонкам</numerusform>
            </translation>
        </message>
        <message>
            <source>default for calls: %1</source>
            <translation>для звонков по умолчанию: %1</translation>
        </message>
        <message>
            <source>in step with this computer</source>
            <translation>идут вровень с этим компьютером</translation>
        </message>
        <message>
            <source>%1 s apart from this computer</source>
            <translation>расходятся с этим компьютером на %1 с</translation>
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
        <message>
            <source>not checked yet</source>
            <translation>ещё не проверено</translation>
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
            <source>not connected</source>
            <translation>не подключён</translation>
        </message>
        <message>
            <source>connected and allowed</source>
            <translation>подключён, доступ разрешён</translation>
        </message>
        <message>
            <source>waiting for “Allow USB debugging” on the phone</source>
            <translation>ждёт «Разрешить отладку по USB» на телефоне</translation>
        </message>
        <message>
            <source>offline</source>
            <translation>не на связи</translation>
        </message>
        <message>
            <source>this computer may not open it (USB permission)</source>
            <translation>этому компьютеру не разрешено его открыть (права на USB)</translation>
        </message>
        <message>
            <source>several attached, none chosen</source>
            <translation>подключено несколько, ни один не выбран</translation>
        </message>
        <message>
            <source>the adb service fails</source>
            <translation>служба adb не работает</translation>
        </message>
    </context>
</TS>
