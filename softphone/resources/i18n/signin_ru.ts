<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>SignInPage</name>
        <message>
            <source>Sign in to the CRM</source>
            <translation>Вход в CRM</translation>
        </message>
        <message>
            <source>CRM &amp;address:</source>
            <translation>&amp;Адрес CRM:</translation>
        </message>
        <message>
            <source>CRM address</source>
            <translation>Адрес CRM</translation>
        </message>
        <message>
            <source>Open the CRM's sign-in QR code on this computer: Softphone finds it on the screen by itself.</source>
            <translation>Откройте QR-код входа в CRM на этом компьютере — Softphone сам найдёт его на экране.</translation>
        </message>
        <message>
            <source>Choose a picture of the code…</source>
            <translation>Выбрать картинку с кодом…</translation>
        </message>
        <message>
            <source>Choose a picture of the code</source>
            <translation>Выбрать картинку с кодом</translation>
        </message>
        <message>
            <source>Ask the desktop for a screenshot</source>
            <translation>Попросить снимок экрана у системы</translation>
        </message>
        <message>
            <source>Or sign in another way:</source>
            <translation>Или войдите иначе:</translation>
        </message>
        <message>
            <source>&amp;Code (token):</source>
            <translation>&amp;Код (токен):</translation>
        </message>
        <message>
            <source>paste the code from the CRM</source>
            <translation>вставьте код из CRM</translation>
        </message>
        <message>
            <source>Sign-in code</source>
            <translation>Код входа</translation>
        </message>
        <message>
            <source>&amp;User name:</source>
            <translation>&amp;Логин:</translation>
        </message>
        <message>
            <source>User name</source>
            <translation>Логин</translation>
        </message>
        <message>
            <source>&amp;Password:</source>
            <translation>&amp;Пароль:</translation>
        </message>
        <message>
            <source>Password</source>
            <translation>Пароль</translation>
        </message>
        <message>
            <source>Sign in</source>
            <translation>Войти</translation>
        </message>
        <message>
            <source>Looking for the code on the screen…</source>
            <translation>Ищем код на экране…</translation>
        </message>
        <message>
            <source>Code found: signing in…</source>
            <translation>Код найден, входим…</translation>
        </message>
        <message>
            <source>This desktop does not let programs read the screen. Ask the desktop for a screenshot, or choose a picture of the code, or paste the code below.</source>
            <translation>Эта система не даёт программам видеть экран. Попросите у неё снимок экрана, выберите картинку с кодом или вставьте код ниже.</translation>
        </message>
        <message>
            <source>This desktop offers no screenshot service. Choose a picture of the code, or paste the code below.</source>
            <translation>Система не умеет делать снимки экрана по запросу. Выберите картинку с кодом или вставьте код ниже.</translation>
        </message>
        <message>
            <source>The desktop did not give a screenshot.</source>
            <translation>Система не дала снимок экрана.</translation>
        </message>
        <message>
            <source>The screenshot could not be taken.</source>
            <translation>Не удалось сделать снимок экрана.</translation>
        </message>
        <message>
            <source>A picture of the CRM's QR code</source>
            <translation>Картинка с QR-кодом CRM</translation>
        </message>
        <message>
            <source>Pictures (*.png *.jpg *.jpeg *.bmp *.gif *.webp)</source>
            <translation>Картинки (*.png *.jpg *.jpeg *.bmp *.gif *.webp)</translation>
        </message>
        <message>
            <source>The picture shows several codes: crop it to the CRM's one.</source>
            <translation>На картинке несколько кодов: обрежьте её так, чтобы остался только код CRM.</translation>
        </message>
        <message>
            <source>Type the CRM's address first.</source>
            <translation>Сначала введите адрес CRM.</translation>
        </message>
        <message>
            <source>Show the CRM's QR code on the screen, or type the code, or a user name and password.</source>
            <translation>Откройте QR-код CRM на экране, введите код или логин и пароль.</translation>
        </message>
        <message>
            <source>Signing in…</source>
            <translation>Входим…</translation>
        </message>
        <message>
            <source>The server refused (HTTP %1).</source>
            <translation>Сервер отказал (HTTP %1).</translation>
        </message>
        <message>
            <source>This server signs in by QR code only: open the sign-in QR code in the CRM on this screen, and Softphone finds it.</source>
            <translation>Этот сервер пускает только по QR-коду: откройте QR-код входа в CRM на этом экране, и Softphone его найдёт.</translation>
        </message>
        <message>
            <source>Check the user name and the password.</source>
            <translation>Проверьте логин и пароль.</translation>
        </message>
        <message>
            <source>Ask the CRM's administrator to unlock the account.</source>
            <translation>Попросите администратора CRM разблокировать учётную запись.</translation>
        </message>
        <message>
            <source>The code has expired or was used already: show a fresh QR code in the CRM.</source>
            <translation>Код устарел или уже использован: откройте в CRM новый QR-код.</translation>
        </message>
        <message>
            <source>Too many sign-in attempts: wait a minute, then try again.</source>
            <translation>Слишком много попыток входа: подождите минуту и попробуйте снова.</translation>
        </message>
        <message>
            <source>The address is not HTTPS. Use https://, or allow plain HTTP for this host in the settings (only on a trusted local network).</source>
            <translation>Адрес не HTTPS. Укажите https:// или разрешите HTTP для этого сервера в настройках (только в надёжной локальной сети).</translation>
        </message>
        <message>
            <source>The CRM cannot be reached: check the address and the network.</source>
            <translation>CRM недоступна: проверьте адрес и сеть.</translation>
        </message>
        <message>
            <source>The CRM's answer could not be used: %1</source>
            <translation>Ответ CRM не удалось разобрать: %1</translation>
        </message>
        <message>
            <source>Signing in failed: %1</source>
            <translation>Войти не удалось: %1</translation>
        </message>
        <message>
            <source>There is no file %1.</source>
            <translation>Файла %1 нет.</translation>
        </message>
        <message>
            <source>%1 is not a picture Softphone can read.</source>
            <translation>%1 — не картинка, которую Softphone умеет читать.</translation>
        </message>
        <message>
            <source>There is no sign-in QR code in %1.</source>
            <translation>В %1 нет QR-кода входа.</translation>
        </message>
        <message>
            <source>%1 cannot be used.</source>
            <translation>%1 не подходит.</translation>
        </message>
    </context>
</TS>
