"""Softphone: CRM call commands placed on a USB-tethered Android phone over ADB."""

__version__ = "0.1.0"
