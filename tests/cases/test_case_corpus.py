"""Discovery of case files, the bundled corpus, and the loader's speed on a corpus-sized folder."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from conformance.cases import CASE_SUFFIX, bundled_corpus, discover, load_cases
from conformance.errors import ConfigError

FIXTURES = Path(__file__).parent / "fixtures"
VALID = FIXTURES / "valid"
REPO = Path(__file__).parents[2]


def test_discovery_is_recursive_sorted_and_skips_hidden_folders() -> None:
    found = discover([VALID])
    assert [p.relative_to(VALID).as_posix() for p in found] == [
        "everything.presence.yaml",
        "minimal.presence.yaml",
        "nested/deeper/found.presence.yaml",
        "several.presence.yaml",
        "timeline.presence.yaml",
        "yaml-values.presence.yaml",
    ]


def test_discovery_takes_named_files_whatever_their_name(tmp_path: Path) -> None:
    odd = tmp_path / "odd.yaml"
    odd.write_text("id: x\n", encoding="utf-8")
    assert discover([odd, VALID / "minimal.presence.yaml"]) == sorted([odd, VALID / "minimal.presence.yaml"])


def test_discovery_of_nothing(tmp_path: Path) -> None:
    assert discover([tmp_path]) == []
    assert discover([]) == []
    assert load_cases([]) == []


def test_discovery_refuses_a_missing_path(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file or folder"):
        discover([tmp_path / "nope"])


def test_load_cases_orders_by_file_then_position() -> None:
    ids = [c.id for c in load_cases([VALID])]
    assert ids == [
        "fixture.everything",
        "fixture.minimal",
        "fixture.nested.found",
        "fixture.several.one",
        "fixture.several.two",
        "fixture.several.three",
        "fixture.timeline",
        "fixture.yaml-values",
    ]


def test_bundled_corpus_in_a_checkout_is_the_cases_folder() -> None:
    # A wheel has conformance/corpus; a checkout has none, so the repository's cases/ is used.
    if (REPO / "conformance" / "corpus").is_dir():
        pytest.skip("running from an installed layout")
    assert bundled_corpus() == REPO / "cases"
    assert discover(None) == discover([REPO / "cases"])


def test_the_bundled_corpus_loads() -> None:
    files = discover(None)
    assert files, f"no case file in the bundled corpus {bundled_corpus()}"
    cases = load_cases(None)
    assert {Path(case.path) for case in cases} == set(files)  # every file holds at least one case
    assert all(case.path.endswith(CASE_SUFFIX) for case in cases)


def _case(index: int) -> str:
    return f"""\
id: perf.case-{index}
title: Case {index} of a corpus-sized folder
clauses: [AGG-PRECEDENCE, FADE-FIRST]
tags: [perf]
users: [alice, bob]
apps:
  teams: {{}}
  reader: {{roles: [Presence.Read.All]}}
steps:
  - setPresence: {{as: teams, availability: Available, activity: Available, expirationDuration: PT1H}}
    expect: {{status: 200}}
  - setPresence: {{as: teams, user: bob, availability: Busy, activity: InACall, expirationDuration: PT1H}}
  - after: PT5M1S
    check: {{user: alice, presence: {{availability: Available, activity: AvailableInactive}}}}
  - getPresence: {{as: reader, user: bob}}
    expect: {{status: 200, presence: {{availability: Busy, activity: InACall}}}}
  - getPresencesByUserId: {{as: reader, extraIds: 2}}
    expect: {{presences: {{alice: oracle, bob: {{activity: InACall}}}}}}
  - after: PT5M
    check: {{user: alice}}
  - clearPresence: {{as: teams}}
  - setPresence: {{as: teams, body: {{sessionId: 5}}}}
    expect: {{status: 4xx, graphError: true}}
"""


def test_a_corpus_sized_folder_loads_quickly(tmp_path: Path) -> None:
    # ~200 cases in ~70 files, like the real corpus. CPU time, not wall time, so a busy machine does not
    # fail it; the budget is generous, yet a validator built per document would still blow it.
    for start in range(0, 210, 3):
        text = "---\n".join(_case(i) for i in range(start, start + 3))
        (tmp_path / f"file-{start:03d}{CASE_SUFFIX}").write_text(text, encoding="utf-8")
    load_cases([tmp_path])  # warm: schema, registry, imports
    began = time.process_time()
    cases = load_cases([tmp_path])
    elapsed = time.process_time() - began
    assert len(cases) == 210
    assert elapsed < 2.0, f"{elapsed:.2f}s"
