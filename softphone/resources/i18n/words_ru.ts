<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>Words</name>
        <message numerus="yes">
            <source>%n phones are attached</source>
            <translation>
                <numerusform>Подключён %n телефон</numerusform>
                <numerusform>Подключено %n телефона</numerusform>
                <numerusform>Подключено %n телефонов</numerusform>
            </translation>
        </message>
        <message numerus="yes">
            <source>The CRM refused %n call result(s)</source>
            <translation>
                <numerusform>CRM отклонила %n итог звонка</numerusform>
                <numerusform>CRM отклонила %n итога звонков</numerusform>
                <numerusform>CRM отклонила %n итогов звонков</numerusform>
            </translation>
        </message>
        <message>
            <source>Other devices on this network share the CRM's limit: next request in %1 s</source>
            <translation>Лимит CRM делят другие устройства этой сети: следующий запрос через %1 с</translation>
        </message>
        <message>
            <source>The CRM is limiting requests: next request in %1 s</source>
            <translation>CRM ограничивает запросы: следующий запрос через %1 с</translation>
        </message>
        <message>
            <source>No phone is connected</source>
            <translation>Телефон не подключён</translation>
        </message>
        <message>
            <source>The chosen phone is not connected</source>
            <translation>Выбранный телефон не подключён</translation>
        </message>
        <message>
            <source>The phone has not allowed USB debugging yet</source>
            <translation>Телефон ещё не разрешил отладку по USB</translation>
        </message>
        <message>
            <source>The phone is offline</source>
            <translation>Телефон не на связи</translation>
        </message>
        <message>
            <source>This computer may not open the phone's USB connection</source>
            <translation>Этому компьютеру не разрешено открыть USB-подключение телефона</translation>
        </message>
        <message>
            <source>The phone does not answer</source>
            <translation>Телефон не отвечает</translation>
        </message>
        <message>
            <source>The phone connection service (adb) fails</source>
            <translation>Служба связи с телефоном (adb) не работает</translation>
        </message>
        <message>
            <source>The phone does not let Softphone read its call log</source>
            <translation>Телефон не даёт Softphone читать журнал звонков</translation>
        </message>
        <message>
            <source>The phone's call log cannot be read</source>
            <translation>Журнал звонков телефона не читается</translation>
        </message>
        <message>
            <source>The phone does not let Softphone hang up calls</source>
            <translation>Телефон не даёт Softphone класть трубку</translation>
        </message>
        <message>
            <source>No default SIM card for calls</source>
            <translation>Не выбрана SIM-карта для звонков</translation>
        </message>
        <message>
            <source>No SIM card is ready for calls</source>
            <translation>Нет SIM-карты, готовой к звонкам</translation>
        </message>
        <message>
            <source>Not signed in to the CRM</source>
            <translation>Вход в CRM не выполнен</translation>
        </message>
        <message>
            <source>The CRM ended the session</source>
            <translation>CRM завершила сеанс</translation>
        </message>
        <message>
            <source>The session is not kept after Softphone quits</source>
            <translation>Сеанс не сохранится после выхода из Softphone</translation>
        </message>
        <message>
            <source>The CRM cannot be reached</source>
            <translation>CRM недоступна</translation>
        </message>
        <message>
            <source>A command from the CRM cannot be saved</source>
            <translation>Команду из CRM не удаётся сохранить</translation>
        </message>
        <message>
            <source>Connect the phone with a USB data cable and turn on USB debugging in the phone's Developer options.</source>
            <translation>Подключите телефон USB-кабелем для передачи данных и включите «Отладку по USB» в разделе «Для разработчиков».</translation>
        </message>
        <message>
            <source>Connect that phone, or choose another one in the settings.</source>
            <translation>Подключите этот телефон или выберите другой в настройках.</translation>
        </message>
        <message>
            <source>Unlock the phone and tap Allow on the “Allow USB debugging?” prompt (tick “Always allow from this computer”). No prompt? Unplug the cable and plug it in.</source>
            <translation>Разблокируйте телефон и нажмите «Разрешить» в окне «Разрешить отладку по USB?» (отметьте «Всегда разрешать с этого компьютера»). Окна нет? Отключите и снова подключите кабель.</translation>
        </message>
        <message>
            <source>Unplug the cable and plug it in again. If it stays offline, restart the phone.</source>
            <translation>Отключите кабель и подключите снова. Если не поможет — перезагрузите телефон.</translation>
        </message>
        <message>
            <source>Ask IT to add the udev rule for Android phones (package android-sdk-platform-tools-common) and to add you to the plugdev group.</source>
            <translation>Попросите ИТ-отдел добавить правило udev для Android-телефонов (пакет android-sdk-platform-tools-common) и включить вас в группу plugdev.</translation>
        </message>
        <message>
            <source>Choose the phone to use.</source>
            <translation>Выберите телефон для звонков.</translation>
        </message>
        <message>
            <source>Unlock the phone, then check again.</source>
            <translation>Разблокируйте телефон и проверьте снова.</translation>
        </message>
        <message>
            <source>Restart Softphone. If it happens again, restart the computer.</source>
            <translation>Перезапустите Softphone. Если повторится — перезагрузите компьютер.</translation>
        </message>
        <message>
            <source>Calls are still placed, but their results reach the CRM as unknown. Updating the phone's software or using another phone helps.</source>
            <translation>Звонки совершаются, но их итоги попадают в CRM как «неизвестно». Поможет обновление прошивки телефона или другой телефон.</translation>
        </message>
        <message>
            <source>Restart the phone. If it persists, send a support report.</source>
            <translation>Перезагрузите телефон. Если не поможет — отправьте отчёт в поддержку.</translation>
        </message>
        <message>
            <source>On Xiaomi, Redmi and POCO phones turn on Developer options → “USB debugging (Security settings)”, then reconnect the cable.</source>
            <translation>На телефонах Xiaomi, Redmi и POCO включите «Для разработчиков» → «Отладка по USB (настройки безопасности)», затем переподключите кабель.</translation>
        </message>
        <message>
            <source>On the phone open Settings → SIM cards → Calls and choose one SIM (not “Ask every time”), or Android will ask which SIM to use and the call never starts.</source>
            <translation>На телефоне откройте «Настройки» → «SIM-карты» → «Звонки» и выберите одну SIM-карту (не «Всегда спрашивать»), иначе Android спросит, с какой звонить, и звонок не начнётся.</translation>
        </message>
        <message>
            <source>Insert a SIM card or check the phone's network.</source>
            <translation>Вставьте SIM-карту или проверьте связь на телефоне.</translation>
        </message>
        <message>
            <source>Sign in with the CRM's QR code.</source>
            <translation>Войдите по QR-коду из CRM.</translation>
        </message>
        <message>
            <source>Sign in again with the CRM's QR code.</source>
            <translation>Войдите снова по QR-коду из CRM.</translation>
        </message>
        <message>
            <source>You will be asked to sign in again after a restart.</source>
            <translation>После перезапуска придётся войти снова.</translation>
        </message>
        <message>
            <source>Check the network. Softphone keeps trying; results wait and are not lost.</source>
            <translation>Проверьте сеть. Softphone продолжает попытки; итоги ждут и не теряются.</translation>
        </message>
        <message>
            <source>Nothing to do: commands arrive again by themselves.</source>
            <translation>Ничего делать не нужно: команды снова пойдут сами.</translation>
        </message>
        <message>
            <source>Nothing to do here. If it lasts, ask IT about the CRM's per-address limit.</source>
            <translation>Здесь ничего делать не нужно. Если это надолго — спросите ИТ-отдел о лимите CRM на адрес.</translation>
        </message>
        <message>
            <source>See them in Diagnostics (F1): retry or discard each.</source>
            <translation>Посмотрите их в «Диагностике» (F1): повторите или удалите каждый.</translation>
        </message>
        <message>
            <source>Check that the disk is not full. Softphone keeps trying.</source>
            <translation>Проверьте, не заполнен ли диск. Softphone продолжает попытки.</translation>
        </message>
        <message>
            <source>Not a phone number</source>
            <translation>Это не номер телефона</translation>
        </message>
        <message>
            <source>Too long for a phone number</source>
            <translation>Слишком длинно для номера телефона</translation>
        </message>
        <message>
            <source>Type a number</source>
            <translation>Введите номер</translation>
        </message>
        <message>
            <source>A “+” may only stand first</source>
            <translation>«+» может стоять только в начале</translation>
        </message>
        <message>
            <source>Codes with “*” or “#” cannot be dialled from here</source>
            <translation>Коды со «*» или «#» отсюда не набрать</translation>
        </message>
        <message>
            <source>The number has invisible characters</source>
            <translation>В номере есть невидимые символы</translation>
        </message>
        <message>
            <source>A number has no letters</source>
            <translation>В номере не бывает букв</translation>
        </message>
        <message>
            <source>The number has a character not allowed</source>
            <translation>В номере недопустимый символ</translation>
        </message>
        <message>
            <source>The number has no digits</source>
            <translation>В номере нет цифр</translation>
        </message>
        <message>
            <source>Incomplete: add the area code</source>
            <translation>Номер неполный: добавьте код города</translation>
        </message>
        <message>
            <source>After +7 come exactly 10 digits</source>
            <translation>После +7 должно быть ровно 10 цифр</translation>
        </message>
        <message>
            <source>A country code never starts with 0</source>
            <translation>Код страны не начинается с 0</translation>
        </message>
        <message>
            <source>Too short for an international number</source>
            <translation>Слишком короткий для международного номера</translation>
        </message>
        <message>
            <source>Too long: at most 15 digits</source>
            <translation>Слишком длинный: не больше 15 цифр</translation>
        </message>
        <message>
            <source>Not dialled: %1</source>
            <translation>Не набран: %1</translation>
        </message>
        <message>
            <source>Not dialled within %1 s</source>
            <translation>Не набран за %1 с</translation>
        </message>
        <message>
            <source>No call-log entry appeared within %1 s</source>
            <translation>Запись в журнале звонков не появилась за %1 с</translation>
        </message>
        <message>
            <source>Not connected: the phone's call log cannot tell busy from no answer</source>
            <translation>Не дозвонились: журнал звонков не различает «занято» и «не ответили»</translation>
        </message>
        <message>
            <source>The line was busy (the phone's telecom says)</source>
            <translation>Занято (по данным телефона)</translation>
        </message>
        <message>
            <source>The call was declined (the phone's telecom says)</source>
            <translation>Звонок сбросили (по данным телефона)</translation>
        </message>
        <message>
            <source>Not answered (the phone's telecom says)</source>
            <translation>Не ответили (по данным телефона)</translation>
        </message>
        <message>
            <source>Incoming call not answered</source>
            <translation>Входящий звонок без ответа</translation>
        </message>
        <message>
            <source>Went to voicemail</source>
            <translation>Ушёл на автоответчик</translation>
        </message>
        <message>
            <source>Declined on this phone</source>
            <translation>Отклонён на этом телефоне</translation>
        </message>
        <message>
            <source>Blocked on this phone</source>
            <translation>Заблокирован на этом телефоне</translation>
        </message>
        <message>
            <source>Answered on another device</source>
            <translation>Принят на другом устройстве</translation>
        </message>
        <message>
            <source>The call log gave an unknown call type</source>
            <translation>Журнал звонков вернул неизвестный тип звонка</translation>
        </message>
        <message>
            <source>Not dialled: the command had no number</source>
            <translation>Не набран: в команде нет номера</translation>
        </message>
        <message>
            <source>Not dialled: not a phone number</source>
            <translation>Не набран: это не номер телефона</translation>
        </message>
        <message>
            <source>Dismissed by the operator</source>
            <translation>Отклонён оператором</translation>
        </message>
        <message>
            <source>Not dialled in time</source>
            <translation>Не набран вовремя</translation>
        </message>
        <message>
            <source>The phone did not start the call (an emergency-like number, a SIM choice, or a locked screen)</source>
            <translation>Телефон не начал звонок (номер похож на экстренный, выбор SIM-карты или заблокированный экран)</translation>
        </message>
        <message>
            <source>The phone was busy with another call</source>
            <translation>Телефон был занят другим звонком</translation>
        </message>
        <message>
            <source>Unknown: the phone does not let Softphone read its call log</source>
            <translation>Неизвестно: телефон не даёт читать журнал звонков</translation>
        </message>
        <message>
            <source>Unknown: the call log could not be read</source>
            <translation>Неизвестно: журнал звонков не прочитался</translation>
        </message>
        <message>
            <source>Unknown: the phone was not reachable after the call</source>
            <translation>Неизвестно: после звонка телефон был недоступен</translation>
        </message>
        <message>
            <source>Unknown: no call-log entry appeared</source>
            <translation>Неизвестно: запись в журнале звонков не появилась</translation>
        </message>
        <message>
            <source>Unknown: an internal error (see the log)</source>
            <translation>Неизвестно: внутренняя ошибка (см. журнал)</translation>
        </message>
        <message>
            <source>Connected</source>
            <translation>Дозвонились</translation>
        </message>
        <message>
            <source>No answer</source>
            <translation>Не ответили</translation>
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
            <source>Missed</source>
            <translation>Пропущен</translation>
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
            <source>Waiting</source>
            <translation>В очереди</translation>
        </message>
        <message>
            <source>Waiting for you</source>
            <translation>Ждёт вашего решения</translation>
        </message>
        <message>
            <source>Dialling</source>
            <translation>Набираем</translation>
        </message>
        <message>
            <source>On the call</source>
            <translation>Разговор</translation>
        </message>
        <message>
            <source>Reading the result</source>
            <translation>Узнаём итог</translation>
        </message>
        <message>
            <source>Done</source>
            <translation>Готово</translation>
        </message>
        <message>
            <source>CRM</source>
            <translation>CRM</translation>
        </message>
        <message>
            <source>Notification</source>
            <translation>Уведомление</translation>
        </message>
        <message>
            <source>History</source>
            <translation>История</translation>
        </message>
        <message>
            <source>Manual</source>
            <translation>Вручную</translation>
        </message>
        <message>
            <source>Outgoing</source>
            <translation>Исходящий</translation>
        </message>
        <message>
            <source>Incoming</source>
            <translation>Входящий</translation>
        </message>
        <message>
            <source>From the phone's call log after the call</source>
            <translation>По журналу звонков телефона после звонка</translation>
        </message>
        <message>
            <source>From the phone's call log on a later look (after a restart or a late row)</source>
            <translation>По журналу звонков при повторной проверке (после перезапуска или поздней записи)</translation>
        </message>
        <message>
            <source>Not learned: the outcome is unknown</source>
            <translation>Не удалось узнать: итог неизвестен</translation>
        </message>
        <message>
            <source>Sent</source>
            <translation>Отправлен</translation>
        </message>
        <message>
            <source>Local only</source>
            <translation>Только здесь</translation>
        </message>
        <message>
            <source>Refused: %1</source>
            <translation>Отклонён: %1</translation>
        </message>
        <message>
            <source>Waiting, next try in %1 s</source>
            <translation>Ждёт, следующая попытка через %1 с</translation>
        </message>
        <message>
            <source>Waiting to be sent</source>
            <translation>Ждёт отправки</translation>
        </message>
        <message>
            <source>After the call</source>
            <translation>После звонка</translation>
        </message>
    </context>
</TS>
