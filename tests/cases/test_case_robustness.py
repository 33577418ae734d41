"""Whatever a case file holds, loading it gives cases or a CaseFileError: never another exception."""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.cases import Case, CaseFileError, load_case_file

DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's: the pure-Python one is most of the time
VALID = Path(__file__).parent / "fixtures" / "valid"
BASES: list[Any] = [
    document
    for name in ("everything", "minimal", "timeline", "several")
    for document in yaml.safe_load_all((VALID / f"{name}.presence.yaml").read_text(encoding="utf-8"))
    if document is not None
]
# Words the format uses, so mutations often land on a key or value the loader looks at.
WORDS = [
    "id", "title", "clauses", "users", "apps", "steps", "at", "after", "check", "expect", "status", "presence",
    "presences", "as", "user", "userId", "users", "extraIds", "auth", "sessionId", "sessionIdOf", "body", "rawBody",
    "roles", "scopes", "delegated", "setPresence", "getPresence", "getPresencesByUserId", "getMyPresence",
    "clearPresence", "alice", "bob", "teams", "reader", "mine", "oracle", "PT5M", "PT0S", "P1D", "4xx", "token",
    "FADE-FIRST", "Available", "graphError", "availability", "activity",
]  # fmt: skip

words = st.sampled_from(WORDS)
# Mostly the format's own words, so a mutation often gets past the schema to the reference checks.
json_values = st.recursive(
    words | words | words | st.none() | st.booleans() | st.integers(-1, 1001) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(words, inner, max_size=3),
    max_leaves=4,
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """A valid case with a few subtrees replaced, removed or added."""
    document = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(1, 3))):
        node = document
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else range(len(node))))
            child = node[key]
            if not isinstance(child, (dict, list)) or not child:
                break
            node = child
        if isinstance(node, dict):
            action = draw(st.sampled_from(["replace", "delete", "add"]))
            if action == "add" or not node:
                node[draw(words)] = draw(json_values)
            else:
                key = draw(st.sampled_from(sorted(node)))
                if action == "delete":
                    del node[key]
                else:
                    node[key] = draw(json_values)
        elif isinstance(node, list) and node:
            node[draw(st.integers(0, len(node) - 1))] = draw(json_values)
    return document


def _load(text: str) -> list[Case] | CaseFileError:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.presence.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            return load_case_file(path)
        except CaseFileError as error:
            assert error.path == str(path)
            assert error.line is None or error.line >= 1
            return error


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_mutated_cases_load_or_fail_cleanly(document: Any) -> None:
    _load(yaml.dump(document, Dumper=DUMPER, sort_keys=False))


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab:-[]{}'\"#&*!|>%@ \n\t0P")), max_size=60))
def test_arbitrary_text_loads_or_fails_cleanly(text: str) -> None:
    _load(text)
