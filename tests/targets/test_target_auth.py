"""Auth providers: minted tokens verify, pools match by permissions and never share an app id in a case."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import jwt
import pytest

from conformance.cases.model import AppSpec
from conformance.errors import ConfigError, NotVerifiable
from conformance.targets.auth import (
    CertificateCredential,
    MintedTokens,
    MsalApp,
    MsalClientCredentials,
    PoolApp,
    StaticTokens,
)
from conformance.targets.base import AuthProvider
from reference_impl.model import Refusal
from reference_impl.service import DEV_TOKEN_SECRET, verify_authorization

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
ALICE, BOB = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"
USERS = {"alice": ALICE, "bob": BOB}
WRITER = AppSpec("teams")
OTHER_WRITER = AppSpec("other")
READER = AppSpec("dashboard", roles=("Presence.Read.All",))
ALICE_APP = AppSpec("alice-app", roles=(), delegated_user="alice", scopes=("Presence.ReadWrite",))


def claims(header: str, secret: str = DEV_TOKEN_SECRET) -> dict[str, Any]:
    scheme, token = header.split(" ", 1)
    assert scheme == "Bearer"
    decoded: dict[str, Any] = jwt.decode(
        token, secret, algorithms=["HS256"], audience="https://graph.microsoft.com", options={"verify_exp": False}
    )
    return decoded


# ---- minted ---------------------------------------------------------------------------------------------


def test_minted_application_token() -> None:
    auth = MintedTokens(now=lambda: NOW)
    assert isinstance(auth, AuthProvider)
    decoded = claims(auth.authorization(WRITER, USERS))
    assert decoded["roles"] == ["Presence.ReadWrite.All"]
    assert decoded["appid"] == auth.app_id(WRITER, USERS)
    assert decoded["iat"] == int(NOW.timestamp())
    assert decoded["exp"] == int((NOW + timedelta(hours=1)).timestamp())
    assert "oid" not in decoded and "scp" not in decoded


def test_minted_delegated_token_names_the_user() -> None:
    decoded = claims(MintedTokens(now=lambda: NOW).authorization(ALICE_APP, USERS))
    assert decoded["scp"] == "Presence.ReadWrite"
    assert decoded["oid"] == ALICE
    assert "roles" not in decoded


def test_minted_tokens_pass_the_reference_verification() -> None:
    auth = MintedTokens(now=lambda: NOW)
    caller = verify_authorization(auth.authorization(ALICE_APP, USERS), DEV_TOKEN_SECRET, NOW)
    assert caller.user_id == ALICE and caller.app_id == auth.app_id(ALICE_APP, USERS)
    with pytest.raises(Refusal, match="invalid signature"):
        verify_authorization(auth.invalid_authorization(), DEV_TOKEN_SECRET, NOW)


def test_minted_app_ids_are_stable_and_distinct() -> None:
    a, b = MintedTokens(), MintedTokens("another-secret-that-is-long-enough-for-hs256")
    assert a.app_id(WRITER, USERS) == b.app_id(WRITER, {})
    ids = {a.app_id(app, USERS) for app in (WRITER, OTHER_WRITER, READER, ALICE_APP, AppSpec("teams", roles=()))}
    assert len(ids) == 5


def test_invalid_authorization_is_a_well_formed_jwt_with_another_signature() -> None:
    header = MintedTokens(now=lambda: NOW).invalid_authorization()
    token = header.removeprefix("Bearer ")
    assert jwt.get_unverified_header(token)["alg"] == "HS256"
    assert jwt.decode(token, options={"verify_signature": False})["roles"] == ["Presence.ReadWrite.All"]
    with pytest.raises(jwt.InvalidSignatureError):
        claims(header)


def test_minted_tokens_follow_the_given_clock() -> None:
    moments = iter([NOW, NOW + timedelta(days=3)])
    auth = MintedTokens(now=lambda: next(moments))
    first, second = (claims(auth.authorization(WRITER, USERS))["iat"] for _ in range(2))
    assert second - first == 3 * 86400


def test_minted_secret_is_not_in_repr_and_must_be_long() -> None:
    assert DEV_TOKEN_SECRET not in repr(MintedTokens())
    with pytest.raises(ConfigError, match="32 bytes"):
        MintedTokens("short")


def test_delegated_app_without_a_user_id() -> None:
    with pytest.raises(ConfigError, match="logical user 'alice'"):
        MintedTokens().authorization(ALICE_APP, {"bob": BOB})


# ---- static pool --------------------------------------------------------------------------------------

POOL = [
    PoolApp("w1", "app-w1", "TOKEN_W1", roles=("Presence.ReadWrite.All",)),
    PoolApp("r1", "app-r1", "TOKEN_R1", roles=("Presence.Read.All",)),
    PoolApp("w2", "app-w2", "TOKEN_W2", roles=("Presence.ReadWrite.All",)),
    PoolApp("alice", "app-d", "TOKEN_DA", scopes=("Presence.ReadWrite",), delegated_user=ALICE),
    PoolApp("bob", "app-d", "TOKEN_DB", scopes=("Presence.ReadWrite",), delegated_user=BOB),
]
ENV = {
    "TOKEN_W1": "tok-w1",
    "TOKEN_R1": "tok-r1",
    "TOKEN_W2": "Bearer tok-w2",
    "TOKEN_DA": "tok-da",
    "TOKEN_DB": "tok-db",
}


def test_static_tokens_match_by_permission_set() -> None:
    auth = StaticTokens(POOL, environ=ENV)
    assert isinstance(auth, AuthProvider)
    assert auth.authorization(READER, USERS) == "Bearer tok-r1"
    assert auth.app_id(READER, USERS) == "app-r1"


def test_logical_apps_of_one_case_get_distinct_pool_apps_in_order() -> None:
    auth = StaticTokens(POOL, environ=ENV)
    assert auth.app_id(WRITER, USERS) == "app-w1"
    assert auth.app_id(OTHER_WRITER, USERS) == "app-w2"
    assert auth.app_id(WRITER, USERS) == "app-w1"  # kept for the run
    assert auth.authorization(OTHER_WRITER, USERS) == "Bearer tok-w2"  # a "Bearer " prefix in the env is fine
    with pytest.raises(
        NotVerifiable, match=r"needs 3 distinct apps with roles \[Presence.ReadWrite.All\]; the pool has 2"
    ):
        auth.app_id(AppSpec("third"), USERS)
    # Another case run (other users) starts afresh; releasing a run frees its apps.
    assert auth.app_id(OTHER_WRITER, {"carol": "33333333-3333-4333-8333-333333333333"}) == "app-w1"
    auth.release(USERS)
    assert auth.app_id(OTHER_WRITER, USERS) == "app-w1"


def test_reserve_assigns_up_front_in_order() -> None:
    auth = StaticTokens(POOL, environ=ENV)
    auth.reserve([OTHER_WRITER, WRITER], USERS)
    assert auth.app_id(WRITER, USERS) == "app-w2"
    # What the pool cannot serve is skipped by reserve, and refused when asked for.
    run = {"x": ALICE}
    auth.reserve([AppSpec("a"), AppSpec("b"), AppSpec("c"), AppSpec("d", roles=("Nope",))], run)
    assert [auth.app_id(AppSpec(name), run) for name in "ab"] == ["app-w1", "app-w2"]
    for app in (AppSpec("c"), AppSpec("d", roles=("Nope",))):
        with pytest.raises(NotVerifiable):
            auth.app_id(app, run)


def test_msal_reserve_skips_delegated_apps() -> None:
    auth = msal()
    auth.reserve([ALICE_APP, WRITER], USERS)
    assert auth.app_id(WRITER, USERS) == "c1"


def test_delegated_matching_follows_the_bound_user() -> None:
    auth = StaticTokens(POOL, environ=ENV)
    bob_app = AppSpec("bob-app", roles=(), delegated_user="bob", scopes=("Presence.ReadWrite",))
    assert auth.authorization(ALICE_APP, USERS) == "Bearer tok-da"
    # The same registration delegated by another user may serve another logical app of the same case.
    assert auth.authorization(bob_app, USERS) == "Bearer tok-db"
    with pytest.raises(NotVerifiable, match=r"no app in the pool has scopes \[Presence.ReadWrite\] delegated by user"):
        auth.authorization(ALICE_APP, {"alice": "33333333-3333-4333-8333-333333333333"})
    with pytest.raises(NotVerifiable, match=r"no app in the pool has scopes \[Presence.Read\]"):
        auth.authorization(AppSpec("r", roles=(), delegated_user="alice", scopes=("Presence.Read",)), USERS)


def test_no_match_is_not_verifiable() -> None:
    auth = StaticTokens(POOL, environ=ENV)
    with pytest.raises(
        NotVerifiable, match=r"no app in the pool has roles \[Presence.Read.All, Presence.ReadWrite.All\]"
    ):
        auth.authorization(AppSpec("both", roles=("Presence.ReadWrite.All", "Presence.Read.All")), USERS)


def test_missing_token_variable_is_named_without_values() -> None:
    with pytest.raises(ConfigError, match=r"\$TOKEN_R1, which is not set") as info:
        StaticTokens(POOL, environ={**ENV, "TOKEN_R1": ""})
    assert "tok-" not in str(info.value)
    assert "tok-" not in repr(StaticTokens(POOL, environ=ENV))


def test_static_invalid_authorization_is_a_jwt() -> None:
    token = StaticTokens(POOL, environ=ENV).invalid_authorization().removeprefix("Bearer ")
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == "https://graph.microsoft.com"


# ---- MSAL ---------------------------------------------------------------------------------------------


class FakeConfidentialClient:
    made: ClassVar[list[tuple[str, Any, str]]] = []

    def __init__(self, client_id: str, *, client_credential: Any, authority: str) -> None:
        self.client_id = client_id
        self.calls = 0
        FakeConfidentialClient.made.append((client_id, client_credential, authority))

    def acquire_token_for_client(self, *, scopes: list[str]) -> dict[str, Any]:
        assert scopes == ["https://graph.microsoft.com/.default"]
        self.calls += 1
        if self.client_id.startswith("bad"):
            return {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret.\nTrace ID: x",
            }
        return {"access_token": f"at-{self.client_id}", "expires_in": 3599}


MSAL_POOL = [
    MsalApp("writer", "c1", ("Presence.ReadWrite.All",), client_secret_env="C1_SECRET"),
    MsalApp("reader", "bad-c2", ("Presence.Read.All",), client_secret_env="C2_SECRET"),
]


def msal(pool: list[MsalApp] = MSAL_POOL, environ: dict[str, str] | None = None) -> MsalClientCredentials:
    FakeConfidentialClient.made = []
    return MsalClientCredentials(
        "contoso.onmicrosoft.com",
        pool,
        environ=environ if environ is not None else {"C1_SECRET": "s1", "C2_SECRET": "s2"},
        client_factory=FakeConfidentialClient,
    )


def test_msal_tokens_per_pool_app_with_one_client_each() -> None:
    auth = msal()
    assert isinstance(auth, AuthProvider)
    assert auth.authorization(WRITER, USERS) == "Bearer at-c1"
    assert auth.authorization(WRITER, USERS) == "Bearer at-c1"
    assert auth.app_id(WRITER, USERS) == "c1"
    assert FakeConfidentialClient.made == [("c1", "s1", "https://login.microsoftonline.com/contoso.onmicrosoft.com")]


def test_msal_refusal_is_a_config_error_without_the_secret() -> None:
    with pytest.raises(ConfigError, match=r"'reader' \(client bad-c2\): invalid_client: AADSTS7000215") as info:
        msal().authorization(READER, USERS)
    assert "s2" not in str(info.value) and "Trace ID" not in str(info.value)


def test_msal_cannot_serve_delegated_apps() -> None:
    with pytest.raises(NotVerifiable, match="client credentials cannot act for a user"):
        msal().authorization(ALICE_APP, USERS)


def test_msal_certificate_credential(tmp_path: Path) -> None:
    pem = tmp_path / "app.pem"
    pem.write_text("-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n")
    app = MsalApp("cert", "c3", ("Presence.ReadWrite.All",), certificate=CertificateCredential(pem, "AB" * 20, "PASS"))
    msal([app], {"PASS": "pw"}).authorization(WRITER, USERS)
    credential = FakeConfidentialClient.made[0][1]
    assert credential == {"private_key": pem.read_text(), "thumbprint": "AB" * 20, "passphrase": "pw"}
    with pytest.raises(ConfigError, match=r"\$PASS, which is not set"):
        msal([app], {})
    missing = MsalApp("cert", "c3", ("R",), certificate=CertificateCredential(tmp_path / "nope.pem", "AB" * 20))
    with pytest.raises(ConfigError, match="cannot read the certificate of pool app 'cert'"):
        msal([missing], {})


def test_msal_missing_secret_variable() -> None:
    with pytest.raises(ConfigError, match=r"\$C2_SECRET, which is not set"):
        msal(environ={"C1_SECRET": "s1"})


def test_msal_not_installed_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "msal", None)  # makes `import msal` raise ImportError
    with pytest.raises(ConfigError, match=r"presence-conformance\[graph\]"):
        MsalClientCredentials("t", MSAL_POOL, environ={"C1_SECRET": "s1", "C2_SECRET": "s2"})
