"""The oracle alone: operations per second, from the pure model up to the service without sockets.

Layers, each measured on the same operations (a setPresence of one of two apps, then a read, for one of
64 users, at instants that move through fades and expiries):

- **model**: ``reference_impl.model.apply`` and ``read`` on a ``UserPresence`` (pure functions);
- **dispatch**: ``PresenceService.dispatch`` in-process: routing, token verification, JSON, the store;
- **dispatch, token only**: ``verify_authorization`` alone, the part of every request that is crypto;
- **predict_case** over the whole corpus: a fresh oracle, bindings and tokens per case, then its steps;
- **engine, in-process**: ``run_campaign`` of the whole corpus against the in-process reference, so each
  step costs the oracle, the target's dispatch and the engine's own work, without sockets.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_oracle.py [--operations 20000]
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from datetime import UTC, datetime, timedelta

import _common

from conformance.cases import load_cases
from conformance.engine import CampaignOptions, predict_case, run_campaign
from conformance.targets.setup import open_in_process
from reference_impl.model import (
    DEFAULT_PROFILE,
    Caller,
    UserPresence,
    apply,
    parse_set_presence,
    read,
)
from reference_impl.service import DEV_TOKEN_SECRET, PresenceService, ServiceClock, ServiceConfig
from reference_impl.service.tokens import mint_token, verify_authorization

START = datetime(2024, 5, 1, 12, tzinfo=UTC)
APPS = ["22553876-f5ab-4529-bffb-cfe50aa89f87", "3f0a7c1e-9b2d-4c5e-8f6a-1b2c3d4e5f60"]
USERS = [str(uuid.UUID(int=0x0AC1E000 + i)) for i in range(64)]
PAIRS = [("Available", "Available"), ("Busy", "InACall"), ("Away", "Away"), ("DoNotDisturb", "Presenting")]


def body(n: int) -> dict[str, str]:
    availability, activity = PAIRS[n % len(PAIRS)]
    app = APPS[n % 2]
    return {"sessionId": app, "availability": availability, "activity": activity, "expirationDuration": "PT1H"}


def instant(n: int) -> datetime:
    return START + timedelta(seconds=17 * n)  # 17 s per operation: fades and expiries happen along the way


def bench_model(operations: int) -> float:
    callers = {app: Caller(app, frozenset({"Presence.ReadWrite.All"})) for app in APPS}
    ops = [parse_set_presence(body(n), callers[APPS[n % 2]], DEFAULT_PROFILE) for n in range(len(PAIRS) * 2)]
    users: dict[str, UserPresence] = {}

    def run() -> None:
        for n in range(operations):
            user_id = USERS[n % len(USERS)]
            now = instant(n)
            applied = apply(users.get(user_id, UserPresence()), ops[n % len(ops)], now, DEFAULT_PROFILE)
            users[user_id] = applied.user
            read(applied.user, user_id, now, DEFAULT_PROFILE)

    _, took = _common.timed(run)
    return 2 * operations / took


def bench_dispatch(operations: int) -> float:
    service = PresenceService(ServiceConfig(), ServiceClock.manual(START))
    tokens = {
        app: mint_token(
            secret=DEV_TOKEN_SECRET, app_id=app, roles=["Presence.ReadWrite.All"], now=START, lifetime=timedelta(days=9)
        )
        for app in APPS
    }
    requests = []
    for n in range(len(PAIRS) * 2):
        data = body(n)
        headers = {"Authorization": f"Bearer {tokens[data['sessionId']]}", "Content-Type": "application/json"}
        requests.append((headers, json.dumps(data).encode()))

    def run() -> None:
        for n in range(operations):
            user_id = USERS[n % len(USERS)]
            headers, raw = requests[n % len(requests)]
            service.clock.advance(timedelta(seconds=17))
            answer = service.dispatch("POST", f"/v1.0/users/{user_id}/presence/setPresence", headers, raw)
            assert answer.status == 200, answer.body
            answer = service.dispatch("GET", f"/v1.0/users/{user_id}/presence", headers)
            assert answer.status == 200, answer.body

    _, took = _common.timed(run)
    return 2 * operations / took


def bench_tokens(operations: int) -> float:
    header = "Bearer " + mint_token(
        secret=DEV_TOKEN_SECRET, app_id=APPS[0], roles=["Presence.ReadWrite.All"], now=START
    )

    def run() -> None:
        for _ in range(operations):
            verify_authorization(header, DEV_TOKEN_SECRET, START)

    _, took = _common.timed(run)
    return operations / took


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--operations", type=int, default=20000, help="writes (each followed by a read)")
    args = parser.parse_args(argv)
    _common.header("bench_oracle: the oracle alone, in-process")
    n = args.operations
    model = bench_model(n)
    dispatch = bench_dispatch(n // 4)
    tokens = bench_tokens(n // 4)
    cases = load_cases()
    steps = sum(len(c.steps) for c in cases)

    def predict_all() -> None:
        for case in cases:
            predict_case(case)

    _, took = _common.timed(predict_all)

    def in_process() -> None:
        with open_in_process() as setup:
            result = run_campaign(cases, setup, CampaignOptions())
        assert result.exit_code == 0, result.counts()

    _, campaign = _common.timed(in_process)
    _common.table(
        [
            ["model: apply + read (pure functions)", model, 1e6 / model],
            ["service: PresenceService.dispatch (set + read)", dispatch, 1e6 / dispatch],
            ["tokens: verify_authorization alone", tokens, 1e6 / tokens],
            [f"predict_case, whole corpus ({steps} steps, fresh oracle per case)", steps / took, 1e6 * took / steps],
            ["engine: run_campaign, whole corpus, in-process target", steps / campaign, 1e6 * campaign / steps],
        ],
        ["layer", "operations/s", "µs per operation"],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
