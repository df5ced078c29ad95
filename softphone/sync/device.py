"""This installation's device id: random, generated once, kept in the store, masked in logs.

It must never be derived from anything about the machine or the user (it is an identifier the
CRM stores), and never be longer than the CRM's 64 characters.
"""

from __future__ import annotations

import secrets
from typing import Final

from softphone.masking import register_device_id
from softphone.store import Store

__all__ = ["DEVICE_ID_KEY", "device_id"]

DEVICE_ID_KEY: Final = "device_id"
_PREFIX: Final = "sp-"


def device_id(store: Store) -> str:
    """The device id of this installation, created (and committed) the first time."""
    value = store.get_value(DEVICE_ID_KEY)
    if not value or len(value) > 64:
        value = _PREFIX + secrets.token_hex(16)
        store.set_value(DEVICE_ID_KEY, value)
    register_device_id(value)
    return value
