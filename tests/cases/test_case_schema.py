"""The shipped JSON Schema: valid Draft 2020-12, in step with the model and the oracle's vocabulary."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator

from conformance.cases import ActionKind, AuthMode, Requirement, discover, schema_path
from reference_impl.model import Activity, Availability

VALID = Path(__file__).parent / "fixtures" / "valid"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_path().read_text(encoding="utf-8"))
    return loaded


def test_schema_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)


def test_schema_ships_inside_the_package() -> None:
    # hatch includes every file under conformance/, so being there is what ships it in the wheel
    assert schema_path().parent == Path(__file__).parents[2] / "conformance" / "cases"


def test_closed_vocabularies_match_the_model(schema: dict[str, Any]) -> None:
    defs = schema["$defs"]
    assert schema["properties"]["requires"]["items"]["enum"] == [r.value for r in Requirement]
    assert defs["auth"]["enum"] == [m.value for m in AuthMode]
    step_keys = set(defs["step"]["properties"])
    assert step_keys == {*(k.value for k in ActionKind), "check", "at", "after", "expect"}
    presence = defs["presence"]["properties"]
    assert presence["availability"]["enum"] == [a.value for a in Availability]
    assert presence["activity"]["enum"] == [a.value for a in Activity]


def test_every_reference_resolves(schema: dict[str, Any]) -> None:
    refs = set(re.findall(r'"\$ref": "#/\$defs/([^"]+)"', json.dumps(schema)))
    assert refs <= set(schema["$defs"])


def test_every_closed_object_is_closed(schema: dict[str, Any]) -> None:
    # Unknown keys anywhere are errors: every schema that lists properties forbids others.
    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "properties" in node and "type" in node:
                assert node.get("additionalProperties") is False, where
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                walk(value, f"{where}/{index}")

    walk(schema, "#")


@pytest.mark.parametrize("path", discover([VALID]), ids=lambda p: p.name)
def test_valid_fixtures_pass_the_schema_alone(schema: dict[str, Any], path: Path) -> None:
    validator = Draft202012Validator(schema)
    for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if document is not None:
            assert not list(validator.iter_errors(document))


@pytest.mark.parametrize("path", discover([VALID]), ids=lambda p: p.name)
def test_editor_header_points_at_the_schema(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    target = (path.parent / first.split("=", 1)[1]).resolve()
    assert target == schema_path()


def _fixture_documents() -> list[Any]:
    documents: list[Any] = []
    for path in sorted((VALID.parent).rglob("*.presence.yaml")):
        try:
            documents += [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
        except yaml.YAMLError:
            continue  # the YAML-syntax fixtures
    return documents


def test_loader_validator_agrees_with_the_shipped_schema(schema: dict[str, Any]) -> None:
    # The loader validates with an inlined copy of the schema (faster); it must say what the schema says.
    from conformance.cases.loader import _validator

    shipped = Draft202012Validator(schema)
    documents = _fixture_documents()
    assert len(documents) > 50
    verdicts = [(shipped.is_valid(d), _validator().is_valid(d)) for d in documents]
    assert all(a == b for a, b in verdicts)
    assert {a for a, _ in verdicts} == {True, False}
