"""The results file's JSON Schema: valid itself, matched by real results, and complete."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from conformance.engine import RESULTS_SCHEMA_VERSION, CampaignResult
from conformance.errors import ConfigError
from conformance.report.results_file import load_results, results_schema, validate_results


def test_the_schema_is_a_valid_schema_of_this_version() -> None:
    schema = results_schema()
    Draft202012Validator.check_schema(schema)
    assert Draft202012Validator(schema).is_valid({**_minimal(), "schema_version": RESULTS_SCHEMA_VERSION})


def _minimal() -> dict[str, Any]:
    return {
        "schema_version": "1.0",
        "suite": {"name": "presence-conformance", "version": "x"},
        "clauses_version": 1,
        "target": "t",
        "mode": "real-time",
        "profile": {},
        "settle": 0,
        "tolerance": 0,
        "started_at": "2024-05-01T12:00:00+00:00",
        "wall_time": 0,
        "setup_error": None,
        "counts": {"passed": 0, "failed": 0, "deviated": 0, "broken": 0, "not-verified": 0},
        "exit_code": 5,
        "cases": [],
    }


def test_real_results_match_the_schema(passing_results: CampaignResult, failing_results: CampaignResult) -> None:
    for result in (passing_results, failing_results):
        data = json.loads(json.dumps(result.to_json()))
        assert validate_results(data) == []


def _documented(schema: dict[str, Any], node: dict[str, Any]) -> set[str]:
    if "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]]
    return set(node.get("properties", {}))


def test_every_field_the_engine_writes_is_documented(failing_results: CampaignResult) -> None:
    """A field added to the results file must be added to the schema (and docs/reports.md) too."""
    schema = results_schema()
    data = failing_results.to_json()
    assert set(data) <= _documented(schema, schema)
    case = data["cases"][0]
    step = next(s for c in data["cases"] for s in c["steps"] if s["exchanges"])
    assert set(case) <= _documented(schema, {"$ref": "#/$defs/case"})
    assert set(step) <= _documented(schema, {"$ref": "#/$defs/step"})
    assert set(step["exchanges"][0]) <= _documented(schema, {"$ref": "#/$defs/exchange"})
    docs = (Path(__file__).resolve().parents[2] / "docs" / "reports.md").read_text(encoding="utf-8")
    for name in set(data) | set(case) | set(step) | set(step["exchanges"][0]):
        assert f"`{name}`" in docs, name


def test_a_results_file_round_trips(failing_results: CampaignResult, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(failing_results.to_json()), encoding="utf-8")
    loaded = load_results(path)
    assert loaded.to_json() == failing_results.to_json()


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (None, "no such results file"),
        ("{not json", "not a JSON results file"),
        (json.dumps({**_minimal(), "schema_version": "2.0"}), "schema version '2.0' cannot be read"),
        (json.dumps({**_minimal(), "mode": "warp"}), "$.mode"),
        (json.dumps({**_minimal(), "cases": [{"id": 3}]}), "$.cases[0]"),
        ("[]", "not a valid results file"),
    ],
)
def test_bad_results_files(content: str | None, words: str, tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_results(path)
    assert str(caught.value).startswith(str(path)) and words in str(caught.value)
