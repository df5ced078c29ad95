"""The simulated CRM's sign-in: password login per profile, QR tokens, JWTs, refresh, logout."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator

import jwt
import pytest

from tests.integration.sim_crm_helpers import Sim, bearer, qr_login, running

NO_CREDENTIALS = {"detail": "Учетные данные не были предоставлены."}


@pytest.fixture
def prod() -> Iterator[Sim]:
    with running("production") as sim:
        yield sim


@pytest.fixture
def seed() -> Iterator[Sim]:
    with running("seed") as sim:
        yield sim


def test_production_refuses_a_correct_password_with_its_403_detail(prod: Sim) -> None:
    response = prod.http.post("/api/token/", json={"username": "op1", "password": "pw1"})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("JWT вход по логину и паролю отключён")


def test_a_wrong_password_is_401_in_both_profiles(prod: Sim, seed: Sim) -> None:
    for sim in (prod, seed):
        response = sim.http.post("/api/token/", json={"username": "op1", "password": "nope"})
        assert response.status_code == 401
        assert response.json() == {"detail": "Неверные учетные данные."}


def test_seed_password_login_answers_access_refresh_and_is_admin(seed: Sim) -> None:
    seed.crm.add_user("boss", "pw", is_admin=True)
    response = seed.http.post("/api/token/", json={"username": "boss", "password": "pw"})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "is_admin"}
    assert body["is_admin"] is True


def test_a_locked_account_answers_423(seed: Sim) -> None:
    seed.crm.lock_user("op1")
    response = seed.http.post("/api/token/", json={"username": "op1", "password": "pw1"})
    assert response.status_code == 423


def test_login_without_fields_lists_every_missing_field(prod: Sim) -> None:
    response = prod.http.post("/api/token/", json={})
    assert response.status_code == 400
    assert response.json() == {
        "username": ["Обязательное поле."],
        "password": ["Обязательное поле."],
    }


def test_tokens_are_hs256_with_exp_jti_and_a_string_user_id(prod: Sim) -> None:
    pair = qr_login(prod.crm, prod.http)
    for kind in ("access", "refresh"):
        header = jwt.get_unverified_header(pair[kind])
        claims = jwt.decode(pair[kind], options={"verify_signature": False})
        assert header["alg"] == "HS256"
        assert claims["token_type"] == kind
        assert isinstance(claims["user_id"], str)
        assert claims["jti"]
        assert claims["exp"] > time.time()


def test_qr_exchange_answers_the_pair_with_username_and_is_admin(prod: Sim) -> None:
    body = qr_login(prod.crm, prod.http)
    assert set(body) == {"access", "refresh", "username", "is_admin"}
    assert body["username"] == "op1"
    assert body["is_admin"] is False


def test_qr_token_is_86_url_safe_characters(prod: Sim) -> None:
    token = prod.crm.create_qr("op1")
    assert len(token) == 86
    assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_a_qr_token_works_only_once(prod: Sim) -> None:
    token = prod.crm.create_qr("op1")
    first = prod.http.post("/api/phone/qr/exchange/", json={"token": token})
    second = prod.http.post("/api/phone/qr/exchange/", json={"token": token})
    assert first.status_code == 200
    assert second.status_code == 400
    assert second.json() == {"detail": "Неверный или истекший токен"}


def test_an_expired_qr_token_is_refused(prod: Sim) -> None:
    prod.crm.set_faults(qr_ttl=0.3)
    token = prod.crm.create_qr("op1")
    time.sleep(0.4)
    response = prod.http.post("/api/phone/qr/exchange/", json={"token": token})
    assert response.status_code == 400
    assert response.json() == {"detail": "Неверный или истекший токен"}


def test_qr_tokens_live_five_minutes_by_default(seed: Sim) -> None:
    made = seed.http.post("/sim/qr", json={"username": "op1"}).json()
    left = dt.datetime.fromisoformat(made["expires_at"]) - dt.datetime.now(dt.UTC)
    assert 290 <= left.total_seconds() <= 300


def test_qr_exchange_validates_the_token_field(prod: Sim) -> None:
    missing = prod.http.post("/api/phone/qr/exchange/", json={})
    too_long = prod.http.post("/api/phone/qr/exchange/", json={"token": "x" * 129})
    unknown = prod.http.post("/api/phone/qr/exchange/", json={"token": "x" * 86})
    assert (missing.status_code, missing.json()) == (400, {"token": ["Обязательное поле."]})
    assert too_long.status_code == 400
    assert too_long.json() == {
        "token": ["Убедитесь, что это значение содержит не более 128 символов."]
    }
    assert (unknown.status_code, unknown.json()) == (400, {"detail": "Неверный или истекший токен"})


def test_qr_status_goes_from_pending_to_used(prod: Sim) -> None:
    token = prod.crm.create_qr("op1")
    before = prod.http.get("/api/phone/qr/status/", params={"token": token}).json()
    prod.http.post("/api/phone/qr/exchange/", json={"token": token})
    after = prod.http.get("/api/phone/qr/status/", params={"token": token}).json()
    assert (before, after) == ({"status": "pending"}, {"status": "used"})


def test_qr_status_says_expired_after_the_lifetime(prod: Sim) -> None:
    prod.crm.set_faults(qr_ttl=0.3)
    token = prod.crm.create_qr("op1")
    time.sleep(0.4)
    assert prod.http.get("/api/phone/qr/status/", params={"token": token}).json() == {
        "status": "expired"
    }


def test_qr_create_mints_at_most_one_token_per_interval_per_ip(prod: Sim) -> None:
    headers = bearer(qr_login(prod.crm, prod.http)["access"])
    first = prod.http.post("/api/phone/qr/create/", json={}, headers=headers)
    second = prod.http.post("/api/phone/qr/create/", json={}, headers=headers)
    assert first.status_code == 200
    assert set(first.json()) == {"token", "expires_at"}
    assert second.status_code == 429
    assert int(second.headers["Retry-After"]) >= 1


def test_the_rotated_refresh_works_and_the_old_one_is_refused(prod: Sim) -> None:
    old = qr_login(prod.crm, prod.http)["refresh"]
    rotated = prod.http.post("/api/token/refresh/", json={"refresh": old})
    assert rotated.status_code == 200
    assert set(rotated.json()) == {"access", "refresh"}
    new = rotated.json()["refresh"]
    assert new != old
    again = prod.http.post("/api/token/refresh/", json={"refresh": new})
    reused = prod.http.post("/api/token/refresh/", json={"refresh": old})
    assert again.status_code == 200
    assert reused.status_code == 401
    assert reused.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}


def test_the_new_access_token_from_refresh_works(prod: Sim) -> None:
    old = qr_login(prod.crm, prod.http)["refresh"]
    access = prod.http.post("/api/token/refresh/", json={"refresh": old}).json()["access"]
    info = prod.http.get("/api/phone/user/info/", headers=bearer(access))
    assert info.json() == {"username": "op1", "is_admin": False}


def test_seed_refresh_answers_access_only_and_keeps_the_refresh_valid(seed: Sim) -> None:
    refresh = qr_login(seed.crm, seed.http)["refresh"]
    first = seed.http.post("/api/token/refresh/", json={"refresh": refresh})
    second = seed.http.post("/api/token/refresh/", json={"refresh": refresh})
    assert set(first.json()) == {"access"}
    assert second.status_code == 200


def test_an_expired_refresh_is_refused() -> None:
    with running("production", refresh_ttl=0.3) as sim:
        refresh = qr_login(sim.crm, sim.http)["refresh"]
        time.sleep(0.4)
        response = sim.http.post("/api/token/refresh/", json={"refresh": refresh})
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_an_access_token_is_refused_as_a_refresh_token(prod: Sim) -> None:
    access = qr_login(prod.crm, prod.http)["access"]
    response = prod.http.post("/api/token/refresh/", json={"refresh": access})
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has wrong type", "code": "token_not_valid"}


def test_an_expired_access_token_answers_401_token_not_valid_with_messages() -> None:
    with running("production", access_ttl=1.0) as sim:
        access = qr_login(sim.crm, sim.http)["access"]
        assert sim.http.get("/api/phone/user/info/", headers=bearer(access)).status_code == 200
        time.sleep(1.05)
        response = sim.http.get("/api/phone/user/info/", headers=bearer(access))
    assert response.status_code == 401
    body = response.json()
    assert body["detail"] == "Given token not valid for any token type"
    assert body["code"] == "token_not_valid"
    assert body["messages"][0]["token_type"] == "access"


def test_token_lifetimes_can_be_changed_while_running(prod: Sim) -> None:
    prod.crm.set_faults(access_ttl=0.2)
    access = qr_login(prod.crm, prod.http)["access"]
    time.sleep(0.3)
    assert prod.http.get("/api/phone/user/info/", headers=bearer(access)).status_code == 401


def test_a_forged_token_is_refused(prod: Sim) -> None:
    claims = {"token_type": "access", "exp": time.time() + 60, "jti": "x", "user_id": "1"}
    forged = jwt.encode(claims, "not the server's key " * 2, algorithm="HS256")
    response = prod.http.get("/api/phone/user/info/", headers=bearer(forged))
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


def test_a_refresh_token_does_not_work_as_an_access_token(prod: Sim) -> None:
    refresh = qr_login(prod.crm, prod.http)["refresh"]
    response = prod.http.get("/api/phone/user/info/", headers=bearer(refresh))
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.parametrize(
    "path",
    [
        "/api/phone/user/info/",
        "/api/phone/calls/pull/?device_id=x",
    ],
)
def test_missing_auth_is_401_with_the_russian_detail(prod: Sim, path: str) -> None:
    response = prod.http.get(path)
    assert response.status_code == 401
    assert response.json() == NO_CREDENTIALS


@pytest.mark.parametrize(
    "path",
    [
        "/api/phone/devices/register/",
        "/api/phone/devices/heartbeat/",
        "/api/phone/calls/update/",
        "/api/phone/telemetry/",
        "/api/phone/logs/",
        "/api/phone/logout/",
        "/api/phone/logout/all/",
        "/api/phone/qr/create/",
    ],
)
def test_every_authenticated_post_refuses_a_missing_bearer(prod: Sim, path: str) -> None:
    response = prod.http.post(path, json={})
    assert response.status_code == 401
    assert response.json() == NO_CREDENTIALS


def test_a_bearer_header_without_a_token_is_a_bad_header(prod: Sim) -> None:
    response = prod.http.get("/api/phone/user/info/", headers={"Authorization": "Bearer"})
    assert response.status_code == 401
    assert response.json()["code"] == "bad_authorization_header"


def test_logout_blacklists_the_refresh_but_the_access_keeps_working(prod: Sim) -> None:
    pair = qr_login(prod.crm, prod.http)
    headers = bearer(pair["access"])
    out = prod.http.post("/api/phone/logout/", json={"refresh": pair["refresh"]}, headers=headers)
    assert out.status_code == 200
    assert out.json()["ok"] is True
    refused = prod.http.post("/api/token/refresh/", json={"refresh": pair["refresh"]})
    assert refused.status_code == 401
    assert prod.http.get("/api/phone/user/info/", headers=headers).status_code == 200


def test_logout_all_blacklists_every_live_refresh_of_the_user(prod: Sim) -> None:
    first, second = qr_login(prod.crm, prod.http), qr_login(prod.crm, prod.http)
    out = prod.http.post("/api/phone/logout/all/", json={}, headers=bearer(first["access"]))
    assert out.json()["blacklisted"] == 2
    for pair in (first, second):
        refused = prod.http.post("/api/token/refresh/", json={"refresh": pair["refresh"]})
        assert refused.status_code == 401


def test_a_deleted_user_after_reset_cannot_use_an_old_token(prod: Sim) -> None:
    prod.crm.add_user("temp", "pw")
    access = qr_login(prod.crm, prod.http, "temp")["access"]
    prod.crm.reset()
    response = prod.http.get("/api/phone/user/info/", headers=bearer(access))
    assert response.status_code == 401


def test_command_ids_are_uuids_in_production_and_numeric_in_seed(prod: Sim, seed: Sim) -> None:
    prod_id = prod.crm.create_command("op1", "+79123456789")
    seed_id = seed.crm.create_command("op1", "+79123456789")
    assert str(uuid.UUID(prod_id)) == prod_id
    assert seed_id.isdigit()
