"""An in-memory keyring backend: tests never touch a developer's real secret store."""

from softphone.sync.memory_keyring import MemoryKeyring

__all__ = ["MemoryKeyring"]
