"""Playing one example: every operation to the target and the oracle, every user read after each step."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, seed, settings

from conformance.cases import load_case_file
from conformance.cases.model import Step
from conformance.fuzz.runner import CHECK, FuzzRunner, Trace, build_step
from conformance.fuzz.strategies import APPS, AdvanceBy, AdvanceToTimer, Example, SetPresence, examples
from conformance.targets.setup import open_in_process
from reference_impl.model import format_duration

_COMPARED = ("at", "action", "app", "user", "user_id", "users", "extra_ids", "params", "session_id_of",
             "body", "has_body", "raw_body", "auth", "check_user")  # fmt: skip


def _play(example: Example) -> Trace:
    with open_in_process() as setup:
        runner = FuzzRunner(setup)
        try:
            return runner.run(example)
        finally:
            runner.close()


def _case_yaml(trace: Trace) -> str:
    apps = {name: ({"roles": list(spec.roles)} if not spec.delegated else {"delegated": spec.delegated_user})
            for name, spec in APPS.items()}  # fmt: skip
    steps: list[dict[str, Any]] = [{"at": format_duration(s.at), s.kind: dict(s.params)} for s in trace.steps]
    document = {"id": "roundtrip", "title": "t", "clauses": ["READ-PRESENCE"], "users": list(trace.example.user_names),
                "apps": apps, "steps": steps}  # fmt: skip
    return yaml.safe_dump(document, sort_keys=False)


def test_the_runner_sends_what_the_loader_makes_of_the_same_steps(tmp_path: Path) -> None:
    """The case a finding becomes replays exactly what the fuzzer sent: same steps, field by field."""
    played: list[Trace] = []

    @seed(11)
    @settings(max_examples=25, database=None, deadline=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(examples())
    def collect(example: Example) -> None:
        played.append(_play(example))

    collect()
    compared = 0
    for number, trace in enumerate(played):
        assert trace.mismatch is None  # the in-process reference agrees with the oracle
        if not trace.steps:  # only clock moves with no timer pending: nothing was sent
            continue
        path = tmp_path / f"case{number}.presence.yaml"
        path.write_text(_case_yaml(trace), encoding="utf-8")
        (case,) = load_case_file(path)
        for executed, loaded in zip(trace.steps, case.steps, strict=True):
            built: Step = build_step(executed.index, executed.at, executed.kind, executed.params, case.users)
            assert {f: getattr(built, f) for f in _COMPARED} == {f: getattr(loaded, f) for f in _COMPARED}
            compared += 1
    assert compared > 100


def test_every_user_is_read_after_each_write_and_each_clock_move() -> None:
    example = Example(2, (SetPresence("teams", 0, "Busy", "InACall", "PT1H"), AdvanceBy(timedelta(minutes=2))))
    trace = _play(example)
    assert [(s.kind, s.params.get("user"), s.at) for s in trace.steps] == [
        ("setPresence", "alice", timedelta(0)),
        (CHECK, "alice", timedelta(0)),
        (CHECK, "bob", timedelta(0)),
        (CHECK, "alice", timedelta(minutes=2)),
        (CHECK, "bob", timedelta(minutes=2)),
    ]
    assert trace.steps[-2].expected["presence"] == {"availability": "Busy", "activity": "InACall"}
    assert trace.operations == 2 and trace.requests == 5


def test_a_clock_move_to_a_timer_lands_on_its_boundary_give_or_take_the_nudge() -> None:
    set_available = SetPresence("teams", 0, "Available", "Available", "PT1H")
    at_fade = _play(Example(1, (set_available, AdvanceToTimer(0, timedelta(0)))))
    assert at_fade.steps[-1].at == timedelta(minutes=5)
    assert at_fade.steps[-1].expected["presence"] == {"availability": "Available", "activity": "AvailableInactive"}
    before_fade = _play(Example(1, (set_available, AdvanceToTimer(0, timedelta(seconds=-1)))))
    assert before_fade.steps[-1].expected["presence"]["activity"] == "Available"
    at_expiry = _play(Example(1, (set_available, AdvanceToTimer(-1, timedelta(0)))))
    assert at_expiry.steps[-1].at == timedelta(hours=1)
    nothing_pending = _play(Example(1, (AdvanceToTimer(0, timedelta(0)),)))
    assert nothing_pending.steps == ()
