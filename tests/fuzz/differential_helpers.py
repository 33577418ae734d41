"""Targets for the fuzzer's tests: the reference in-process with an undeclared interpretation (a cheap,
same-process "mutant": the reference configured otherwise, nothing patched), and real mutant servers."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager

from conformance.mutation.catalog import by_name
from conformance.mutation.server import MutantServer
from conformance.targets.setup import TargetSetup, open_in_process, open_target
from reference_impl.model import DEFAULT_PROFILE, Profile
from reference_impl.service import DEV_TOKEN_SECRET


@contextmanager
def undeclared(profile: Profile) -> Iterator[TargetSetup]:
    """The in-process reference running ``profile`` while the suite predicts with the default profile."""
    with open_in_process(profile) as setup:
        yield dataclasses.replace(setup, profile=DEFAULT_PROFILE)


@contextmanager
def mutant_target(name: str) -> Iterator[tuple[str, TargetSetup]]:
    """The mutant ``name`` served from a child process, opened as ``--target`` would open it."""
    with (
        MutantServer(by_name(name)) as server,
        open_target(url=server.url, token_secret=DEV_TOKEN_SECRET, environ={}) as setup,
    ):
        yield server.url, setup
