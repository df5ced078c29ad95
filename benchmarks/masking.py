"""How long `mask` takes on a 50 000-character log bundle (the logs endpoint's cap).

Prints JSON: milliseconds per bundle (min, median, p95 over the runs). Not a test: a figure.
"""

from __future__ import annotations

import json
import statistics
import time

from softphone.masking import mask

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VyX2lkIjoiNDIifQ.c2lnbmF0dXJlc2lnbmF0dXJl"
LINES = [
    "2026-11-26 10:00:00,123 INFO    softphone.sync: pull 204 in 11 ms mode=instant next=2.0s",
    '{"device_id": "ab12cd34ef56gh78", "phone": "+79123456789", "call_status": "connected"}',
    f"2026-11-26 10:00:01,001 DEBUG   softphone.sync: Authorization: Bearer {JWT}",
    "Row: 0 _id=12, number=89991234567, date=1764151200000, duration=42, type=2",
    "2026-11-26 10:00:02,500 INFO    softphone.flow: dial 8 (912) 345-67-89 started",
    "GET /api/phone/calls/pull/?device_id=ab12cd34ef56gh78&wait_seconds=25 -> 204",
]


def main(runs: int = 200) -> None:
    text = ""
    while len(text) < 50_000:
        text += "\n".join(LINES) + "\n"
    bundle = text[:50_000]
    mask(bundle)  # warm the regex cache
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        mask(bundle)
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    print(
        json.dumps(
            {
                "benchmark": "mask_50k_bundle",
                "chars": len(bundle),
                "runs": runs,
                "ms_min": round(samples[0], 2),
                "ms_median": round(statistics.median(samples), 2),
                "ms_p95": round(samples[int(runs * 0.95) - 1], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
