"""Who may read and write whose presence (``AUTH-PERMISSIONS``, ``AUTH-ME-APP``, ``INT-DELEGATED-OWN``).

A :class:`Caller` is what a verified token says; turning a token into a caller is the service's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .outcomes import ErrorCode, Refusal

__all__ = ["Access", "Caller", "Permission", "authorize", "authorize_me"]


class Permission:
    """Graph permission names that matter to presence."""

    READ = "Presence.Read"
    READ_ALL = "Presence.Read.All"
    READ_WRITE = "Presence.ReadWrite"
    READ_WRITE_ALL = "Presence.ReadWrite.All"


class Access(Enum):
    READ = "read"
    WRITE = "write"


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated application, acting for itself or for a signed-in user.

    ``user_id`` is set for delegated callers (the signed-in user) and ``None`` for application callers.
    ``permissions`` holds application roles or delegated scopes, as the token grants them.
    """

    app_id: str
    permissions: frozenset[str]
    user_id: str | None = None

    @property
    def delegated(self) -> bool:
        return self.user_id is not None


# Which permissions grant an access, for application callers and for delegated callers on their own or
# another user's presence. A write permission also grants reading what it may write.
_APPLICATION = {
    Access.READ: {Permission.READ_ALL, Permission.READ_WRITE_ALL},
    Access.WRITE: {Permission.READ_WRITE_ALL},
}
_DELEGATED_OWN = {
    Access.READ: {Permission.READ, Permission.READ_ALL, Permission.READ_WRITE},
    Access.WRITE: {Permission.READ_WRITE},
}
_DELEGATED_OTHER = {
    Access.READ: {Permission.READ_ALL},
    # INT-DELEGATED-OWN: no delegated scope writes another user's presence.
    Access.WRITE: set[str](),
}


def authorize(caller: Caller, access: Access, user_id: str) -> None:
    """Check that ``caller`` may have ``access`` to ``user_id``'s presence.

    Raises:
        Refusal: 403 ``accessDenied`` naming the missing permission.
    """
    if not caller.delegated:
        table = _APPLICATION
    elif caller.user_id is not None and caller.user_id.lower() == user_id.lower():  # GUIDs: case does not matter
        table = _DELEGATED_OWN
    else:
        table = _DELEGATED_OTHER
    granted = table[access]
    if granted.isdisjoint(caller.permissions):
        if not granted:
            message = f"a delegated caller cannot {access.value} the presence of another user"
        else:
            message = f"{access.value} access needs one of: {', '.join(sorted(granted))}"
        raise Refusal(403, ErrorCode.ACCESS_DENIED, message)


def authorize_me(caller: Caller) -> str:
    """The user ``/me`` stands for, for a delegated caller (``AUTH-ME-APP``).

    Raises:
        Refusal: 400 for an application caller, as ``/me`` is only valid with delegated authentication.
    """
    if caller.user_id is None:
        raise Refusal(400, ErrorCode.INVALID_REQUEST, "/me request is only valid with delegated authentication flow")
    return caller.user_id
