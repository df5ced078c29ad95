<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>DemoCrmWindow</name>
        <message>
            <source>Demo CRM</source>
            <translation>Демо-CRM</translation>
        </message>
        <message>
            <source>Demo CRM — a stand-in for your CRM</source>
            <translation>Демо-CRM — вместо вашей CRM</translation>
        </message>
        <message>
            <source>Sign in to Softphone</source>
            <translation>Вход в Softphone</translation>
        </message>
        <message>
            <source>Customers</source>
            <translation>Клиенты</translation>
        </message>
        <message>
            <source>Results the CRM received</source>
            <translation>Итоги, полученные CRM</translation>
        </message>
        <message>
            <source>Call</source>
            <translation>Позвонить</translation>
        </message>
        <message>
            <source>Call this customer</source>
            <translation>Позвонить этому клиенту</translation>
        </message>
        <message>
            <source>Customer</source>
            <translation>Клиент</translation>
        </message>
        <message>
            <source>Number</source>
            <translation>Номер</translation>
        </message>
        <message>
            <source>Result</source>
            <translation>Итог</translation>
        </message>
        <message>
            <source>Talk time</source>
            <translation>Длительность</translation>
        </message>
        <message>
            <source>Softphone signed in with this code.</source>
            <translation>Softphone вошёл по этому коду.</translation>
        </message>
        <message>
            <source>Softphone finds this code on the screen and signs in by itself.</source>
            <translation>Softphone сам найдёт этот код на экране и войдёт.</translation>
        </message>
        <message>
            <source>waiting…</source>
            <translation>ждём…</translation>
        </message>
    </context>
</TS>
