<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>Settings</name>
        <message>
            <source>CRM server address</source>
            <translation>Адрес сервера CRM</translation>
        </message>
        <message>
            <source>The address of your CRM, e.g. https://crm.example.com (IT can preset it).</source>
            <translation>Адрес вашей CRM, например https://crm.example.com (ИТ-отдел может задать его заранее).</translation>
        </message>
        <message>
            <source>Hosts allowed without HTTPS</source>
            <translation>Серверы, доступные без HTTPS</translation>
        </message>
        <message>
            <source>Plain HTTP sends the session unencrypted: allow it only for a CRM on a trusted local network. Loopback is always allowed.</source>
            <translation>По обычному HTTP сеанс передаётся без шифрования: разрешайте это только для CRM в надёжной локальной сети. Локальный адрес (loopback) разрешён всегда.</translation>
        </message>
        <message>
            <source>Name of this desk in the CRM</source>
            <translation>Имя этого рабочего места в CRM</translation>
        </message>
        <message>
            <source>How this computer is listed among your devices in the CRM.</source>
            <translation>Под этим именем компьютер виден в списке ваших устройств в CRM.</translation>
        </message>
        <message>
            <source>Phone to use</source>
            <translation>Телефон для звонков</translation>
        </message>
        <message>
            <source>Which phone to use when several are attached (empty: the only one attached).</source>
            <translation>Какой телефон использовать, когда подключено несколько (пусто — единственный подключённый).</translation>
        </message>
        <message>
            <source>Dial CRM commands at once</source>
            <translation>Сразу звонить по командам CRM</translation>
        </message>
        <message>
            <source>Off: each command from the CRM waits for you to confirm it.</source>
            <translation>Если выключено, каждая команда из CRM ждёт вашего подтверждения.</translation>
        </message>
        <message>
            <source>Give up an undialled command after (seconds)</source>
            <translation>Не набранную команду закрывать через (секунд)</translation>
        </message>
        <message>
            <source>A command not dialled by then is reported to the CRM as not dialled.</source>
            <translation>Команда, не набранная за это время, уходит в CRM как не набранная.</translation>
        </message>
        <message>
            <source>Interface language</source>
            <translation>Язык интерфейса</translation>
        </message>
        <message>
            <source>Applies at once. Unless chosen here, the system's language; the SOFTPHONE_LANG environment variable, when set, overrides both.</source>
            <translation>Меняется сразу. Если здесь не выбран, берётся язык системы; переменная окружения SOFTPHONE_LANG, если задана, важнее и того и другого.</translation>
        </message>
        <message>
            <source>Start minimised to the tray</source>
            <translation>Запускать свёрнутым в трей</translation>
        </message>
        <message>
            <source>Softphone starts in the tray, without showing its window.</source>
            <translation>Softphone запускается в трее, не открывая окна.</translation>
        </message>
        <message>
            <source>Start when I sign in to this computer</source>
            <translation>Запускать при входе в систему</translation>
        </message>
        <message>
            <source>Softphone starts when you sign in to this computer, so commands are taken from the start of the day.</source>
            <translation>Softphone запускается, когда вы входите в систему на этом компьютере, и принимает команды с самого начала дня.</translation>
        </message>
        <message>
            <source>Closing the window keeps Softphone in the tray</source>
            <translation>При закрытии окна оставаться в трее</translation>
        </message>
        <message>
            <source>Off: closing the window quits Softphone (commands are then not taken).</source>
            <translation>Если выключено, закрытие окна завершает Softphone (и команды больше не принимаются).</translation>
        </message>
        <message>
            <source>Desktop notifications</source>
            <translation>Уведомления на рабочем столе</translation>
        </message>
        <message>
            <source>A notification for each command and each result.</source>
            <translation>Уведомление о каждой команде и каждом итоге.</translation>
        </message>
        <message>
            <source>Heartbeat interval (minutes)</source>
            <translation>Сигнал «я на связи» раз в (минут)</translation>
        </message>
        <message>
            <source>How often this desk tells the CRM it is alive.</source>
            <translation>Как часто рабочее место сообщает CRM, что оно на связи.</translation>
        </message>
        <message>
            <source>Wait for the call-log row after a call (seconds)</source>
            <translation>Ждать запись в журнале звонков после звонка (секунд)</translation>
        </message>
        <message>
            <source>How long to wait for the phone to write a call to its call log before the result is reported as unknown.</source>
            <translation>Сколько ждать, пока телефон запишет звонок в журнал, прежде чем сообщить итог как неизвестный.</translation>
        </message>
        <message>
            <source>A dial may take this long to show on the phone (seconds)</source>
            <translation>Сколько ждать начала набора на телефоне (секунд)</translation>
        </message>
        <message>
            <source>A dial that has not shown on the phone by then is reported as not started.</source>
            <translation>Если за это время набор не начался, звонок считается не начатым.</translation>
        </message>
        <message>
            <source>Long-poll hold to ask for (seconds)</source>
            <translation>Сколько сервер может держать запрос команд (секунд)</translation>
        </message>
        <message>
            <source>How long a server that holds pulls may keep each one waiting.</source>
            <translation>Сколько сервер, который придерживает запросы команд, может держать каждый из них.</translation>
        </message>
        <message>
            <source>Give up re-sending a result after (days)</source>
            <translation>Перестать пересылать итог через (дней)</translation>
        </message>
        <message>
            <source>A result the CRM could not be reached for is tried again for this long, then shown under Diagnostics.</source>
            <translation>Итог, который не удалось доставить в CRM, пересылается столько дней, а потом показывается в «Диагностике».</translation>
        </message>
        <message>
            <source>Log level</source>
            <translation>Подробность журнала</translation>
        </message>
        <message>
            <source>How much goes into the log: DEBUG for support, INFO normally.</source>
            <translation>Сколько писать в журнал: DEBUG — для поддержки, обычно INFO.</translation>
        </message>
        <message>
            <source>Server's per-address request limit</source>
            <translation>Лимит запросов сервера с одного адреса</translation>
        </message>
        <message>
            <source>The CRM refuses requests from one network address after this many in a row; Softphone stays below it.</source>
            <translation>После стольких запросов подряд с одного сетевого адреса CRM начинает их отклонять; Softphone держится ниже.</translation>
        </message>
        <message>
            <source>Silence that resets the server's count (seconds)</source>
            <translation>Пауза, после которой сервер обнуляет счёт (секунд)</translation>
        </message>
        <message>
            <source>How long without requests the CRM takes to forget the count.</source>
            <translation>Сколько времени без запросов нужно, чтобы CRM забыла счёт.</translation>
        </message>
        <message>
            <source>Fastest pull pace against an instant server (seconds)</source>
            <translation>Самый частый запрос команд к «мгновенному» серверу (раз в секунд)</translation>
        </message>
        <message>
            <source>The shortest pause between two pulls while the budget is full.</source>
            <translation>Самая короткая пауза между запросами команд, пока запас запросов полон.</translation>
        </message>
        <message>
            <source>Slowest pull pace before waiting out the limit (seconds)</source>
            <translation>Самый редкий запрос команд перед паузой до сброса лимита (раз в секунд)</translation>
        </message>
        <message>
            <source>The longest pause between two pulls before Softphone waits the limit out.</source>
            <translation>Самая длинная пауза между запросами команд, прежде чем Softphone переждёт лимит целиком.</translation>
        </message>
        <message>
            <source>An empty answer held this long means long-poll (seconds)</source>
            <translation>Пустой ответ дольше этого — сервер придерживает запросы (секунд)</translation>
        </message>
        <message>
            <source>Softphone learns whether the CRM holds pulls from how long an empty answer takes.</source>
            <translation>По тому, как долго идёт пустой ответ, Softphone узнаёт, придерживает ли CRM запросы команд.</translation>
        </message>
        <message>
            <source>Send diagnostics telemetry to the CRM</source>
            <translation>Отправлять в CRM диагностическую телеметрию</translation>
        </message>
        <message>
            <source>Timings and error counts; never numbers or tokens.</source>
            <translation>Время ответов и число ошибок; никогда — номера или токены.</translation>
        </message>
    </context>
</TS>
