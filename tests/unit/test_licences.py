"""What ships inside, for the About dialog: the installed packages Softphone runs with, and theirs,
each with its licence in short — read from what is installed, not typed in twice."""

from __future__ import annotations

from softphone.licences import shipped_packages


def test_the_dependencies_and_theirs_are_listed_with_their_licences() -> None:
    shipped = {s.name.lower().replace("_", "-"): s for s in shipped_packages()}
    assert shipped["httpx"].licence == "BSD-3-Clause"
    assert "LGPL-3.0" in shipped["pyside6-essentials"].licence
    assert shipped["adbutils"].licence == "MIT"
    assert "httpcore" in shipped  # httpx's own requirement
    assert all(s.version and s.licence for s in shipped.values())


def test_neither_softphone_nor_the_development_tools_are_among_them() -> None:
    names = {s.name.lower() for s in shipped_packages()}
    assert "softphone" not in names
    assert not names & {"pytest", "ruff", "mypy", "starlette", "uvicorn"}
