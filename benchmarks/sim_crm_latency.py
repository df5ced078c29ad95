"""How fast the simulated CRM answers pulls: seed long-poll wake-up and production's instant 204.

- `seed_long_poll_wake`: a pull held with wait_seconds=10; a command is queued from another
  thread after a short pause; the figure is the time from queueing to the client holding the
  200 (the contract's target: within 100 ms).
- `production_204`: a pull against production with nothing queued (target: within 50 ms).
- `production_200`: a pull that hands out a queued command.

Prints JSON: milliseconds (min, median, p95, max) per figure. Not a test: a figure.
"""

from __future__ import annotations

import json
import statistics
import threading
import time
from typing import Any

import httpx

from softphone.sim.crm import CrmOptions, RunningCrm, start_in_thread

DEVICE = "bench-desk"


def _signed_in(crm: RunningCrm, http: httpx.Client) -> dict[str, str]:
    pair = http.post("/api/phone/qr/exchange/", json={"token": crm.create_qr("op1")}).json()
    headers = {"Authorization": f"Bearer {pair['access']}"}
    http.post("/api/phone/devices/register/", json={"device_id": DEVICE}, headers=headers)
    return headers


def _summary(samples: list[float]) -> dict[str, Any]:
    samples = sorted(samples)
    return {
        "runs": len(samples),
        "ms_min": round(samples[0], 2),
        "ms_median": round(statistics.median(samples), 2),
        "ms_p95": round(samples[max(0, int(len(samples) * 0.95) - 1)], 2),
        "ms_max": round(samples[-1], 2),
    }


def seed_wake(runs: int) -> dict[str, Any]:
    options = CrmOptions(profile="seed", users=[("op1", "pw1", False)], dedupe_window=0.0)
    crm = start_in_thread(options)
    samples = []
    try:
        with httpx.Client(base_url=crm.url, timeout=30) as http:
            headers = _signed_in(crm, http)
            params = {"device_id": DEVICE, "wait_seconds": "10"}
            for n in range(runs):
                queued_at: list[float] = []

                def queue(n: int = n, stamps: list[float] = queued_at) -> None:
                    time.sleep(0.05)
                    stamps.append(time.perf_counter())
                    crm.create_command("op1", f"+7912000{n:04d}")

                worker = threading.Thread(target=queue)
                worker.start()
                response = http.get("/api/phone/calls/pull/", params=params, headers=headers)
                answered = time.perf_counter()
                worker.join()
                assert response.status_code == 200, response.text
                samples.append((answered - queued_at[0]) * 1000)
    finally:
        crm.stop()
    return _summary(samples)


def production_pulls(runs: int) -> tuple[dict[str, Any], dict[str, Any]]:
    options = CrmOptions(
        profile="production",
        users=[("op1", "pw1", False)],
        ip_limit=10**9,
        pull_per_min=10**9,
        dedupe_window=0.0,
    )
    crm = start_in_thread(options)
    empty, full = [], []
    try:
        with httpx.Client(base_url=crm.url, timeout=30) as http:
            headers = _signed_in(crm, http)
            params = {"device_id": DEVICE, "wait_seconds": "25"}
            for n in range(runs):
                started = time.perf_counter()
                response = http.get("/api/phone/calls/pull/", params=params, headers=headers)
                empty.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 204
                crm.create_command("op1", f"+7912000{n:04d}")
                started = time.perf_counter()
                response = http.get("/api/phone/calls/pull/", params=params, headers=headers)
                full.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
    finally:
        crm.stop()
    return _summary(empty), _summary(full)


def main(runs: int = 100) -> None:
    empty, full = production_pulls(runs * 3)
    print(
        json.dumps(
            {
                "benchmark": "sim_crm_latency",
                "seed_long_poll_wake": seed_wake(runs),
                "production_204": empty,
                "production_200": full,
            }
        )
    )


if __name__ == "__main__":
    main()
