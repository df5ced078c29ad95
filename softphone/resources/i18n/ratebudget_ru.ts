<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>RateBudgetView</name>
        <message>
            <source>Time until requests go again</source>
            <translation>Время до возобновления запросов</translation>
        </message>
        <message>
            <source>Requests left before the CRM's limit: %1 of %2</source>
            <translation>Запросов до лимита CRM осталось: %1 из %2</translation>
        </message>
        <message numerus="yes">
            <source>Refused for too many requests (429) since Softphone started: %n</source>
            <translation>
                <numerusform>Отказов «слишком много запросов» (429) с запуска Softphone: %n</numerusform>
                <numerusform>Отказов «слишком много запросов» (429) с запуска Softphone: %n</numerusform>
                <numerusform>Отказов «слишком много запросов» (429) с запуска Softphone: %n</numerusform>
            </translation>
        </message>
        <message>
            <source>held back %1 in all</source>
            <translation>всего в паузе: %1</translation>
        </message>
        <message>
            <source>Softphone waits so as not to reach the CRM's limit.</source>
            <translation>Softphone ждёт, чтобы не упереться в лимит CRM.</translation>
        </message>
        <message>
            <source>The CRM refuses requests from this network address for now.</source>
            <translation>CRM пока отклоняет запросы с этого сетевого адреса.</translation>
        </message>
        <message>
            <source>The CRM asked to wait.</source>
            <translation>CRM попросила подождать.</translation>
        </message>
        <message>
            <source>Other devices on this network use the same limit.</source>
            <translation>Тот же лимит расходуют другие устройства этой сети.</translation>
        </message>
        <message>
            <source>Requests go again in %1 s.</source>
            <translation>Запросы возобновятся через %1 с.</translation>
        </message>
        <message>
            <source>%1 min %2 s</source>
            <translation>%1 мин %2 с</translation>
        </message>
        <message>
            <source>%1 s</source>
            <translation>%1 с</translation>
        </message>
    </context>
</TS>
