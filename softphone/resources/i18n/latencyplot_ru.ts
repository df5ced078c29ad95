<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>LatencyPlot</name>
        <message>
            <source>Time taken by the recent pulls</source>
            <translation>Время последних запросов команд</translation>
        </message>
        <message>
            <source>No pulls yet.</source>
            <translation>Запросов команд ещё не было.</translation>
        </message>
        <message numerus="yes">
            <source>Recent pulls: %n</source>
            <translation>
                <numerusform>Последних запросов: %n</numerusform>
                <numerusform>Последних запросов: %n</numerusform>
                <numerusform>Последних запросов: %n</numerusform>
            </translation>
        </message>
        <message>
            <source>typical %1 ms, slowest %2 ms</source>
            <translation>обычно %1 мс, дольше всего %2 мс</translation>
        </message>
        <message numerus="yes">
            <source>%n refused or unanswered (hatched)</source>
            <translation>
                <numerusform>%n отклонён или без ответа (заштрихован)</numerusform>
                <numerusform>%n отклонены или без ответа (заштрихованы)</numerusform>
                <numerusform>%n отклонены или без ответа (заштрихованы)</numerusform>
            </translation>
        </message>
        <message>
            <source>%1 ms</source>
            <translation>%1 мс</translation>
        </message>
        <message>
            <source>oldest → newest</source>
            <translation>старые → новые</translation>
        </message>
    </context>
</TS>
