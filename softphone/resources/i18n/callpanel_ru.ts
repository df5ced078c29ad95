<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru" sourcelanguage="en">
    <context>
        <name>CurrentCall</name>
        <message>
            <source>Hang up (Esc)</source>
            <translation>Положить трубку (Esc)</translation>
        </message>
        <message>
            <source>Hang up</source>
            <translation>Положить трубку</translation>
        </message>
        <message numerus="yes">
            <source>next: %n more waiting</source>
            <translation>
                <numerusform>далее: ещё %n в очереди</numerusform>
                <numerusform>далее: ещё %n в очереди</numerusform>
                <numerusform>далее: ещё %n в очереди</numerusform>
            </translation>
        </message>
    </context>
    <context>
        <name>ConfirmCard</name>
        <message>
            <source>Call now (Enter)</source>
            <translation>Позвонить (Enter)</translation>
        </message>
        <message>
            <source>Call now</source>
            <translation>Позвонить</translation>
        </message>
        <message>
            <source>Dismiss (Esc)</source>
            <translation>Отклонить (Esc)</translation>
        </message>
        <message>
            <source>Dismiss</source>
            <translation>Отклонить</translation>
        </message>
        <message>
            <source>Call %1 (%2)?</source>
            <translation>Позвонить %1 (%2)?</translation>
        </message>
        <message numerus="yes">
            <source>%n more waiting</source>
            <translation>
                <numerusform>ещё %n в очереди</numerusform>
                <numerusform>ещё %n в очереди</numerusform>
                <numerusform>ещё %n в очереди</numerusform>
            </translation>
        </message>
    </context>
</TS>
