"""The test-control API: read, freeze, advance and release the service clock; reset everything.

No authentication; served only while the service enables it. The contract other implementations copy is
in ``docs/reference-server.md``:

- ``GET /_conformance/clock`` answers ``{"now": "<RFC 3339, Z>", "frozen": <bool>}``;
- ``POST /_conformance/clock`` takes exactly one of ``{"freeze": true}``, ``{"freeze": false}`` (run on
  from where it stands) or ``{"advance": "<ISO 8601 duration>"}`` (freezing first) and answers the same;
- ``POST /_conformance/reset`` answers 204: all presence state dropped, the clock back on real time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..model import DurationError, parse_duration
from .routing import Call, ServiceResponse, bad_request, decode_body, json_response

if TYPE_CHECKING:
    from .service import PresenceService

__all__ = ["LATEST_CLOCK", "format_instant", "get_clock", "post_clock", "post_reset"]

LATEST_CLOCK = datetime(9000, 1, 1, tzinfo=UTC)
"""The clock is never advanced past this, so the model's arithmetic (now plus hours or days) cannot overflow."""

_USAGE = 'the body must be {"freeze": true}, {"freeze": false} or {"advance": "<ISO 8601 duration>"}'


def format_instant(instant: datetime) -> str:
    """RFC 3339 in UTC with ``Z``; fractional seconds only when not whole (``2024-05-01T12:00:00Z``)."""
    instant = instant.astimezone(UTC)
    spec = "microseconds" if instant.microsecond else "seconds"
    return instant.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def _answer(now: datetime, frozen: bool) -> ServiceResponse:
    return json_response(200, {"now": format_instant(now), "frozen": frozen})


def get_clock(service: PresenceService, call: Call) -> ServiceResponse:
    """``GET /_conformance/clock``."""
    return _answer(*service.clock.reading())


def post_clock(service: PresenceService, call: Call) -> ServiceResponse:
    """``POST /_conformance/clock``: freeze, release or advance; a refused request moves nothing."""
    # Test tooling, not Graph: ``curl -d '{"freeze": true}'`` labels its body as a form, so the media type
    # is not insisted on here; the body must still be JSON.
    body = decode_body(call, any_media_type=True)
    if not isinstance(body, dict) or len(body) != 1 or not body.keys() <= {"freeze", "advance"}:
        raise bad_request(_USAGE)
    clock = service.clock
    if "freeze" in body:
        if not isinstance(body["freeze"], bool):
            raise bad_request(_USAGE)
        return _answer(clock.freeze(), True) if body["freeze"] else _answer(clock.release(), False)
    if not isinstance(body["advance"], str):
        raise bad_request(_USAGE)
    try:
        delta = parse_duration(body["advance"])
    except DurationError as exc:
        raise bad_request(f"advance: {exc}") from None
    if delta > LATEST_CLOCK - clock.now():
        raise bad_request(f"advance: the clock cannot move past {format_instant(LATEST_CLOCK)}")
    return _answer(clock.advance(delta), True)


def post_reset(service: PresenceService, call: Call) -> ServiceResponse:
    """``POST /_conformance/reset``: 204; every user forgotten, the clock back on real time (body ignored)."""
    service.reset()
    return ServiceResponse(204, {})
