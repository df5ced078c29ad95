"""Helpers for driving the simulated CRM over real loopback HTTP with plain httpx.

Deliberately not the client's code: these tests prove what the server does, so they speak
HTTP by hand and read the answers as raw JSON.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread

OPERATOR = ("op1", "pw1", False)
DEVICE = "desk-0001"


@dataclasses.dataclass
class Sim:
    """A running simulated CRM and a plain HTTP client pointed at it."""

    crm: RunningCrm
    http: httpx.Client


@contextmanager
def running(profile: str = "production", **changes: Any) -> Iterator[Sim]:
    """A fresh simulated CRM with one operator (op1/pw1), stopped afterwards."""
    options = dataclasses.replace(CrmOptions(users=[OPERATOR]), profile=profile, **changes)
    crm = start_in_thread(options)
    try:
        with httpx.Client(base_url=crm.url, timeout=10) as http:
            yield Sim(crm, http)
    finally:
        crm.stop()


def bearer(access: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access}"}


def qr_login(crm: RunningCrm, http: httpx.Client, username: str = "op1") -> dict[str, Any]:
    """Sign in the way production allows: a QR token exchanged for a pair."""
    response = http.post("/api/phone/qr/exchange/", json={"token": crm.create_qr(username)})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def signed_in_device(
    crm: RunningCrm, http: httpx.Client, username: str = "op1", device_id: str = DEVICE
) -> dict[str, str]:
    """Auth headers of a user whose device is registered."""
    headers = bearer(qr_login(crm, http, username)["access"])
    response = http.post(
        "/api/phone/devices/register/",
        json={"device_id": device_id, "device_name": "Test desk"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return headers


def pull(
    http: httpx.Client, headers: dict[str, str], device_id: str = DEVICE, wait: int | None = None
) -> httpx.Response:
    params: dict[str, str | int] = {"device_id": device_id}
    if wait is not None:
        params["wait_seconds"] = wait
    return http.get("/api/phone/calls/pull/", params=params, headers=headers)
