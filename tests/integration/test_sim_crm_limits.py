"""The simulated CRM's rate limits: the per-IP wall, scoped and login throttles, seed rate."""

from __future__ import annotations

import time
from typing import Any

import httpx

from softphone.sim.crm_limits import IpLimiter, SlidingThrottle
from tests.integration.sim_crm_helpers import bearer, pull, qr_login, running, signed_in_device

IP_LIMITED = {"detail": "Превышен лимит запросов. Попробуйте позже."}
INFO = "/api/phone/user/info/"


def _info(http: httpx.Client, headers: dict[str, str]) -> httpx.Response:
    return http.get(INFO, headers=headers)


def _limited_by(entries: list[dict[str, Any]]) -> list[str | None]:
    return [e.get("limited_by") for e in entries if e["status"] == 429]


# ---- the per-IP wall (production) ---------------------------------------------------------


def test_the_ip_limit_refuses_the_request_after_the_limit_without_retry_after() -> None:
    with running("production", ip_limit=5, ip_window=30.0) as sim:
        headers = bearer(qr_login(sim.crm, sim.http)["access"])  # the exchange counts: 1
        answers = [_info(sim.http, headers) for _ in range(5)]
        log = sim.crm.requests()
    assert [r.status_code for r in answers] == [200, 200, 200, 200, 429]
    assert answers[-1].json() == IP_LIMITED
    assert "retry-after" not in answers[-1].headers
    assert _limited_by(log) == ["ip"]


def test_a_refused_request_is_logged_with_the_user_its_token_names() -> None:
    with running("production", ip_limit=2, ip_window=30.0) as sim:
        headers = bearer(qr_login(sim.crm, sim.http)["access"])
        assert _info(sim.http, headers).status_code == 200
        assert _info(sim.http, headers).status_code == 429
        assert sim.http.get(INFO, headers=bearer("not-a-token")).status_code == 429
        refused = [e for e in sim.crm.requests() if e.get("limited_by") == "ip"]
    assert [e["user"] for e in refused] == ["op1", None]


def test_the_ip_lockout_ends_one_window_after_the_last_counted_request() -> None:
    with running("production", ip_limit=3, ip_window=1.0) as sim:
        headers = bearer(qr_login(sim.crm, sim.http)["access"])
        assert [_info(sim.http, headers).status_code for _ in range(2)] == [200, 200]
        last_counted = time.perf_counter()
        assert _info(sim.http, headers).status_code == 429
        # Refused probes during the lockout do not extend it: had they counted, the last one
        # (0.6 s in) would keep the wall up until 1.6 s.
        for _ in range(4):
            time.sleep(0.15)
            assert _info(sim.http, headers).status_code == 429
        time.sleep(max(0.0, last_counted + 1.1 - time.perf_counter()))
        assert _info(sim.http, headers).status_code == 200


def test_every_counted_request_restarts_the_ip_window() -> None:
    # Requests spaced closer than the window never let the counter reset, however slow.
    with running("production", ip_limit=4, ip_window=1.0) as sim:
        headers = bearer(qr_login(sim.crm, sim.http)["access"])
        codes = []
        for _ in range(4):
            time.sleep(0.4)
            codes.append(_info(sim.http, headers).status_code)
    assert codes == [200, 200, 200, 429]


def test_the_ip_limit_covers_every_phone_endpoint_but_not_token_endpoints() -> None:
    with running("production", ip_limit=3, ip_window=30.0) as sim:
        token = sim.crm.create_qr("op1")
        exchange = sim.http.post("/api/phone/qr/exchange/", json={"token": token})
        headers = bearer(exchange.json()["access"])
        sim.http.post("/api/phone/devices/register/", json={"device_id": "d"}, headers=headers)
        refresh = sim.http.post("/api/token/refresh/", json={"refresh": exchange.json()["refresh"]})
        unauthenticated = sim.http.get(INFO)
        fourth = sim.http.get("/api/phone/qr/status/", params={"token": token})
    assert refresh.status_code == 200
    assert unauthenticated.status_code == 401  # counted all the same: the third phone request
    assert fourth.status_code == 429


def test_seed_has_no_ip_wall() -> None:
    with running("seed", ip_limit=3, ip_window=30.0) as sim:
        headers = bearer(qr_login(sim.crm, sim.http)["access"])
        codes = {_info(sim.http, headers).status_code for _ in range(10)}
    assert codes == {200}


# ---- per-user scoped throttles (production) -----------------------------------------------


def test_the_pull_throttle_answers_429_with_retry_after() -> None:
    with running("production", pull_per_min=3, scope_window=30.0) as sim:
        headers = signed_in_device(sim.crm, sim.http)
        answers = [pull(sim.http, headers) for _ in range(4)]
        log = sim.crm.requests()
    assert [r.status_code for r in answers] == [204, 204, 204, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 30
    assert answers[-1].json()["detail"].startswith("Запрос был проигнорирован.")
    assert _limited_by(log) == ["scope"]


def test_the_heartbeat_and_telemetry_throttles_are_separate_scopes() -> None:
    with running("production", heartbeat_per_min=2, telemetry_per_min=1, scope_window=30.0) as sim:
        headers = signed_in_device(sim.crm, sim.http)
        beat = {"device_id": "desk-0001", "device_name": "d"}
        beats = [
            sim.http.post("/api/phone/devices/heartbeat/", json=beat, headers=headers).status_code
            for _ in range(3)
        ]
        batch = {"device_id": "desk-0001", "items": []}
        sends = [
            sim.http.post("/api/phone/telemetry/", json=batch, headers=headers).status_code
            for _ in range(2)
        ]
        pulls = pull(sim.http, headers).status_code
    assert beats == [200, 200, 429]
    assert sends == [200, 429]
    assert pulls == 204


def test_scoped_throttles_are_per_user() -> None:
    with running("production", pull_per_min=1, scope_window=30.0) as sim:
        sim.crm.add_user("op2", "pw2")
        mine = signed_in_device(sim.crm, sim.http)
        theirs = signed_in_device(sim.crm, sim.http, "op2", "desk-2")
        codes = [
            pull(sim.http, mine).status_code,
            pull(sim.http, mine).status_code,
            pull(sim.http, theirs, "desk-2").status_code,
        ]
    assert codes == [204, 429, 204]


def test_a_scoped_throttle_admits_again_after_its_window() -> None:
    with running("production", pull_per_min=1, scope_window=1.0) as sim:
        headers = signed_in_device(sim.crm, sim.http)
        first, second = pull(sim.http, headers).status_code, pull(sim.http, headers).status_code
        time.sleep(1.05)
        third = pull(sim.http, headers).status_code
    assert (first, second, third) == (204, 429, 204)


# ---- login and refresh (production) -------------------------------------------------------


def test_login_and_refresh_share_a_per_ip_limit_with_retry_after() -> None:
    with running("production", login_per_min=3, scope_window=30.0) as sim:
        refresh = qr_login(sim.crm, sim.http)["refresh"]
        wrong = {"username": "op1", "password": "nope"}
        codes = [sim.http.post("/api/token/", json=wrong).status_code for _ in range(2)]
        rotated = sim.http.post("/api/token/refresh/", json={"refresh": refresh})
        refused = sim.http.post("/api/token/", json=wrong)
        log = sim.crm.requests()
    assert codes == [401, 401]
    assert rotated.status_code == 200
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert _limited_by(log) == ["login"]


# ---- seed's configurable per-user rate ----------------------------------------------------


def test_seed_rate_answers_429_with_retry_after_and_says_seed() -> None:
    with running("seed", seed_rate=3, scope_window=30.0) as sim:
        headers = bearer(qr_login(sim.crm, sim.http)["access"])
        answers = [_info(sim.http, headers) for _ in range(4)]
        log = sim.crm.requests()
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1
    assert _limited_by(log) == ["seed"]


def test_seed_without_a_rate_never_limits() -> None:
    with running("seed") as sim:
        headers = signed_in_device(sim.crm, sim.http)
        codes = {pull(sim.http, headers).status_code for _ in range(150)}
    assert codes == {204}


# ---- the limiter rules on their own -------------------------------------------------------


def test_ip_limiter_refusals_do_not_extend_the_expiry() -> None:
    limiter = IpLimiter(limit=2, window=10.0)
    assert [limiter.admit("a", t) for t in (0.0, 1.0, 2.0, 10.9)] == [True, True, False, False]
    assert limiter.admit("a", 11.0) is True  # 10 s after the last counted request (t=1)
    assert limiter.admit("b", 2.0) is True  # another address has its own counter


def test_sliding_throttle_waits_until_the_oldest_request_leaves_the_window() -> None:
    throttle = SlidingThrottle(rate=2, window=60.0)
    assert throttle.admit("u", 0.0) is None
    assert throttle.admit("u", 10.0) is None
    assert throttle.admit("u", 20.0) == 40
    assert throttle.admit("u", 60.5) is None
