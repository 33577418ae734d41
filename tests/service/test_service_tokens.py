"""Tokens: minting, verification at the service clock's now, and the ``token`` command."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from service_helpers import APP_A, READ_WRITE_ALL, START, USER

from reference_impl.model import Caller, ErrorCode, Refusal
from reference_impl.service.tokens import (
    DEV_TOKEN_SECRET,
    GRAPH_AUDIENCE,
    SECRET_ENV,
    main_token,
    mint_token,
    verify_authorization,
)

OTHER_SECRET = "another-secret-that-is-long-enough-for-hs256!"


def _claims(**overrides: Any) -> dict[str, Any]:
    issued = int(START.timestamp())
    claims: dict[str, Any] = {
        "aud": GRAPH_AUDIENCE,
        "appid": APP_A,
        "roles": [READ_WRITE_ALL],
        "iat": issued,
        "nbf": issued,
        "exp": issued + 3600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def _refused(header: str | None, now: datetime = START, secret: str = DEV_TOKEN_SECRET) -> str:
    with pytest.raises(Refusal) as caught:
        verify_authorization(header, secret, now)
    assert caught.value.status == 401
    assert caught.value.code == ErrorCode.UNAUTHENTICATED
    return caught.value.message


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_dev_secret_is_long_enough_for_hs256() -> None:
    assert len(DEV_TOKEN_SECRET.encode()) >= 32


def test_application_token_round_trip() -> None:
    token = mint_token(secret=DEV_TOKEN_SECRET, app_id=APP_A, roles=[READ_WRITE_ALL, "Presence.Read.All"], now=START)
    caller = verify_authorization(f"Bearer {token}", DEV_TOKEN_SECRET, START)
    assert caller == Caller(APP_A, frozenset({READ_WRITE_ALL, "Presence.Read.All"}))
    claims = jwt.decode(
        token, DEV_TOKEN_SECRET, algorithms=["HS256"], audience=GRAPH_AUDIENCE, options={"verify_exp": False}
    )
    assert claims["roles"] == [READ_WRITE_ALL, "Presence.Read.All"]
    assert claims["iat"] == claims["nbf"] == int(START.timestamp())
    assert claims["exp"] == int(START.timestamp()) + 3600
    assert {"tid", "appid", "aud"} <= claims.keys()
    assert "scp" not in claims and "oid" not in claims


def test_delegated_token_round_trip_lowercases_the_user() -> None:
    token = mint_token(
        secret=DEV_TOKEN_SECRET,
        app_id=APP_A,
        scopes=["Presence.ReadWrite", "Presence.Read"],
        user_id=USER.upper(),
        now=START,
    )
    caller = verify_authorization(f"bearer {token}", DEV_TOKEN_SECRET, START)
    assert caller == Caller(APP_A, frozenset({"Presence.ReadWrite", "Presence.Read"}), USER)
    assert caller.delegated


def test_delegated_token_without_scopes_has_no_permissions() -> None:
    token = mint_token(secret=DEV_TOKEN_SECRET, app_id=APP_A, user_id=USER, now=START)
    assert verify_authorization(f"Bearer {token}", DEV_TOKEN_SECRET, START) == Caller(APP_A, frozenset(), USER)


@pytest.mark.parametrize("header", [None, "", "   ", "Bearer", "Bearer   ", "Basic dXNlcjpwYXNz", "Token abc"])
def test_missing_or_non_bearer_header_is_401(header: str | None) -> None:
    _refused(header)


@pytest.mark.parametrize("token", ["abc", "a.b.c", "....", "x" * 20000, "eyJhbGciOiJIUzI1NiJ9.e30"])
def test_garbage_token_is_401(token: str) -> None:
    _refused(f"Bearer {token}")


def test_alg_none_is_refused() -> None:
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}."
    assert "HS256" in _refused(f"Bearer {unsigned}")


def test_alg_none_with_a_copied_signature_is_refused() -> None:
    good = jwt.encode(_claims(), DEV_TOKEN_SECRET, algorithm="HS256")
    signature = good.rsplit(".", 1)[1]
    forged = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}.{signature}"
    _refused(f"Bearer {forged}")


@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_algorithms_are_refused_even_with_the_right_secret(algorithm: str) -> None:
    token = jwt.encode(_claims(), DEV_TOKEN_SECRET + "-padded-for-hs512-key-length-rules-x", algorithm=algorithm)
    assert "HS256" in _refused(f"Bearer {token}")


def test_wrong_secret_is_refused() -> None:
    token = jwt.encode(_claims(), OTHER_SECRET, algorithm="HS256")
    assert "signature" in _refused(f"Bearer {token}")


def test_tampered_claims_are_refused() -> None:
    header, _, signature = jwt.encode(_claims(), DEV_TOKEN_SECRET, algorithm="HS256").split(".")
    tampered = f"{header}.{_b64(_claims(roles=['Presence.ReadWrite.All', 'Admin']))}.{signature}"
    _refused(f"Bearer {tampered}")


def test_expiry_is_checked_against_the_passed_now_with_five_minutes_leeway() -> None:
    token = mint_token(secret=DEV_TOKEN_SECRET, app_id=APP_A, roles=[READ_WRITE_ALL], now=START)
    header = f"Bearer {token}"
    expiry = START + timedelta(hours=1)
    verify_authorization(header, DEV_TOKEN_SECRET, expiry + timedelta(minutes=4, seconds=59))
    assert "expired" in _refused(header, expiry + timedelta(minutes=5))
    # The host's clock plays no part: a token from 2024 is good for a service clock in 2024.
    assert datetime.now(UTC) > expiry + timedelta(days=1)


def test_not_before_is_checked_with_five_minutes_leeway() -> None:
    token = mint_token(secret=DEV_TOKEN_SECRET, app_id=APP_A, roles=[READ_WRITE_ALL], now=START)
    header = f"Bearer {token}"
    verify_authorization(header, DEV_TOKEN_SECRET, START - timedelta(minutes=5))
    assert "not yet valid" in _refused(header, START - timedelta(minutes=5, seconds=1))


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"appid": None}, "appid"),
        ({"appid": ""}, "appid"),
        ({"appid": 42}, "appid"),
        ({"exp": None}, "exp"),
        ({"exp": "tomorrow"}, "exp"),
        ({"exp": True}, "exp"),
        ({"nbf": "now"}, "nbf"),
        ({"aud": None}, "aud"),
        ({"aud": "https://management.azure.com"}, "audience"),
        ({"roles": "Presence.ReadWrite.All"}, "roles"),
        ({"roles": [1, 2]}, "roles"),
        ({"scp": "Presence.Read"}, "oid"),
        ({"scp": ["Presence.Read"], "oid": USER}, "scp"),
    ],
)
def test_malformed_claims_are_401(overrides: dict[str, Any], fragment: str) -> None:
    token = jwt.encode(_claims(**overrides), DEV_TOKEN_SECRET, algorithm="HS256")
    assert fragment in _refused(f"Bearer {token}")


def test_graph_app_id_is_accepted_as_audience() -> None:
    token = jwt.encode(_claims(aud="00000003-0000-0000-c000-000000000000"), DEV_TOKEN_SECRET, algorithm="HS256")
    assert verify_authorization(f"Bearer {token}", DEV_TOKEN_SECRET, START).app_id == APP_A


def test_application_token_without_roles_has_no_permissions() -> None:
    token = jwt.encode(_claims(roles=None), DEV_TOKEN_SECRET, algorithm="HS256")
    assert verify_authorization(f"Bearer {token}", DEV_TOKEN_SECRET, START).permissions == frozenset()


def test_refusal_messages_never_hold_the_token() -> None:
    token = jwt.encode(_claims(), OTHER_SECRET, algorithm="HS256")
    message = _refused(f"Bearer {token}")
    assert token not in message and token[:20] not in message


@pytest.mark.parametrize(
    "kwargs",
    [
        {"secret": "short"},
        {"app_id": ""},
        {"scopes": ["Presence.Read"]},
        {"roles": [READ_WRITE_ALL], "user_id": USER},
        {"now": datetime(2024, 5, 1, 12)},
        {"lifetime": timedelta(0)},
    ],
)
def test_mint_token_refuses_inconsistent_requests(kwargs: dict[str, Any]) -> None:
    arguments: dict[str, Any] = {"secret": DEV_TOKEN_SECRET, "app_id": APP_A, "now": START, **kwargs}
    with pytest.raises(ValueError):
        mint_token(**arguments)


def test_verify_with_a_short_secret_is_a_configuration_error() -> None:
    with pytest.raises(ValueError):
        verify_authorization("Bearer x", "short", START)


def test_token_command_prints_an_application_token(capsys: pytest.CaptureFixture[str]) -> None:
    assert main_token(["--app-id", APP_A, "--role", READ_WRITE_ALL, "--role", "Presence.Read.All"]) == 0
    token = capsys.readouterr().out.strip()
    caller = verify_authorization(f"Bearer {token}", DEV_TOKEN_SECRET, datetime.now(UTC))
    assert caller == Caller(APP_A, frozenset({READ_WRITE_ALL, "Presence.Read.All"}))


def test_token_command_delegated_with_now_and_lifetime(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--app-id", APP_A, "--user", USER, "--scope", "Presence.Read", "--now", "2024-05-01T12:00:00Z"]
    assert main_token([*argv, "--lifetime", "PT2H"]) == 0
    header = "Bearer " + capsys.readouterr().out.strip()
    assert verify_authorization(header, DEV_TOKEN_SECRET, START + timedelta(hours=2, minutes=4)).user_id == USER
    _refused(header, START + timedelta(hours=2, minutes=5))


def test_token_command_takes_the_secret_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SECRET_ENV, OTHER_SECRET)
    assert main_token(["--app-id", APP_A]) == 0
    header = "Bearer " + capsys.readouterr().out.strip()
    verify_authorization(header, OTHER_SECRET, datetime.now(UTC))
    _refused(header, datetime.now(UTC))


def test_token_command_reports_conflicts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main_token(["--app-id", APP_A, "--user", USER, "--role", READ_WRITE_ALL]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "roles" in captured.err


@pytest.mark.parametrize("bad", [["--lifetime", "1h"], ["--lifetime", "PT0S"], ["--now", "2024-05-01T12:00:00"], []])
def test_token_command_rejects_bad_options(bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    argv = bad if not bad else ["--app-id", APP_A, *bad]
    with pytest.raises(SystemExit) as exited:
        main_token(argv)
    assert exited.value.code == 2
    capsys.readouterr()
