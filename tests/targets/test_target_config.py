"""Target configuration files: good files of every auth kind, bad files named by key, secrets kept out."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from conformance.errors import ConfigError
from conformance.targets.auth import CertificateCredential, MsalApp, PoolApp
from conformance.targets.config import (
    ClockMode,
    MintedAuth,
    MsalAuth,
    StaticAuth,
    TargetConfig,
    config_from_mapping,
    load_target_config,
)
from reference_impl.model import Boundary

ALICE = "11111111-1111-4111-8111-111111111111"
BOB = "22222222-2222-4222-8222-222222222222"
THUMB = "0123456789ABCDEF0123456789ABCDEF01234567"
ENV = {"W_TOKEN": "eyJ-writer", "A_TOKEN": "eyJ-alice", "W_SECRET": "client-secret-value", "KEY_PASS": "pass-value"}


def write(tmp_path: Path, text: str, name: str = "target.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_from_an_empty_file(tmp_path: Path) -> None:
    config = load_target_config(write(tmp_path, ""), environ={})
    assert config == TargetConfig(source=str(tmp_path / "target.yaml"))
    assert config.clock is ClockMode.AUTO and config.auth == MintedAuth()
    assert config.settle == timedelta(0) and config.tolerance == timedelta(seconds=2)
    assert config.concurrency == 16 and config.users is None


def test_minted_file_with_every_common_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
base_url: http://localhost:8765
control_url: http://localhost:9000/_conformance
clock: real-time
time_scale: 600
settle: PT10S
tolerance: PT0S
profile: {{boundary: exclusive, write-status: 204}}
auth: {{kind: minted, secret_env: MY_SECRET}}
users: [{ALICE.upper()}, {BOB}]
concurrency: 4
""",
    )
    config = load_target_config(path, environ={"MY_SECRET": "x" * 40})
    assert config.base_url == "http://localhost:8765"
    assert config.control_url == "http://localhost:9000/_conformance"
    assert config.clock is ClockMode.REAL_TIME and config.time_scale == 600.0
    assert config.settle == timedelta(seconds=10) and config.tolerance == timedelta(0)
    assert config.profile.boundary is Boundary.EXCLUSIVE and config.profile.write_status == 204
    assert config.auth == MintedAuth(secret_env="MY_SECRET")
    assert config.users == (ALICE, BOB)  # canonical lower case
    assert config.concurrency == 4


def test_control_url_false_disables(tmp_path: Path) -> None:
    config = load_target_config(write(tmp_path, "base_url: http://h\ncontrol_url: false\n"), environ={})
    assert config.control_disabled and config.control_url is None
    assert config.redacted()["control_url"] is False


def test_static_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
base_url: https://presence.example.test
users: [{ALICE}]
auth:
  kind: static
  apps:
    - {{name: writer, app_id: app-1, roles: [Presence.ReadWrite.All], token_env: W_TOKEN}}
    - name: alice-delegated
      app_id: app-2
      scopes: [Presence.ReadWrite, Presence.Read.All]
      delegated_user: {ALICE}
      token_env: A_TOKEN
""",
    )
    config = load_target_config(path, environ=ENV)
    assert config.auth == StaticAuth(
        (
            PoolApp("writer", "app-1", "W_TOKEN", roles=("Presence.ReadWrite.All",)),
            PoolApp(
                "alice-delegated",
                "app-2",
                "A_TOKEN",
                scopes=("Presence.ReadWrite", "Presence.Read.All"),
                delegated_user=ALICE,
            ),
        )
    )


def test_msal_file_with_secret_and_certificate(tmp_path: Path) -> None:
    (tmp_path / "certs").mkdir()
    (tmp_path / "certs" / "reader.pem").write_text("pem")
    path = write(
        tmp_path,
        f"""
base_url: https://graph.microsoft.com
clock: real-time
settle: PT2M
tolerance: PT30S
users: [{ALICE}, {BOB}]
auth:
  kind: msal
  tenant_id: contoso.onmicrosoft.com
  apps:
    - name: writer
      client_id: {ALICE}
      roles: [Presence.ReadWrite.All]
      client_secret_env: W_SECRET
    - name: reader
      client_id: {BOB}
      roles: [Presence.Read.All]
      certificate:
        path: certs/reader.pem
        thumbprint: "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67"
        passphrase_env: KEY_PASS
""",
    )
    config = load_target_config(path, environ=ENV)
    assert config.auth == MsalAuth(
        tenant_id="contoso.onmicrosoft.com",
        apps=(
            MsalApp("writer", ALICE, ("Presence.ReadWrite.All",), client_secret_env="W_SECRET"),
            MsalApp(
                "reader",
                BOB,
                ("Presence.Read.All",),
                certificate=CertificateCredential(tmp_path / "certs" / "reader.pem", THUMB, "KEY_PASS"),
            ),
        ),
    )


def test_environment_beats_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "base_url: http://from-file\nclock: control\ntime_scale: 2\n")
    environ = {
        "PRESENCE_TARGET_URL": "http://from-env:1",
        "PRESENCE_CLOCK": "real-time",
        "PRESENCE_TIME_SCALE": "60",
        "PRESENCE_SETTLE": "PT1S",
        "PRESENCE_CONCURRENCY": "3",
        "PRESENCE_CONTROL_URL": "false",
    }
    config = load_target_config(path, environ=environ)
    assert (config.base_url, config.clock, config.time_scale) == ("http://from-env:1", ClockMode.REAL_TIME, 60.0)
    assert config.settle == timedelta(seconds=1) and config.concurrency == 3 and config.control_disabled
    assert "PRESENCE_CLOCK" in config.env_overrides
    with pytest.raises(ConfigError, match=r"time_scale \(from \$PRESENCE_TIME_SCALE\): must be a positive number"):
        load_target_config(path, environ={"PRESENCE_TIME_SCALE": "fast"})


@pytest.mark.parametrize(
    ("text", "key", "message"),
    [
        ("bogus: 1", "bogus", "unknown key; expected one of auth, base_url"),
        ("base_url: ftp://x", "base_url", "must be an absolute http"),
        ("base_url: http://u:p@h", "base_url", "carries credentials"),
        ("clock: sometimes", "clock", "must be one of auto, control, real-time"),
        ("time_scale: 0", "time_scale", "must be a positive number"),
        ("time_scale: true", "time_scale", "must be a positive number"),
        ("settle: 5m", "settle", "not an ISO 8601 duration"),
        ("settle: 5", "settle", "must be a non-empty string"),
        ("concurrency: 0", "concurrency", "from 1 to 256"),
        ("profile: {boundary: fuzzy}", "profile", "profile 'boundary' must be one of"),
        ("profile: {colour: red}", "profile", "unknown profile key 'colour'"),
        ("users: []", "users", "non-empty list"),
        ("users: [not-a-guid]", "users[0]", "must be a GUID"),
        (f"users: [{ALICE}, {ALICE}]", "users", "lists a user twice"),
        ("auth: {kind: magic}", "auth.kind", "must be minted, static or msal"),
        ("auth: {kind: minted, secret_env: UNSET_VAR}", "auth.secret_env", "$UNSET_VAR is not set"),
        ("auth: {kind: minted, extra: 1}", "auth.extra", "unknown key"),
        ("auth: {kind: static, apps: []}", "auth.apps", "non-empty list"),
        (
            "auth: {kind: static, apps: [{name: a, app_id: x, token_env: W_TOKEN}]}",
            "auth.apps[0]",
            "give roles (an application token) or scopes",
        ),
        (
            "auth: {kind: static, apps: [{name: a, app_id: x, scopes: [S], token_env: W_TOKEN}]}",
            "auth.apps[0].delegated_user",
            "is required with scopes",
        ),
        (
            f"users: [{BOB}]\nauth: {{kind: static, apps: [{{name: a, app_id: x, scopes: [S], "
            f"delegated_user: {ALICE}, token_env: W_TOKEN}}]}}",
            "auth.apps[0].delegated_user",
            "is not in users",
        ),
        (
            "auth: {kind: static, apps: [{name: a, app_id: x, roles: [R], token_env: W_TOKEN}, "
            "{name: a, app_id: y, roles: [R], token_env: W_TOKEN}]}",
            "auth.apps",
            "app names must be unique (a repeated)",
        ),
        (
            "auth: {kind: static, apps: [{name: a, app_id: x, roles: [R], token_env: NOPE}]}",
            "auth.apps[0].token_env",
            "$NOPE",
        ),
        (
            "auth: {kind: static, apps: [{name: a, app_id: x, roles: [], token_env: W_TOKEN}]}",
            "auth.apps[0].roles",
            "non-empty list of permission names",
        ),
        ("auth: {kind: msal, apps: [{name: a}]}", "auth.tenant_id", "is required"),
        (
            f"auth: {{kind: msal, tenant_id: t, apps: [{{name: a, client_id: {ALICE}, roles: [R]}}]}}",
            "auth.apps[0]",
            "give client_secret_env or certificate",
        ),
        (
            "auth: {kind: msal, tenant_id: t, apps: [{name: a, client_id: nope, roles: [R], "
            "client_secret_env: W_SECRET}]}",
            "auth.apps[0].client_id",
            "must be a GUID",
        ),
        (
            f"auth: {{kind: msal, tenant_id: t, apps: [{{name: a, client_id: {ALICE}, roles: [R], "
            f"certificate: {{path: missing.pem, thumbprint: {THUMB}}}}}]}}",
            "auth.apps[0].certificate.path",
            "no file at",
        ),
    ],
)
def test_bad_files_name_the_file_and_key(tmp_path: Path, text: str, key: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_target_config(path, environ=ENV)
    assert str(info.value).startswith(f"{path}: {key}: "), str(info.value)
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "key", "instead"),
    [
        ("auth: {kind: minted, secret: hunter2-hunter2}", "auth.secret", "secret_env"),
        (
            "auth: {kind: static, apps: [{name: a, app_id: x, roles: [R], token: eyJhbGciOi}]}",
            "auth.apps[0].token",
            "token_env",
        ),
        (
            "auth: {kind: msal, tenant_id: t, apps: [{name: a, client_id: c, roles: [R], "
            "client_secret: s3cr3t-value}]}",
            "auth.apps[0].client_secret",
            "client_secret_env",
        ),
        ("auth: {kind: msal, certificate: {password: s3cr3t-value}}", "auth.certificate.password", "passphrase_env"),
        ("TOKEN: abc-secret-value", "TOKEN", "token_env"),
    ],
)
def test_literal_secrets_are_refused_without_echoing_them(tmp_path: Path, text: str, key: str, instead: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_target_config(path, environ=ENV)
    message = str(info.value)
    assert message.startswith(f"{path}: {key}: secrets are not read from configuration files")
    assert instead in message
    for secret in ("hunter2", "eyJhbGciOi", "s3cr3t", "abc-secret"):
        assert secret not in message


def test_a_secret_pasted_as_a_variable_name_is_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, "auth: {kind: minted, secret_env: 'eyJ.pasted.token'}")
    with pytest.raises(ConfigError, match=r"auth.secret_env: must be the name of an environment variable") as info:
        load_target_config(path, environ={})
    assert "eyJ" not in str(info.value)


def test_yaml_errors_name_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "base_url: http://h\nauth: {kind: minted\n")
    with pytest.raises(ConfigError, match=rf"^{path}:\d+: not valid YAML"):
        load_target_config(path, environ={})
    with pytest.raises(ConfigError, match=r"must be a mapping of keys"):
        load_target_config(write(tmp_path, "- a list\n"), environ={})
    with pytest.raises(ConfigError, match="cannot read the target configuration"):
        load_target_config(tmp_path / "missing.yaml", environ={})


def test_redacted_is_json_and_holds_no_secret(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"""
base_url: https://fn.example.test/api?code=gateway-key
auth:
  kind: static
  apps: [{{name: writer, app_id: app-1, roles: [Presence.ReadWrite.All], token_env: W_TOKEN}}]
users: [{ALICE}]
""",
    )
    config = load_target_config(path, environ=ENV)
    redacted = config.redacted()
    text = json.dumps(redacted)
    assert "gateway-key" not in text and "eyJ-writer" not in text
    assert "gateway-key" not in repr(config)
    assert redacted["base_url"] == "https://fn.example.test/api?code=***"
    assert redacted["auth"] == {
        "kind": "static",
        "apps": [
            {
                "name": "writer",
                "app_id": "app-1",
                "roles": ["Presence.ReadWrite.All"],
                "scopes": [],
                "delegated_user": None,
                "token_env": "W_TOKEN",
            }
        ],
    }
    assert redacted["settle"] == "PT0S" and redacted["profile"]["boundary"] == "inclusive"


def test_msal_redaction_names_only_variables(tmp_path: Path) -> None:
    config = config_from_mapping(
        {
            "auth": {
                "kind": "msal",
                "tenant_id": "t",
                "apps": [{"name": "w", "client_id": ALICE, "roles": ["R"], "client_secret_env": "W_SECRET"}],
            }
        },
        environ=ENV,
    )
    assert "client-secret-value" not in json.dumps(config.redacted())
    assert config.redacted()["auth"]["apps"][0]["client_secret_env"] == "W_SECRET"  # type: ignore[index]
