"""What an operation answers: a status, and either a result or a Graph error (code and message)."""

from __future__ import annotations

from dataclasses import dataclass

from .vocabulary import PresencePair

__all__ = ["ErrorCode", "Outcome", "PresenceView", "Refusal"]


class ErrorCode:
    """The ``error.code`` strings the reference answers with (Graph's documented general codes)."""

    INVALID_REQUEST = "invalidRequest"
    UNAUTHENTICATED = "InvalidAuthenticationToken"
    ACCESS_DENIED = "accessDenied"
    NOT_FOUND = "itemNotFound"
    REQUEST_TOO_LARGE = "requestTooLarge"
    METHOD_NOT_ALLOWED = "methodNotAllowed"
    UNSUPPORTED_MEDIA_TYPE = "unsupportedMediaType"


class Refusal(Exception):
    """A request the model turns down: the HTTP status and the Graph error it carries.

    Raised inside the model and turned into an :class:`Outcome` at its edge, so validation reads as a
    straight sequence of checks. (A plain exception rather than a frozen dataclass, so that tools which
    annotate exceptions, such as ``add_note``, keep working.)
    """

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.status} {self.code}: {self.message}"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Refusal):
            return NotImplemented
        return (self.status, self.code, self.message) == (other.status, other.code, other.message)

    def __hash__(self) -> int:
        return hash((self.status, self.code, self.message))


@dataclass(frozen=True, slots=True)
class PresenceView:
    """A user's presence as a read returns it."""

    user_id: str
    pair: PresencePair
    sequence: str


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to one operation: ``status``, and ``refusal`` or ``presences`` (reads only)."""

    status: int
    refusal: Refusal | None = None
    presences: tuple[PresenceView, ...] = ()

    @property
    def ok(self) -> bool:
        return self.refusal is None

    @classmethod
    def refused(cls, refusal: Refusal) -> Outcome:
        return cls(refusal.status, refusal=refusal)
