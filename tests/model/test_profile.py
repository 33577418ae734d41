"""Profiles: one field per interpretation with alternatives, built from a config mapping.

Also checks the profile against the clause registry: every registry clause with a ``profile`` key names a
:class:`Profile` field whose default is the clause's default and which accepts each listed alternative.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import timedelta
from typing import Any

import pytest

from reference_impl.clause_registry import load_registry
from reference_impl.model import DEFAULT_PROFILE, Boundary, Matching, Profile, ProfileError, RefreshExpiry

from ._support import T0

REGISTRY = load_registry()
PROFILED_CLAUSES = [c for c in REGISTRY if c.profile is not None]


def test_default_profile_as_plain_values() -> None:
    assert DEFAULT_PROFILE.to_mapping() == {
        "boundary": "inclusive",
        "matching": "case-sensitive",
        "refresh_expiry": "reset-to-default",
        "write_status": 200,
        "session_id_mismatch_status": 400,
        "clear_expired_status": 404,
        "clear_preferred_none_status": 200,
    }
    assert DEFAULT_PROFILE.deviations() == {}
    assert Profile.from_mapping({}) == DEFAULT_PROFILE


FROM_MAPPING = [
    pytest.param({"boundary": "exclusive"}, {"boundary": Boundary.EXCLUSIVE}, id="INT-BOUNDARY-INCLUSIVE: exclusive"),
    pytest.param(
        {"matching": "case-insensitive"}, {"matching": Matching.CASE_INSENSITIVE}, id="INT-CASE-SENSITIVE: insensitive"
    ),
    pytest.param(
        {"refresh-expiry": "keep-previous"},
        {"refresh_expiry": RefreshExpiry.KEEP_PREVIOUS},
        id="INT-SET-OVERWRITES: keep-previous, dashed key",
    ),
    pytest.param({"write_status": 204}, {"write_status": 204}, id="INT-WRITE-STATUS: 204"),
    pytest.param(
        {"session-id-mismatch-status": 403}, {"session_id_mismatch_status": 403}, id="INT-SESSIONID-MISMATCH: 403"
    ),
    pytest.param({"clear_expired_status": 200}, {"clear_expired_status": 200}, id="INT-CLEAR-EXPIRED: 200"),
    pytest.param(
        {"clear_preferred_none_status": 404}, {"clear_preferred_none_status": 404}, id="INT-CLEAR-PREFERRED-NONE: 404"
    ),
    pytest.param({"boundary": "inclusive"}, {}, id="INT-BOUNDARY-INCLUSIVE: naming the default is no deviation"),
]


@pytest.mark.parametrize(("mapping", "deviations"), FROM_MAPPING)
def test_from_mapping(mapping: dict[str, Any], deviations: dict[str, object]) -> None:
    profile = Profile.from_mapping(mapping)
    assert profile.deviations() == deviations
    for name, value in deviations.items():
        assert type(getattr(profile, name)) is type(value)


def test_to_mapping_round_trips_through_from_mapping() -> None:
    every_alternative = Profile.from_mapping(
        {
            "boundary": "exclusive",
            "matching": "case-insensitive",
            "refresh_expiry": "keep-previous",
            "write_status": 204,
            "session_id_mismatch_status": 403,
            "clear_expired_status": 200,
            "clear_preferred_none_status": 404,
        }
    )
    assert len(every_alternative.deviations()) == len(fields(Profile))
    assert Profile.from_mapping(every_alternative.to_mapping()) == every_alternative


BAD_MAPPINGS = [
    pytest.param({"boundaries": "exclusive"}, "boundaries", id="unknown key"),
    pytest.param({"Boundary": "exclusive"}, "Boundary", id="key in the wrong case"),
    pytest.param({"boundary": "sometimes"}, "sometimes", id="unknown boundary"),
    pytest.param({"boundary": "EXCLUSIVE"}, "EXCLUSIVE", id="value in the wrong case"),
    pytest.param({"matching": True}, "matching", id="boolean for matching"),
    pytest.param({"write_status": 201}, "201", id="status not among the alternatives"),
    pytest.param({"write_status": True}, "write_status", id="boolean for a status"),
    pytest.param({"session_id_mismatch_status": 401}, "401", id="401 is no sessionId alternative"),
    pytest.param({"clear_expired_status": 204}, "204", id="204 is no clear-expired alternative"),
    pytest.param({"clear_preferred_none_status": None}, "None", id="null status"),
]


@pytest.mark.parametrize(("mapping", "named"), BAD_MAPPINGS)
def test_from_mapping_refuses(mapping: dict[str, Any], named: str) -> None:
    with pytest.raises(ProfileError) as raised:
        Profile.from_mapping(mapping)
    assert isinstance(raised.value, ValueError)
    assert named in str(raised.value)


def test_unknown_key_error_lists_the_known_keys() -> None:
    with pytest.raises(ProfileError, match="refresh_expiry"):
        Profile.from_mapping({"nope": 1})


@pytest.mark.parametrize(
    ("profile", "offset", "reached"),
    [
        pytest.param(DEFAULT_PROFILE, -1, False, id="INT-BOUNDARY-INCLUSIVE: inclusive, before"),
        pytest.param(DEFAULT_PROFILE, 0, True, id="INT-BOUNDARY-INCLUSIVE: inclusive, at the instant"),
        pytest.param(DEFAULT_PROFILE, 1, True, id="INT-BOUNDARY-INCLUSIVE: inclusive, after"),
        pytest.param(Profile(boundary=Boundary.EXCLUSIVE), -1, False, id="INT-BOUNDARY-INCLUSIVE: exclusive, before"),
        pytest.param(Profile(boundary=Boundary.EXCLUSIVE), 0, False, id="INT-BOUNDARY-INCLUSIVE: exclusive, at"),
        pytest.param(Profile(boundary=Boundary.EXCLUSIVE), 1, True, id="INT-BOUNDARY-INCLUSIVE: exclusive, after"),
    ],
)
def test_has_reached(profile: Profile, offset: int, reached: bool) -> None:
    assert profile.has_reached(T0 + timedelta(microseconds=offset), T0) is reached


def test_registry_has_profiled_interpretations() -> None:
    assert len(PROFILED_CLAUSES) >= 7


@pytest.mark.parametrize("clause", PROFILED_CLAUSES, ids=lambda c: f"{c.id}: profile key and default")
def test_registry_profile_key_matches_the_profile(clause: Any) -> None:
    assert clause.profile.key in DEFAULT_PROFILE.to_mapping()
    assert str(DEFAULT_PROFILE.to_mapping()[clause.profile.key]) == clause.default
    for alternative in clause.profile.alternatives:
        value: object = int(alternative) if alternative.isdigit() else alternative
        profile = Profile.from_mapping({clause.profile.key: value})
        assert {k: str(v) for k, v in profile.deviations().items()} == {clause.profile.key: alternative}


def test_every_profile_field_has_a_registry_clause() -> None:
    keys = {c.profile.key for c in PROFILED_CLAUSES if c.profile is not None}
    assert {f.name for f in fields(Profile)} == keys
