"""The phone over ADB: find/start the adb server, talk to phones by serial, parse what they say.

`server` finds and starts the adb server; `bridge` is the asyncio facade the engine and the call
flow use (`PhoneBridge`). Behind it, one module per job: `commands` (every line sent to a phone,
and the checks read from the answers), `parse` (pure parsers of the phone's output), `telecom`
(telecom's analytics: why a call ended), `client` (adbutils, adjusted), `tracker` (following
the device list), `errors` (`PhoneError`). `private` runs a throw-away adb server for the demo,
benchmarks and tests.

Nothing in this package imports Qt, the CRM client (`softphone.sync`) or the call flow; of the
rest of softphone it uses only `problems`, `model`, `numbers` and `masking`.
"""
