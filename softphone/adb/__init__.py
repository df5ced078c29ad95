"""The phone over ADB: find/start the adb server, talk to phones by serial, parse what they say.

`server` finds and starts the adb server, `bridge` is the asyncio facade the engine and the call
flow use (`PhoneBridge`), `parse` holds the pure parsers of the phone's output. Nothing in this
package imports Qt, the CRM client or the call flow.
"""
