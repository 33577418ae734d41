"""A fuzz finding as a ready-to-use case file: the shrunk sequence, the oracle's expectations, the clauses.

:func:`case_from_trace` turns a failing :class:`~.runner.Trace` into the YAML text of one case
(``docs/case-format.md``):

- the steps are the example's operations as it ran them, at the offsets it reached, each followed by a
  ``check`` of the user it wrote when the write was accepted, and the step that differed;
- the expectations are written out by hand from the oracle's predictions for the case replayed alone
  under the default profile (``predict_case``), so the case passes the corpus self-check: statuses as
  classes (``2xx``, ``4xx``; the exact code where only the code differs), ``graphError: true`` on every
  refusal, and the presence of every read and check;
- ``clauses`` are inferred from the operations and the mismatch (:mod:`.clauses`);
- a comment header (and ``description``) says where it was found and what differed.

The text loads with the case loader and validates against ``case.schema.json``; the case then fails
(or deviates, when an interpretation clause is cited) against the target it was found on.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from reference_impl.model import DEFAULT_PROFILE, format_duration

from ..cases.corpus import CASE_SUFFIX
from ..cases.loader import load_case_file
from ..engine.prediction import StepPrediction, predict_case
from .clauses import infer_clauses
from .runner import CHECK, Executed, Trace
from .strategies import APPS, USER_NAMES

__all__ = ["FuzzCase", "case_from_trace", "explain", "write_case"]

Reads = Literal["minimal", "all"]

_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*|[245]xx")
# Words some YAML reader might take for something other than a string: always quoted.
_RESERVED = frozenset({"true", "false", "null", "yes", "no", "on", "off", "y", "n", "nan", "inf"})


class _Dumper(yaml.SafeDumper):
    """Block style, except :class:`_Flow` values; strings quoted unless plain words (YAML 1.1 and 1.2 agree)."""


class _Flow(dict[str, Any]):
    """A mapping written on one line, as the corpus writes step parameters and expectations."""


class _FlowList(list[Any]):
    """A list written on one line."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    plain = _PLAIN.fullmatch(value) is not None and value.lower() not in _RESERVED
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=None if plain else '"')


def _represent_flow(dumper: yaml.SafeDumper, value: _Flow) -> yaml.MappingNode:
    return dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)


def _represent_flow_list(dumper: yaml.SafeDumper, value: _FlowList) -> yaml.SequenceNode:
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True)


_Dumper.add_representer(str, _represent_str)
_Dumper.add_representer(_Flow, _represent_flow)
_Dumper.add_representer(_FlowList, _represent_flow_list)


@dataclass(frozen=True, slots=True)
class FuzzCase:
    """One case written from a finding: its id, cited clauses, YAML text and the explanation it carries."""

    case_id: str
    clauses: tuple[str, ...]
    text: str
    explanation: tuple[str, ...]

    @property
    def file_name(self) -> str:
        return f"{self.case_id}{CASE_SUFFIX}"


def _show(pair: Mapping[str, Any] | None) -> str:
    if not pair:
        return "nothing"
    return f"{pair.get('availability')}/{pair.get('activity')}"


def _status_text(fields: Mapping[str, Any]) -> str:
    text = str(fields.get("status"))
    error = fields.get("error") or fields.get("oracle_error")
    if isinstance(error, Mapping):
        text += f" {error.get('code')}"
    return text


def explain(trace: Trace) -> str:
    """One sentence: what the target answered at the mismatch, and what the oracle predicts."""
    step = trace.mismatch
    if step is None:
        return "no mismatch"
    where = f"at {format_duration(step.at)}, {_describe(step)}"
    expected, observed = step.expected, step.observed
    if expected.get("status") != observed.get("status"):
        return f"{where}: the target answered {_status_text(observed)}, the oracle {_status_text(expected)}"
    if "presence" in expected:
        return f"{where}: the target shows {_show(observed.get('presence'))}, the oracle {_show(expected['presence'])}"
    if "presences" in expected:
        seen = ", ".join(f"{k} {_show(v)}" for k, v in (observed.get("presences") or {}).items()) or "nothing"
        wanted = ", ".join(f"{k} {_show(v)}" for k, v in expected["presences"].items())
        return f"{where}: the target answered {seen}, the oracle {wanted}"
    return f"{where}: {step.message}"


def _describe(step: Executed) -> str:
    if step.kind == CHECK:
        return f"a read of {step.params['user']}"
    who = step.params.get("user") or step.params.get("userId") or ""
    return f"{step.kind} by {step.params['as']}" + (f" for {who}" if who else "")


def _chosen_steps(trace: Trace, reads: Reads) -> list[Executed]:
    """The steps written: every action, the reads that document accepted writes, and the mismatch."""
    chosen: list[Executed] = []
    last_write: Executed | None = None
    for step in trace.steps[:-1]:
        if step.kind != CHECK:
            chosen.append(step)
            accepted = str(step.expected.get("status", ""))[:1] == "2" and "user" in step.params
            last_write = step if accepted and step.kind not in _READS else None
        elif reads == "all" or (last_write is not None and step.params["user"] == last_write.params["user"]):
            chosen.append(step)
    chosen.append(trace.steps[-1])
    return chosen


_READS = frozenset({"getPresence", "getMyPresence", "getPresencesByUserId"})


def _users_named(steps: Sequence[Executed], apps: Sequence[str]) -> list[str]:
    named: set[str] = set()
    for step in steps:
        for key in ("user",):
            if key in step.params:
                named.add(str(step.params[key]))
        named.update(step.params.get("users", ()))
    for app in apps:
        delegated = APPS[app].delegated_user
        if delegated is not None:
            named.add(delegated)
    return [name for name in USER_NAMES if name in named] or [USER_NAMES[0]]


def _apps_named(steps: Sequence[Executed]) -> list[str]:
    named = {str(s.params[key]) for s in steps for key in ("as", "sessionIdOf") if key in s.params}
    return [name for name in APPS if name in named]


def _app_yaml(name: str) -> dict[str, Any]:
    spec = APPS[name]
    if spec.delegated_user is not None:
        return {"delegated": spec.delegated_user, "scopes": _FlowList(spec.scopes)}
    if spec.roles != ("Presence.ReadWrite.All",):
        return {"roles": _FlowList(spec.roles)}
    return {}


def _step_yaml(step: Executed, previous_at: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if previous_at is None or step.at != previous_at:
        out["at"] = format_duration(step.at)
    out[step.kind] = _Flow(step.params)
    return out


def _dump(document: Mapping[str, Any]) -> str:
    text: str = yaml.dump(
        dict(document), Dumper=_Dumper, sort_keys=False, default_flow_style=False, width=10_000, allow_unicode=True
    )
    return text


def _expectation(step: Executed, predicted: StepPrediction, mismatch: bool) -> dict[str, Any]:
    status = predicted.status
    observed = step.observed.get("status")
    same_class = isinstance(observed, int) and observed // 100 == status // 100
    exact = mismatch and same_class and observed != status  # only the code differs: say which one
    expect: dict[str, Any] = _Flow(status=status if exact else f"{status // 100}xx")
    if status >= 400:
        expect["graphError"] = True
    elif step.kind in ("getPresence", "getMyPresence") and predicted.presence is not None:
        expect["presence"] = _Flow(predicted.presence)
    elif step.kind == "getPresencesByUserId" and predicted.presences is not None:
        asked = step.params.get("users", ())
        expect["presences"] = _Flow({n: _Flow(predicted.presences[n]) for n in asked if n in predicted.presences})
        if not expect["presences"]:
            del expect["presences"]
    return expect


def case_from_trace(
    trace: Trace,
    *,
    seed: int,
    target: str,
    shrunk_from: int | None = None,
    reads: Reads = "minimal",
) -> FuzzCase:
    """The case file for ``trace``'s mismatch (see the module docstring).

    Args:
        seed: the fuzzing seed (in the id and the header).
        target: where it was found (printed in the header; keep credentials out of it).
        shrunk_from: how many operations the first failing example had, for the header.
        reads: ``minimal`` writes the reads after accepted writes of the written user; ``all`` every
            read the fuzzer made.

    Raises:
        ValueError: the trace has no mismatch.
    """
    if trace.mismatch is None:
        raise ValueError("the trace has no mismatch to write a case for")
    steps = _chosen_steps(trace, reads)
    apps = _apps_named(steps)
    users = _users_named(steps, apps)
    clauses = infer_clauses(trace)
    raw_steps = []
    previous = None
    for step in steps:
        raw_steps.append(_step_yaml(step, previous))
        previous = step.at
    digest = hashlib.sha256(_dump({"steps": raw_steps}).encode()).hexdigest()[:8]
    case_id = f"fuzz.seed-{abs(seed)}.{digest}"
    sentence = explain(trace)
    operations = len(trace.example.operations)
    title = f"Fuzz finding (seed {abs(seed)}): {sentence[0].upper()}{sentence[1:]}"
    longest = max((s.at for s in steps), default=None)
    document: dict[str, Any] = {
        "id": case_id,
        "title": title,
        "clauses": _FlowList(clauses),
        "tags": _FlowList(["fuzz"]),
    }
    if longest is not None and longest.total_seconds() > 3600:
        document["requires"] = _FlowList(["clock-control"])
    document["users"] = _FlowList(users)
    if apps:
        document["apps"] = {name: _Flow(_app_yaml(name)) for name in apps}
    document["steps"] = raw_steps
    predictions = _predict(document)
    mismatch_index = len(steps) - 1
    for index, (step, predicted) in enumerate(zip(steps, predictions, strict=True)):
        if step.kind == CHECK:
            if predicted.presence is not None:
                raw_steps[index][CHECK]["presence"] = _Flow(predicted.presence)
            continue
        raw_steps[index]["expect"] = _expectation(step, predicted, index == mismatch_index)
    origin = _operations(shrunk_from) if shrunk_from is not None else "a longer sequence"
    explanation = (
        f"Found by `presence-conformance fuzz --seed {abs(seed)}` against {target};"
        f" shrunk from {origin} to {operations}.",
        f"The mismatch: {sentence}.",
        f"Clauses inferred from the operations and the mismatch: {', '.join(clauses)}.",
        "Expectations are the oracle's (default profile), written out; the last step is where the target differs.",
    )
    header = "".join(f"# {line}\n" for line in explanation)
    return FuzzCase(case_id, clauses, header + _dump(document), explanation)


def _operations(count: int) -> str:
    return f"{count} operation" + ("" if count == 1 else "s")


def _predict(document: Mapping[str, Any]) -> list[StepPrediction]:
    """The oracle's predictions for the case ``document`` (no expectations yet), replayed alone."""
    with tempfile.TemporaryDirectory(prefix="fuzz-case-") as folder:
        path = Path(folder) / f"case{CASE_SUFFIX}"
        path.write_text(_dump(document), encoding="utf-8")
        (case,) = load_case_file(path)
    return predict_case(case, DEFAULT_PROFILE)


def write_case(case: FuzzCase, folder: Path) -> Path:
    """Write ``case`` into ``folder`` (created if needed) as ``<id>.presence.yaml``; return the path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / case.file_name
    path.write_text(case.text, encoding="utf-8")
    return path
