"""The other commands: ``clauses``, ``cases``, ``token``, ``serve --help``, ``--version``; the public API."""

from __future__ import annotations

from pathlib import Path

import jwt
import pytest

import conformance
from conformance.cli import main
from reference_impl.clause_registry import load_registry
from reference_impl.service.tokens import DEV_TOKEN_SECRET

CASES = Path(__file__).parent / "fixtures" / "cases"


def test_clauses_lists_every_clause_on_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clauses"]) == 0
    lines = capsys.readouterr().out.splitlines()
    registry = load_registry()
    assert [line.split()[0] for line in lines] == list(registry.clauses)
    first = registry[lines[0].split()[0]]
    assert lines[0].split(maxsplit=3)[1:] == [str(first.kind), first.family, first.statement]


def test_clauses_markdown_documents_every_clause(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["clauses", "--markdown"]) == 0
    markdown = capsys.readouterr().out
    registry = load_registry()
    for clause in registry:
        assert f"| `{clause.id}` | {clause.kind} |" in markdown
        assert clause.source.url in markdown
    for family, title in registry.families.items():
        assert f"## {family}: {title}" in markdown
    interpretation = registry["INT-WRITE-STATUS"]
    assert interpretation.profile is not None
    section = markdown.split("### INT-WRITE-STATUS\n", 1)[1].split("\n### ", 1)[0]
    assert f"- **Default:** `{interpretation.default}`" in section
    assert f"(profile key `{interpretation.profile.key}`)" in section
    assert "- **Why:** " in section


def test_cases_lists_cases_and_counts_per_clause(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "--cases", str(CASES), "-k", "fixture and not timer"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:3] == [
        "fixture.set.busy          SET-PAIRS    A Busy session shows Busy/InACall",
        "fixture.set.exact-status  SET-SUCCESS  A first setPresence answers the documented status",
        "2 cases",
    ]
    assert "cases per clause:\n  SET-PAIRS    1\n  SET-SUCCESS  1\n" in out


def test_cases_of_the_bundled_corpus_cover_the_registry(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases"]) == 0
    out = capsys.readouterr().out
    counted = out.split("cases per clause:\n", 1)[1]
    assert "AGG-PRECEDENCE" in counted


def test_cases_with_a_bad_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cases", "--cases", str(CASES.parent / "bad")]) == 2
    assert "broken.presence.yaml:5: steps[0].at:" in capsys.readouterr().err


def test_token_prints_a_token_the_reference_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    app_id = "22553876-f5ab-4529-bffb-cfe50aa89f87"
    assert main(["token", "--app-id", app_id, "--role", "Presence.ReadWrite.All"]) == 0
    token = capsys.readouterr().out.strip()
    claims = jwt.decode(token, DEV_TOKEN_SECRET, algorithms=["HS256"], audience="https://graph.microsoft.com")
    assert claims["appid"] == app_id
    assert claims["roles"] == ["Presence.ReadWrite.All"]


@pytest.mark.parametrize("command", ["serve", "run", "token", "clauses", "cases"])
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: presence-conformance {command}" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"presence-conformance {conformance.__version__}"


def test_the_public_api_resolves_every_name() -> None:
    for name in conformance.__all__:
        assert getattr(conformance, name) is not None, name
    assert sorted(conformance.__all__) == sorted(set(conformance.__all__))
    with pytest.raises(AttributeError):
        conformance.no_such_name  # noqa: B018
