"""What ships inside Softphone, and under which licences (the About dialog lists them).

The Python packages are read from what is installed: Softphone's own requirements and theirs,
each with its version and its licence in short (the SPDX expression a package declares, else its
short licence field, else its classifiers). Two things ship that are not Python code and are
named apart: Qt's libraries (inside PySide6, under the LGPL v3) and the `adb` program (inside
adbutils' wheel, from the Android Open Source Project, under the Apache License 2.0).

No Qt here.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata as metadata
import re
from typing import Final

__all__ = ["Shipped", "shipped_packages"]

#: Softphone's direct requirements, for when it runs from a source tree (not installed).
DIRECT: Final = (
    "PySide6-Essentials",
    "qasync",
    "httpx",
    "keyring",
    "pydantic",
    "platformdirs",
    "adbutils",
    "zxing-cpp",
    "segno",
)
_NAME: Final = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_CLASSIFIER: Final = "License :: OSI Approved :: "


@dataclasses.dataclass(frozen=True, slots=True)
class Shipped:
    name: str
    version: str
    licence: str


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirements(dist: metadata.Distribution) -> list[str]:
    """The names of what `dist` needs at run time (not its extras). A requirement for another
    platform is simply not installed here, and is skipped then."""
    names = []
    for line in dist.requires or []:
        requirement, _, marker = line.partition(";")
        if "extra" in marker:
            continue
        found = _NAME.match(requirement)
        if found:
            names.append(found.group(1))
    return names


def licence_of(dist: metadata.Distribution) -> str:
    """A package's licence in short."""
    meta = dist.metadata

    def first(key: str) -> str:
        return str((meta.get_all(key) or [""])[0] or "").strip()

    expression = first("License-Expression")
    if expression:
        return expression
    field = first("License")
    if field and "\n" not in field and len(field) <= 60 and field.upper() != "UNKNOWN":
        return field
    classifiers = [
        c.removeprefix(_CLASSIFIER).removesuffix(" License")
        for c in meta.get_all("Classifier") or []
        if c.startswith(_CLASSIFIER)
    ]
    return ", ".join(classifiers) if classifiers else "?"


def shipped_packages(root: str = "softphone") -> list[Shipped]:
    """Every Python package Softphone runs with (not itself), by name."""
    try:
        start = _requirements(metadata.distribution(root))
    except metadata.PackageNotFoundError:
        start = list(DIRECT)
    found: dict[str, Shipped] = {}
    todo = list(start)
    while todo:
        name = todo.pop()
        if _key(name) in found:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue  # another platform's requirement (pywin32-ctypes on Linux…)
        shown = str((dist.metadata.get_all("Name") or [name])[0])
        found[_key(name)] = Shipped(shown, dist.version, licence_of(dist))
        todo += _requirements(dist)
    return sorted(found.values(), key=lambda s: s.name.lower())
