"""Who may read and write whose presence: AUTH-PERMISSIONS, AUTH-ME-APP, READ-ME and INT-DELEGATED-OWN."""

from __future__ import annotations

import pytest

from reference_impl.model import Access, Caller, Refusal, authorize, authorize_me

from ._support import APP_A, USER

OTHER_USER = "0b6e1a3c-2d4f-4a5b-8c7d-9e0f1a2b3c4d"

READ = "Presence.Read"
READ_ALL = "Presence.Read.All"
READ_WRITE = "Presence.ReadWrite"
READ_WRITE_ALL = "Presence.ReadWrite.All"


def app(*permissions: str) -> Caller:
    return Caller(APP_A, frozenset(permissions))


def delegated(*permissions: str) -> Caller:
    return Caller(APP_A, frozenset(permissions), user_id=USER)


# (caller, access, target user, allowed)
AUTHORIZATION_TABLE = [
    # application callers: roles, any user
    pytest.param(app(READ_WRITE_ALL), Access.WRITE, OTHER_USER, True, id="AUTH-PERMISSIONS: app ReadWrite.All writes"),
    pytest.param(app(READ_WRITE_ALL), Access.READ, OTHER_USER, True, id="AUTH-PERMISSIONS: app ReadWrite.All reads"),
    pytest.param(app(READ_ALL), Access.READ, OTHER_USER, True, id="AUTH-PERMISSIONS: app Read.All reads"),
    pytest.param(app(READ_ALL), Access.WRITE, OTHER_USER, False, id="AUTH-PERMISSIONS: app Read.All cannot write"),
    pytest.param(app(), Access.READ, OTHER_USER, False, id="AUTH-PERMISSIONS: app without roles cannot read"),
    pytest.param(app(), Access.WRITE, OTHER_USER, False, id="AUTH-PERMISSIONS: app without roles cannot write"),
    pytest.param(
        app(READ_WRITE), Access.WRITE, OTHER_USER, False, id="AUTH-PERMISSIONS: a delegated scope on an app token"
    ),
    pytest.param(app(READ), Access.READ, OTHER_USER, False, id="AUTH-PERMISSIONS: app with delegated Read cannot read"),
    pytest.param(
        app("User.Read.All", "Calendars.ReadWrite"), Access.READ, USER, False, id="AUTH-PERMISSIONS: unrelated roles"
    ),
    # delegated callers, the signed-in user's own presence
    pytest.param(delegated(READ_WRITE), Access.WRITE, USER, True, id="AUTH-PERMISSIONS: delegated ReadWrite own write"),
    pytest.param(delegated(READ_WRITE), Access.READ, USER, True, id="AUTH-PERMISSIONS: delegated ReadWrite own read"),
    pytest.param(delegated(READ), Access.READ, USER, True, id="AUTH-PERMISSIONS: delegated Read own read"),
    pytest.param(delegated(READ), Access.WRITE, USER, False, id="AUTH-PERMISSIONS: delegated Read cannot write"),
    pytest.param(delegated(READ_ALL), Access.READ, USER, True, id="AUTH-PERMISSIONS: delegated Read.All own read"),
    pytest.param(delegated(READ_ALL), Access.WRITE, USER, False, id="AUTH-PERMISSIONS: delegated Read.All no write"),
    pytest.param(delegated(), Access.READ, USER, False, id="AUTH-PERMISSIONS: delegated without scopes cannot read"),
    pytest.param(
        delegated(READ_WRITE),
        Access.WRITE,
        USER.upper(),
        True,
        id="INT-DELEGATED-OWN: the signed-in user's id in another case is still their own",
    ),
    # delegated callers, another user's presence
    pytest.param(delegated(READ_ALL), Access.READ, OTHER_USER, True, id="AUTH-PERMISSIONS: delegated Read.All others"),
    pytest.param(delegated(READ), Access.READ, OTHER_USER, False, id="AUTH-PERMISSIONS: delegated Read only own"),
    pytest.param(
        delegated(READ_WRITE), Access.READ, OTHER_USER, False, id="AUTH-PERMISSIONS: delegated ReadWrite reads only own"
    ),
    pytest.param(
        delegated(READ_WRITE), Access.WRITE, OTHER_USER, False, id="INT-DELEGATED-OWN: ReadWrite cannot write another's"
    ),
    pytest.param(
        delegated(READ_WRITE, READ_ALL),
        Access.WRITE,
        OTHER_USER,
        False,
        id="INT-DELEGATED-OWN: no scope combination writes another's",
    ),
    pytest.param(
        delegated(READ_WRITE, READ_ALL, READ_WRITE_ALL),
        Access.WRITE,
        OTHER_USER,
        False,
        id="INT-DELEGATED-OWN: not even with ReadWrite.All in a delegated token",
    ),
]


@pytest.mark.parametrize(("caller", "access", "user_id", "allowed"), AUTHORIZATION_TABLE)
def test_authorization_table(caller: Caller, access: Access, user_id: str, allowed: bool) -> None:
    if allowed:
        assert authorize(caller, access, user_id) is None
        return
    with pytest.raises(Refusal) as raised:
        authorize(caller, access, user_id)
    assert (raised.value.status, raised.value.code) == (403, "accessDenied")


def test_refusal_names_the_permission_that_is_missing() -> None:
    # AUTH-PERMISSIONS: the 403 tells the caller what would have worked.
    with pytest.raises(Refusal) as raised:
        authorize(app(READ_ALL), Access.WRITE, USER)
    assert READ_WRITE_ALL in raised.value.message


def test_delegated_write_to_another_user_says_why() -> None:
    # INT-DELEGATED-OWN
    with pytest.raises(Refusal) as raised:
        authorize(delegated(READ_WRITE), Access.WRITE, OTHER_USER)
    assert "another user" in raised.value.message


@pytest.mark.parametrize(
    "caller",
    [
        pytest.param(app(READ_WRITE_ALL), id="AUTH-ME-APP: app caller with roles"),
        pytest.param(app(), id="AUTH-ME-APP: app caller without roles"),
    ],
)
def test_me_is_refused_for_application_callers(caller: Caller) -> None:
    with pytest.raises(Refusal) as raised:
        authorize_me(caller)
    assert (raised.value.status, raised.value.code) == (400, "invalidRequest")


@pytest.mark.parametrize(
    "caller",
    [
        pytest.param(delegated(READ), id="READ-ME: delegated caller"),
        pytest.param(delegated(), id="READ-ME: /me resolves before permissions are checked"),
    ],
)
def test_me_is_the_signed_in_user(caller: Caller) -> None:
    assert authorize_me(caller) == USER
