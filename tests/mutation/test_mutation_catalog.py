"""The mutant catalogue: enough mutants, one clause each, every family covered, never applied here."""

from __future__ import annotations

import re

import pytest

from conformance.mutation.catalog import CATALOG, Mutant, MutantMisuse, by_name, is_armed
from reference_impl.clause_registry import load_registry
from reference_impl.model import aggregation, transitions


def test_at_least_thirty_mutants_with_unique_kebab_case_names() -> None:
    names = [mutant.name for mutant in CATALOG]
    assert len(names) >= 30
    assert len(set(names)) == len(names)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", name) for name in names)


def test_each_mutant_names_a_registry_clause_and_its_family() -> None:
    registry = load_registry()
    for mutant in CATALOG:
        assert mutant.clause in registry, mutant.name
        assert mutant.family == registry[mutant.clause].family, mutant.name
        assert mutant.name.startswith(mutant.family.lower() + "-"), mutant.name
        assert mutant.description and not mutant.description.endswith("."), mutant.name


def test_every_clause_family_has_a_mutant() -> None:
    families = set(load_registry().families)
    assert {mutant.family for mutant in CATALOG} == families


def test_the_brief_s_concepts_are_all_there() -> None:
    # precedence swapped or flattened; preferred ignored or shown without a session; fades; expiry; pairs;
    # casing; sessionId; sessions shared; clear; error body; auth.
    expected = {
        "agg-busy-over-dnd",
        "agg-last-writer-wins",
        "agg-preferred-ignored",
        "pref-shown-without-session",
        "fade-none",
        "fade-first-after-six-minutes",
        "int-busy-fades-too",
        "fade-timer-not-restarted",
        "exp-default-ten-minutes",
        "exp-never-expires",
        "exp-refresh-keeps-expiry",
        "exp-range-pt5m-excluded",
        "exp-range-pt4h-excluded",
        "int-unsupported-pair-accepted",
        "int-case-insensitive",
        "set-sessionid-unchecked",
        "agg-sessions-shared-across-users",
        "clear-does-nothing",
        "clear-unknown-200",
        "err-body-unwrapped",
        "auth-token-not-enforced",
    }
    assert expected <= {mutant.name for mutant in CATALOG}


def test_by_name_finds_a_mutant_and_suggests_close_names() -> None:
    assert by_name("fade-none").clause == "FADE-FIRST"
    with pytest.raises(KeyError, match="did you mean"):
        by_name("fade")


@pytest.mark.parametrize("mutant", CATALOG, ids=lambda m: m.name)
def test_no_mutant_can_be_applied_in_the_engine_s_process(mutant: Mutant) -> None:
    # The oracle is this very model: a mutant applied here would make the oracle agree with it.
    before = (transitions._set_presence, aggregation._rank, aggregation.PRECEDENCE)
    assert not is_armed()
    with pytest.raises(MutantMisuse, match="outside a mutant server's child process"):
        mutant.apply()
    assert (transitions._set_presence, aggregation._rank, aggregation.PRECEDENCE) == before
