"""The engine's support report names no phone by its serial: with several phones attached, the
serials (the one in use, the attached list, the keys of their models) are masked in the text it
sends and in every file of the zip it saves."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from softphone.phone import PhoneState
from tests.support.adb import AdbServer, SimPhoneFactory
from tests.support.engines import desk_engine
from tests.support.waiting import eventually

pytestmark = [pytest.mark.adb]


async def test_no_phone_serial_reaches_a_support_report(
    adb_server: AdbServer, sim_phone_factory: SimPhoneFactory, tmp_path: Path
) -> None:
    phones = [sim_phone_factory(model="Pixel 7"), sim_phone_factory(model="Redmi Note 12")]
    engine = desk_engine(adb_server.port)
    await engine.start()
    try:
        await eventually(
            lambda: (
                engine.status().phone.state is PhoneState.SEVERAL
                and len(engine.status().phone.models) == 2
            ),
            15,
            "two phones with their models",
        )
        text = engine.support_report_text()
        names = engine.save_support_report(tmp_path / "report.zip")
        with zipfile.ZipFile(tmp_path / "report.zip") as archive:
            files = [archive.read(name).decode("utf-8") for name in names]
    finally:
        await engine.stop()
    for phone in phones:
        assert phone.serial not in text
        assert [name for name, body in zip(names, files, strict=True) if phone.serial in body] == []
        assert f"{phone.serial[:4]}***{phone.serial[-4:]}" in text  # still told apart
    assert "Redmi" in text  # the phones are still named by their models
