"""The words of presence: availability and activity values, and the pairs each operation accepts.

Values are matched exactly as Graph spells them (PascalCase). Whether a target may also accept other
casings is an interpretation (``INT-CASE-SENSITIVE``) handled where request bodies are read, not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "OFFLINE",
    "PREFERRED_PAIRS",
    "SESSION_PAIRS",
    "Activity",
    "Availability",
    "PresencePair",
]


class Availability(StrEnum):
    """Base presence values Graph reports (the resource page's long-standing list)."""

    AVAILABLE = "Available"
    AVAILABLE_IDLE = "AvailableIdle"
    AWAY = "Away"
    BE_RIGHT_BACK = "BeRightBack"
    BUSY = "Busy"
    BUSY_IDLE = "BusyIdle"
    DO_NOT_DISTURB = "DoNotDisturb"
    OFFLINE = "Offline"
    PRESENCE_UNKNOWN = "PresenceUnknown"


class Activity(StrEnum):
    """Supplemental presence values, plus ``AvailableInactive`` which the setPresence page names as the first fade."""

    AVAILABLE = "Available"
    AVAILABLE_INACTIVE = "AvailableInactive"
    AWAY = "Away"
    BE_RIGHT_BACK = "BeRightBack"
    BUSY = "Busy"
    DO_NOT_DISTURB = "DoNotDisturb"
    IN_A_CALL = "InACall"
    IN_A_CONFERENCE_CALL = "InAConferenceCall"
    INACTIVE = "Inactive"
    IN_A_MEETING = "InAMeeting"
    OFFLINE = "Offline"
    OFF_WORK = "OffWork"
    OUT_OF_OFFICE = "OutOfOffice"
    PRESENCE_UNKNOWN = "PresenceUnknown"
    PRESENTING = "Presenting"
    URGENT_INTERRUPTIONS_ONLY = "UrgentInterruptionsOnly"


@dataclass(frozen=True, slots=True)
class PresencePair:
    """An (availability, activity) pair as Graph shows it."""

    availability: Availability
    activity: Activity

    def __str__(self) -> str:
        return f"{self.availability}/{self.activity}"


def _pair(availability: Availability, activity: Activity) -> PresencePair:
    return PresencePair(availability, activity)


# SET-PAIRS: the five combinations setPresence supports.
SESSION_PAIRS: frozenset[PresencePair] = frozenset(
    {
        _pair(Availability.AVAILABLE, Activity.AVAILABLE),
        _pair(Availability.BUSY, Activity.IN_A_CALL),
        _pair(Availability.BUSY, Activity.IN_A_CONFERENCE_CALL),
        _pair(Availability.AWAY, Activity.AWAY),
        _pair(Availability.DO_NOT_DISTURB, Activity.PRESENTING),
    }
)

# PREF-PAIRS: the six combinations setUserPreferredPresence supports.
PREFERRED_PAIRS: frozenset[PresencePair] = frozenset(
    {
        _pair(Availability.AVAILABLE, Activity.AVAILABLE),
        _pair(Availability.BUSY, Activity.BUSY),
        _pair(Availability.DO_NOT_DISTURB, Activity.DO_NOT_DISTURB),
        _pair(Availability.BE_RIGHT_BACK, Activity.BE_RIGHT_BACK),
        _pair(Availability.AWAY, Activity.AWAY),
        _pair(Availability.OFFLINE, Activity.OFF_WORK),
    }
)

# INT-OFFLINE-PAIR: what a user with nothing to show looks like.
OFFLINE = _pair(Availability.OFFLINE, Activity.OFFLINE)
