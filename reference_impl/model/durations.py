"""ISO 8601 durations as Graph's ``expirationDuration`` takes them.

Contract (``INT-DURATION-FORMS``): a duration is ``P[nD][T[nH][nM][n[.f]S]]`` with at least one
component, no sign, and no year, month or week designator (their length in seconds is not fixed).
Any such spelling counts by its length: ``PT300S`` and ``PT5M`` are the same duration.
"""

from __future__ import annotations

import re
from datetime import timedelta

__all__ = ["MAX_DURATION", "DurationError", "format_duration", "parse_duration"]

# ASCII digits only: in a str pattern \d would also match other scripts' digits.
_DURATION = re.compile(
    r"P(?:(?P<days>[0-9]+)D)?"
    r"(?:T(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?(?:(?P<seconds>[0-9]+)(?:\.(?P<fraction>[0-9]{1,6}))?S)?)?"
)
# Long enough for any real duration, short enough that a hostile value cannot make us build a huge number.
_MAX_TEXT = 64
# Far beyond any presence expiry, and small enough that now + duration never leaves the calendar.
MAX_DURATION = timedelta(days=36500)


class DurationError(ValueError):
    """The text is not an ISO 8601 day-time duration."""


def parse_duration(text: str) -> timedelta:
    """Parse ``text`` as a day-time ISO 8601 duration.

    Raises:
        DurationError: with a message naming the text, when it is not one.
    """
    match = _DURATION.fullmatch(text) if len(text) <= _MAX_TEXT else None
    if match is None or text in ("P", "PT") or text.endswith("T"):
        raise DurationError(f"{text[:_MAX_TEXT]!r} is not an ISO 8601 duration such as PT5M or PT1H30M")
    parts = match.groupdict()
    try:
        value = timedelta(
            days=int(parts["days"] or 0),
            hours=int(parts["hours"] or 0),
            minutes=int(parts["minutes"] or 0),
            seconds=int(parts["seconds"] or 0),
            # Whole microseconds from the digits, not through a float, so long durations stay exact.
            microseconds=int((parts["fraction"] or "").ljust(6, "0")),
        )
    except OverflowError:
        value = MAX_DURATION + MAX_DURATION
    if value > MAX_DURATION:
        raise DurationError(f"{text!r} is too long a duration (at most {MAX_DURATION.days} days)")
    return value


def format_duration(value: timedelta) -> str:
    """Spell a non-negative duration canonically (``PT5M``, ``PT1H30M``, ``P1DT2H``, ``PT0S``)."""
    if value < timedelta(0):
        raise ValueError(f"negative duration {value!r}")
    whole = value.days * 86400 + value.seconds
    micros = value.microseconds
    days, rest = divmod(whole, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    out = "P"
    if days:
        out += f"{days}D"
    time = ""
    if hours:
        time += f"{hours}H"
    if minutes:
        time += f"{minutes}M"
    if seconds or micros:
        time += f"{seconds}.{micros:06d}".rstrip("0").rstrip(".") + "S" if micros else f"{seconds}S"
    if time:
        out += "T" + time
    return out if out != "P" else "PT0S"
