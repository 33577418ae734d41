"""Redaction: every form of credential the writers may meet is scrubbed; innocent text is left alone."""

from __future__ import annotations

import time

import pytest

from conformance.report.redaction import REDACTED, environment_secrets, redact, redact_json, secret_scope
from conformance.report.text import clip, display, html_text, printable

TOKEN = "s3cr3t-T0ken.value_0123456789"
JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXBhcnQ"


@pytest.mark.parametrize(
    "text",
    [
        f"Authorization: Bearer {TOKEN}",
        f"authorization: {TOKEN}",
        f'{{"Authorization": "Bearer {TOKEN}"}}',
        f"{{'Authorization': 'Basic {TOKEN}'}}",
        f"Proxy-Authorization: Negotiate {TOKEN}",
        f'{{"client_secret": "{TOKEN}", "code": "itemNotFound"}}',
        f"grant_type=client_credentials&client_secret={TOKEN}&scope=x",
        f'{{"access_token":"{TOKEN}"}}',
        f"refresh_token={TOKEN}",
        f"x-api-key: {TOKEN}",
        f"Cookie: session={TOKEN}",
        f"password: {TOKEN}",
        f"https://host.example/p?sig={TOKEN}&sv=2020",
        f"https://user:{TOKEN}@host.example/graph",
        f"token {JWT} was sent",
        f"cut short: {JWT[:40]}",
        f"-----BEGIN PRIVATE KEY-----\n{TOKEN}\n-----END PRIVATE KEY-----",
        f"-----BEGIN CERTIFICATE-----\n{TOKEN}\n(cut)",
        f"the header was Bearer {TOKEN} and more",
    ],
)
def test_credentials_are_redacted(text: str) -> None:
    out = redact(text)
    assert TOKEN not in out
    assert JWT[:20] not in out
    assert REDACTED in out


@pytest.mark.parametrize(
    "text",
    [
        '{"error": {"code": "itemNotFound", "message": "the presence session does not exist"}}',
        '{"availability":"Available","activity":"AvailableInactive","sequenceNumber":"0000000000020001"}',
        "step 3 (line 37, at PT9M) check alice: expected availability Offline, got availability Away",
        "/v1.0/users/85f81238-71a6-4c2a-ba40-44be6bd1170e/presence/setPresence",
        "Bearer <redacted>",
        "",
    ],
)
def test_innocent_text_is_unchanged(text: str) -> None:
    assert redact(text) == text


def test_redaction_is_idempotent_and_keeps_the_scheme() -> None:
    once = redact(f"Authorization: Bearer {TOKEN}")
    assert once == "Authorization: Bearer <redacted>"
    assert redact(once) == once


def test_literal_secrets_are_removed_anywhere() -> None:
    assert redact(f"prefix{TOKEN}suffix", secrets=[TOKEN]) == f"prefix{REDACTED}suffix"
    assert redact("short ab", secrets=["ab"]) == "short ab"  # too short to be trusted as a secret


def test_environment_secrets_are_removed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRESENCE_TOKEN_SECRET", "plain-words-no-pattern-42")
    monkeypatch.setenv("HARMLESS_SETTING", "plain-words-kept-as-they-are")
    assert "PRESENCE_TOKEN_SECRET" not in "".join(environment_secrets({"PATH": "/usr/bin"}))
    assert redact("it said plain-words-no-pattern-42 here") == f"it said {REDACTED} here"
    assert redact("plain-words-kept-as-they-are") == "plain-words-kept-as-they-are"


def test_secret_scope_reads_the_environment_once_and_adds_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_CLIENT_SECRET", "scoped-secret-value-1")
    with secret_scope(["extra-secret-value-2"]) as known:
        assert {"scoped-secret-value-1", "extra-secret-value-2"} <= known
        monkeypatch.setenv("MY_CLIENT_SECRET", "changed-inside-scope")
        assert redact("scoped-secret-value-1 extra-secret-value-2") == f"{REDACTED} {REDACTED}"
        with secret_scope(["inner-secret-value-3"]):
            assert redact("extra-secret-value-2 inner-secret-value-3") == f"{REDACTED} {REDACTED}"
    assert redact("extra-secret-value-2") == "extra-secret-value-2"


def test_redact_json_replaces_credential_values_whole() -> None:
    value = {
        "headers": {"Authorization": f"Bearer {TOKEN}", "X-Other": "fine"},
        "list": [f"client_secret={TOKEN}", 3, None],
        "password": "hunter2",
    }
    out = redact_json(value)
    assert out["headers"] == {"Authorization": "Bearer <redacted>", "X-Other": "fine"}
    assert TOKEN not in str(out)
    assert out["password"] == REDACTED
    assert out["list"][1:] == [3, None]


def test_a_megabyte_of_hostile_text_is_handled_quickly() -> None:
    texts = ["a:" * 500_000, "x" * 1_000_000 + f" Bearer {TOKEN}", '{"k": "v", ' * 80_000, "password=" * 100_000]
    started = time.monotonic()
    for text in texts:
        shown = display(text, 1000)
        assert len(shown) < 1100
        assert TOKEN not in shown
    assert time.monotonic() - started < 5


def test_display_makes_invisible_characters_visible_and_clips() -> None:
    assert printable("a\x00b\x07c\x1bd\u202ee\ud800f\n\tg") == "a\\x00b\\x07c\\x1bd\\u202ee\\ud800f\n\tg"
    assert clip("abcdef", 3) == "abc… [3 more characters]"
    assert display(None) == ""
    assert display("x" * 50_000, 100).endswith("… [49900 more characters]")
    # a secret straddling the limit is still redacted, not half shown
    assert TOKEN[:8] not in display("y" * 95 + f" Bearer {TOKEN}", 100)


def test_html_text_escapes_markup_and_quotes() -> None:
    assert html_text("<script>\"'&") == "&lt;script&gt;&quot;&#x27;&amp;"
