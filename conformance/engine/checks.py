"""What a step compares, and the comparison of a target's answer with the oracle's.

The expected value of every step is the oracle's answer. What the case wrote by hand only narrows what
is compared:

- status: compared exactly where the case wrote an exact status, and by class (``2xx``, ``4xx``) where
  it wrote a class or nothing: an exact code is only judged by the cases that are about it, so a target
  that made another documented-compatible choice (204 for writes, 403 for a mismatched sessionId) is not
  failed by every case that merely passes through such a step;
- ``graph_error: true``: the body must be ``{"error": {"code": str, "message": str, ...}}``;
- presence (reads and checks, when the oracle answers 2xx): availability and activity, or only the
  fields the case wrote; for batch reads, every user of the oracle's answer, narrowed per user the same
  way.

An answer that cannot be judged is a :class:`~conformance.errors.TargetError` (the case is *broken*, not
failed): a body that is not JSON or not shaped like a presence where one is needed, or 429/502/503/504
where the oracle expects something else (throttling and outages say nothing about presence).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..cases.model import ActionKind, PresenceExpectation, Step
from ..errors import TargetError
from ..targets.base import HttpResponse
from .bindings import Bindings
from .oracle import Prediction

__all__ = ["Check", "Outcome", "compile_check"]

_FIELDS = ("availability", "activity")
_UNAVAILABLE = frozenset({429, 502, 503, 504})
_SINGLE_READS = frozenset({ActionKind.GET_PRESENCE, ActionKind.GET_MY_PRESENCE})
_EXCERPT = 160
_VALUE_LIMIT = 200


@dataclass(frozen=True, slots=True)
class Outcome:
    """One answer, judged: ``observed`` holds the compared fields as the target answered them."""

    ok: bool
    observed: dict[str, Any]
    mismatch: str | None = None


def _fields(expectation: PresenceExpectation | None) -> tuple[str, ...]:
    if expectation is None or expectation.from_oracle:
        return _FIELDS
    return tuple(name for name in _FIELDS if getattr(expectation, name) is not None)


def _pair_of(document: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, str]:
    return {name: _clip(str(document.get(name))) for name in fields}


def _clip(value: str) -> str:
    # A target's value is quoted in the observed values, the step message and the case reason: a huge one
    # is cut (its full text stays, itself cut, in the recorded exchange). Cutting keeps a mismatch a mismatch.
    return value if len(value) <= _VALUE_LIMIT else value[:_VALUE_LIMIT] + f"… ({len(value)} characters)"


def _show(pair: Mapping[str, Any]) -> str:
    if tuple(pair) == _FIELDS:
        return f"{pair['availability']}/{pair['activity']}"
    return ", ".join(f"{name} {value}" for name, value in pair.items())


def _excerpt(body: bytes) -> str:
    text = body[: _EXCERPT * 4].decode("utf-8", errors="replace").strip()
    if not text:
        return "an empty body"
    return repr(text[:_EXCERPT] + ("…" if len(text) > _EXCERPT else ""))


def _graph_error(document: Any) -> dict[str, str] | None:
    """``{"code", "message"}`` when ``document`` is a Graph error body, else ``None``."""
    if not isinstance(document, dict):
        return None
    error = document.get("error")
    if not isinstance(error, dict):
        return None
    code, message = error.get("code"), error.get("message")
    if not isinstance(code, str) or not isinstance(message, str):
        return None
    return {"code": code, "message": message}


def _decode(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nesting too deep to parse
        return _NOT_JSON


_NOT_JSON = object()


@dataclass(frozen=True, slots=True)
class Check:
    """What one step compares, with the oracle's values (built once per step, used for every poll)."""

    status: int
    status_class: bool = False
    graph_error: bool = False
    presence: Mapping[str, str] | None = None
    presences: Mapping[str, Mapping[str, str]] | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    oracle_error: Mapping[str, str] | None = None

    def expected(self) -> dict[str, Any]:
        """The compared fields, as the results file shows them."""
        out: dict[str, Any] = {"status": f"{str(self.status)[0]}xx" if self.status_class else self.status}
        if self.graph_error:
            out["graph_error"] = True
        if self.presence is not None:
            out["presence"] = dict(self.presence)
        if self.presences is not None:
            out["presences"] = {self.labels.get(k, k): dict(v) for k, v in self.presences.items()}
        if self.oracle_error is not None:
            out["oracle_error"] = dict(self.oracle_error)
        return out

    def _status_holds(self, status: int) -> bool:
        if self.status_class:
            return status // 100 == self.status // 100
        return status == self.status

    def compare(self, response: HttpResponse) -> Outcome:
        """Judge ``response``.

        Raises:
            TargetError: the answer cannot be judged (see the module docstring).
        """
        status = response.status
        observed: dict[str, Any] = {"status": status}
        if status in _UNAVAILABLE and not self._status_holds(status):
            raise TargetError(f"the target answered {status} (throttled or unavailable): {_excerpt(response.body)}")
        needs_document = self.graph_error or self.presence is not None or self.presences is not None
        document = _decode(response.body) if response.body and (needs_document or status >= 400) else None
        error = _graph_error(document)
        if error is not None:
            observed["error"] = error
        if not self._status_holds(status):
            expected = self.expected()["status"]
            detail = f" ({error['code']}: {error['message']})" if error else ""
            return Outcome(False, observed, f"expected status {expected}, got {status}{detail}")
        if self.graph_error and error is None:
            return Outcome(
                False,
                observed,
                f'expected a Graph error body {{"error": {{"code", "message"}}}}, got {_excerpt(response.body)}',
            )
        if self.presence is not None:
            return self._compare_one(document, response, observed)
        if self.presences is not None:
            return self._compare_batch(document, response, observed)
        return Outcome(True, observed)

    def _compare_one(self, document: Any, response: HttpResponse, observed: dict[str, Any]) -> Outcome:
        assert self.presence is not None
        if not isinstance(document, dict) or not all(isinstance(document.get(f), str) for f in _FIELDS):
            raise TargetError(
                f"the target answered {response.status} with {_excerpt(response.body)}, "
                "not a presence with string availability and activity"
            )
        got = _pair_of(document, tuple(self.presence))
        observed["presence"] = _pair_of(document, _FIELDS)
        if got != self.presence:
            return Outcome(False, observed, f"expected {_show(self.presence)}, got {_show(got)}")
        return Outcome(True, observed)

    def _compare_batch(self, document: Any, response: HttpResponse, observed: dict[str, Any]) -> Outcome:
        assert self.presences is not None
        value = document.get("value") if isinstance(document, dict) else None
        if not isinstance(value, list) or not all(
            isinstance(item, dict) and isinstance(item.get("id"), str) for item in value
        ):
            raise TargetError(
                f"the target answered {response.status} with {_excerpt(response.body)}, "
                'not {"value": [presence with an id, ...]}'
            )
        found = {item["id"].lower(): item for item in value}
        observed["presences"] = {
            self.labels.get(user_id, user_id): _pair_of(item, _FIELDS) for user_id, item in found.items()
        }
        for user_id, wanted in self.presences.items():
            label = self.labels.get(user_id, user_id)
            item = found.get(user_id)
            if item is None:
                return Outcome(False, observed, f"expected an entry for {label}, got none")
            got = _pair_of(item, tuple(wanted))
            if got != wanted:
                return Outcome(False, observed, f"{label}: expected {_show(wanted)}, got {_show(got)}")
        return Outcome(True, observed)


def compile_check(step: Step, prediction: Prediction, bindings: Bindings) -> Check:
    """What ``step`` compares, given the oracle's ``prediction`` for it."""
    written = step.expect.status
    status_class = written is None or written.text.endswith("xx")
    oracle_error = None
    error = prediction.error
    if not prediction.ok and error is not None:
        oracle_error = {"code": error[0], "message": error[1]}
    presence = presences = None
    labels: dict[str, str] = {}
    document = prediction.document
    if prediction.ok and isinstance(document, dict):
        if step.is_check or step.action in _SINGLE_READS:
            presence = _pair_of(document, _fields(step.expect.presence))
        elif step.action is ActionKind.GET_PRESENCES_BY_USER_ID:
            narrowed = {bindings.users[name].lower(): _fields(e) for name, e in step.expect.presences.items()}
            presences = {}
            for item in document.get("value", ()):
                user_id = str(item["id"]).lower()
                presences[user_id] = _pair_of(item, narrowed.get(user_id, _FIELDS))
                labels[user_id] = bindings.label(user_id)
    return Check(
        status=prediction.status,
        status_class=status_class,
        graph_error=step.expect.graph_error,
        presence=presence,
        presences=presences,
        labels=labels,
        oracle_error=oracle_error,
    )
