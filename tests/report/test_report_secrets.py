"""A planted secret never reaches any output: HTML, Markdown, JUnit, compare, expectations, Allure text."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from report_helpers import campaign, case, check_step, exchange, set_step

from conformance.engine.results import CampaignResult, StepResult, Verdict
from conformance.gate import update_expectations
from conformance.report.commands import write_run_outputs
from conformance.report.compare import write_compare
from conformance.report.junit import write_junit

SECRET = "pl4nted-S3CRET-9f8e7d6c5b4a"
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzZWNyZXQiOiJwbGFudGVkIn0.TrUsTmEnOtAtAlLsIgNaTuRe"
LITERAL = "bare-literal-known-secret-31337"


def _planted() -> CampaignResult:
    leaky = StepResult(
        index=1,
        line=11,
        at=check_step(1, 1, ("Busy", "InACall")).at,
        description="check alice",
        status=check_step(1, 1, ("Busy", "InACall"), ("Away", "Away")).status,
        message=f"expected Busy/InACall, got Away/Away; the target said token={SECRET}",
        expected={"status": 200, "presence": {"availability": "Busy", "activity": "InACall"}},
        observed={"status": 200, "presence": {"availability": "Away", "activity": f"Bearer {SECRET}"}},
        exchanges=(
            exchange(
                request_headers={"Authorization": f"Bearer {SECRET}", "X-Api-Key": SECRET, "Cookie": f"s={SECRET}"},
                request_body={"client_secret": SECRET, "assertion": JWT},
                response_headers={"Set-Cookie": f"session={SECRET}; HttpOnly", "WWW-Authenticate": f"Bearer {JWT}"},
                response_body={
                    "access_token": SECRET,
                    "echo": f"Authorization: Bearer {SECRET}",
                    "jwt": JWT,
                    "x": LITERAL,
                },
            ),
        ),
    )
    first = set_step(0, 0, "Busy", "InACall")
    first = dataclasses.replace(
        first, exchanges=(dataclasses.replace(first.exchanges[0], path=f"/v1.0/users/x/presence?sig={SECRET}"),)
    )
    bad = case(
        "secret.leak",
        Verdict.FAILED,
        [first, leaky],
        title=f"title with password={SECRET}",
        reason=f"step 1: got Away/Away (client_secret={SECRET}, {LITERAL})",
    )
    return campaign(
        [bad, case("secret.other")], target=f"https://app:{SECRET}@graph.example/v1.0?access_token={SECRET}"
    )


def _scan(folder: Path) -> list[str]:
    leaks = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="replace")
            for secret in (SECRET, JWT, JWT.split(".")[1], LITERAL):
                if secret in text:
                    leaks.append(f"{path.name}: {secret}")
    return leaks


def test_no_output_contains_a_planted_secret(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_SERVICE_API_KEY", LITERAL)
    result = _planted()
    out = tmp_path / "out"
    written = write_run_outputs(result.to_json(), out)
    assert set(written) == {"html", "markdown", "junit", "allure"}
    write_compare([("a.json", result), ("b.json", result)], out / "compare.html")
    update_expectations(result, out / "expectations.yaml", known_clauses=["FADE-FIRST"])
    assert _scan(out) == []
    # the planted values really were in the input
    assert SECRET in json.dumps(result.to_json()) and LITERAL in json.dumps(result.to_json())


def test_literal_secrets_passed_by_the_caller_are_removed_too(tmp_path: Path) -> None:
    leaky = case("secret.plain", Verdict.FAILED, reason="the configuration's secret is plain-config-secret-1234")
    result = campaign([leaky])
    write_run_outputs(result.to_json(), tmp_path, secrets=["plain-config-secret-1234"])
    write_junit(result, tmp_path / "again.xml", secrets=["plain-config-secret-1234"])
    for path in (p for p in tmp_path.rglob("*") if p.is_file()):
        assert "plain-config-secret-1234" not in path.read_text(encoding="utf-8"), path.name
