"""ISO 8601 durations as expirationDuration takes them: INT-DURATION-FORMS."""

from __future__ import annotations

from datetime import timedelta

import pytest

from reference_impl.model import DurationError, format_duration, parse_duration

PARSED = [
    pytest.param("PT5M", timedelta(minutes=5), id="INT-DURATION-FORMS: PT5M"),
    pytest.param("PT300S", timedelta(minutes=5), id="INT-DURATION-FORMS: PT300S is PT5M"),
    pytest.param("PT0H5M0S", timedelta(minutes=5), id="INT-DURATION-FORMS: zero components"),
    pytest.param("P0DT1H", timedelta(hours=1), id="INT-DURATION-FORMS: P0DT1H is PT1H"),
    pytest.param("PT1H30M", timedelta(minutes=90), id="INT-DURATION-FORMS: PT1H30M"),
    pytest.param("PT90M", timedelta(minutes=90), id="INT-DURATION-FORMS: PT90M"),
    pytest.param("PT4H", timedelta(hours=4), id="INT-DURATION-FORMS: PT4H"),
    pytest.param("PT24H", timedelta(days=1), id="INT-DURATION-FORMS: PT24H is P1D"),
    pytest.param("PT86400S", timedelta(days=1), id="INT-DURATION-FORMS: PT86400S is P1D"),
    pytest.param("P1D", timedelta(days=1), id="INT-DURATION-FORMS: P1D"),
    pytest.param("P7D", timedelta(days=7), id="INT-DURATION-FORMS: P7D"),
    pytest.param("P1DT2H3M4.5S", timedelta(days=1, hours=2, minutes=3, seconds=4.5), id="INT-DURATION-FORMS: all"),
    pytest.param("PT1.5S", timedelta(seconds=1, microseconds=500_000), id="INT-DURATION-FORMS: fractional seconds"),
    pytest.param("PT0.000001S", timedelta(microseconds=1), id="INT-DURATION-FORMS: one microsecond"),
    pytest.param("PT299.999999S", timedelta(minutes=5, microseconds=-1), id="INT-DURATION-FORMS: six decimals"),
    pytest.param("PT0S", timedelta(0), id="INT-DURATION-FORMS: PT0S parses (range is checked elsewhere)"),
    pytest.param("P0D", timedelta(0), id="INT-DURATION-FORMS: P0D parses"),
    pytest.param("PT0005M", timedelta(minutes=5), id="INT-DURATION-FORMS: leading zeros"),
]


@pytest.mark.parametrize(("text", "expected"), PARSED)
def test_parse_duration(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


MALFORMED = [
    pytest.param("", id="INT-DURATION-FORMS: empty"),
    pytest.param("P", id="INT-DURATION-FORMS: P"),
    pytest.param("PT", id="INT-DURATION-FORMS: PT"),
    pytest.param("P1DT", id="INT-DURATION-FORMS: dangling T"),
    pytest.param("PT5", id="INT-DURATION-FORMS: no designator"),
    pytest.param("5M", id="INT-DURATION-FORMS: no P"),
    pytest.param("T5M", id="INT-DURATION-FORMS: T without P"),
    pytest.param("-PT5M", id="INT-DURATION-FORMS: leading minus"),
    pytest.param("+PT5M", id="INT-DURATION-FORMS: leading plus"),
    pytest.param("PT-5M", id="INT-DURATION-FORMS: negative component"),
    pytest.param("P1Y", id="INT-DURATION-FORMS: years"),
    pytest.param("P2M", id="INT-DURATION-FORMS: months"),
    pytest.param("P1W", id="INT-DURATION-FORMS: weeks"),
    pytest.param("P1Y2M3DT4H", id="INT-DURATION-FORMS: calendar components"),
    pytest.param("pt5m", id="INT-DURATION-FORMS: lower case"),
    pytest.param("PT5m", id="INT-DURATION-FORMS: lower-case designator"),
    pytest.param(" PT5M", id="INT-DURATION-FORMS: leading space"),
    pytest.param("PT5M ", id="INT-DURATION-FORMS: trailing space"),
    pytest.param("PT5M\n", id="INT-DURATION-FORMS: trailing newline"),
    pytest.param("PT1.1234567S", id="INT-DURATION-FORMS: seven decimals"),
    pytest.param("PT1,5S", id="INT-DURATION-FORMS: decimal comma"),
    pytest.param("PT.5S", id="INT-DURATION-FORMS: no integer part"),
    pytest.param("PT5.S", id="INT-DURATION-FORMS: no fraction digits"),
    pytest.param("PT1.5M", id="INT-DURATION-FORMS: fractional minutes"),
    pytest.param("P1.5D", id="INT-DURATION-FORMS: fractional days"),
    pytest.param("PT1H1H", id="INT-DURATION-FORMS: repeated component"),
    pytest.param("PT5S5M", id="INT-DURATION-FORMS: components out of order"),
    pytest.param("PT5M/PT10M", id="INT-DURATION-FORMS: an interval"),
    pytest.param("00:05:00", id="INT-DURATION-FORMS: clock notation"),
    pytest.param("PT" + "1" * 200 + "S", id="INT-DURATION-FORMS: absurdly long text"),
    pytest.param("P" + "9" * 20 + "D", id="INT-DURATION-FORMS: too many days for a timedelta"),
]


@pytest.mark.parametrize("text", MALFORMED)
def test_malformed_duration_raises_duration_error(text: str) -> None:
    with pytest.raises(DurationError) as raised:
        parse_duration(text)
    assert isinstance(raised.value, ValueError)
    assert "PT5M" in str(raised.value) or "too long" in str(raised.value)


def test_duration_error_names_the_text() -> None:
    with pytest.raises(DurationError, match="'ten minutes'"):
        parse_duration("ten minutes")


def test_large_second_counts_keep_their_microseconds() -> None:
    # INT-DURATION-FORMS regression: seconds once went through a float and lost their microseconds.
    assert parse_duration("PT3000000000.000001S") == timedelta(seconds=3_000_000_000, microseconds=1)


@pytest.mark.parametrize("text", ["PT\uff15M", "PT\u0665M"], ids=["fullwidth digit", "Arabic-Indic digit"])
def test_non_ascii_digits_are_not_a_duration(text: str) -> None:
    # INT-DURATION-FORMS regression: \d once accepted any script's digits.
    with pytest.raises(DurationError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        pytest.param("P36500D", True, id="INT-PREF-DURATION: a century is the longest duration taken"),
        pytest.param("PT3153600000S", True, id="INT-PREF-DURATION: the same century in seconds"),
        pytest.param("P36500DT0.000001S", False, id="INT-PREF-DURATION: a microsecond more is too long"),
        pytest.param("P36501D", False, id="INT-PREF-DURATION: a day more is too long"),
    ],
)
def test_longest_duration(text: str, accepted: bool) -> None:
    # The ceiling keeps now + duration inside the calendar; it is far beyond any presence expiry.
    if accepted:
        assert parse_duration(text) == timedelta(days=36500)
    else:
        with pytest.raises(DurationError, match="too long"):
            parse_duration(text)


FORMATTED = [
    pytest.param(timedelta(minutes=5), "PT5M", id="INT-DURATION-FORMS: format PT5M"),
    pytest.param(timedelta(seconds=300), "PT5M", id="INT-DURATION-FORMS: 300 seconds is spelled PT5M"),
    pytest.param(timedelta(minutes=90), "PT1H30M", id="INT-DURATION-FORMS: format PT1H30M"),
    pytest.param(timedelta(hours=4), "PT4H", id="INT-DURATION-FORMS: format PT4H"),
    pytest.param(timedelta(days=1), "P1D", id="INT-DURATION-FORMS: format P1D"),
    pytest.param(timedelta(days=1, hours=2), "P1DT2H", id="INT-DURATION-FORMS: format P1DT2H"),
    pytest.param(timedelta(seconds=61), "PT1M1S", id="INT-DURATION-FORMS: format PT1M1S"),
    pytest.param(timedelta(seconds=1.5), "PT1.5S", id="INT-DURATION-FORMS: format fractional seconds"),
    pytest.param(timedelta(microseconds=1), "PT0.000001S", id="INT-DURATION-FORMS: format a microsecond"),
    pytest.param(timedelta(hours=1, seconds=0.25), "PT1H0.25S", id="INT-DURATION-FORMS: format PT1H0.25S"),
    pytest.param(timedelta(days=1, microseconds=10), "P1DT0.00001S", id="INT-DURATION-FORMS: format P1DT0.00001S"),
    pytest.param(timedelta(0), "PT0S", id="INT-DURATION-FORMS: format zero"),
]


@pytest.mark.parametrize(("value", "text"), FORMATTED)
def test_format_duration(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


@pytest.mark.parametrize(("value", "text"), FORMATTED)
def test_round_trip(value: timedelta, text: str) -> None:
    assert parse_duration(format_duration(value)) == value
    assert format_duration(parse_duration(text)) == text


def test_format_refuses_a_negative_duration() -> None:
    with pytest.raises(ValueError, match="negative"):
        format_duration(timedelta(seconds=-1))
