"""The presence resource as Graph returns it (``READ-PRESENCE``, ``READ-BATCH``).

A single read answers::

    {"@odata.context": "<base>/v1.0/$metadata#users('<id>')/presence/$entity",
     "id": "<user id>", "availability": "Busy", "activity": "InACall",
     "statusMessage": null,
     "outOfOfficeSettings": {"message": null, "isOutOfOffice": false},
     "sequenceNumber": "<lexicographically sortable stamp>"}

and ``getPresencesByUserId`` answers ``{"@odata.context": ".../$metadata#Collection(microsoft.graph.presence)",
"value": [<presence without @odata.context>, ...]}``. Status messages and out-of-office settings are
outside this suite, so they are always empty, as Graph shows them for a user who set none.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..model import PresenceView

__all__ = [
    "API_VERSION",
    "communications_presence_context",
    "presence_collection",
    "presence_collection_context",
    "presence_resource",
    "user_presence_context",
]

API_VERSION = "v1.0"


def _metadata(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/{API_VERSION}/$metadata"


def user_presence_context(base_url: str, user_id: str) -> str:
    """``@odata.context`` of ``/users/{id}/presence`` and ``/me/presence``."""
    return f"{_metadata(base_url)}#users('{user_id}')/presence/$entity"


def communications_presence_context(base_url: str) -> str:
    """``@odata.context`` of ``/communications/presences/{id}``."""
    return f"{_metadata(base_url)}#communications/presences/$entity"


def presence_collection_context(base_url: str) -> str:
    """``@odata.context`` of ``getPresencesByUserId``."""
    return f"{_metadata(base_url)}#Collection(microsoft.graph.presence)"


def presence_resource(view: PresenceView, *, context: str | None = None) -> dict[str, Any]:
    """The presence JSON object for ``view``; ``context`` is omitted inside a collection."""
    resource: dict[str, Any] = {} if context is None else {"@odata.context": context}
    resource.update(
        {
            "id": view.user_id,
            "availability": str(view.pair.availability),
            "activity": str(view.pair.activity),
            "statusMessage": None,
            "outOfOfficeSettings": {"message": None, "isOutOfOffice": False},
            "sequenceNumber": view.sequence,
        }
    )
    return resource


def presence_collection(views: Iterable[PresenceView], *, context: str) -> dict[str, Any]:
    """The ``getPresencesByUserId`` answer: ``{"@odata.context", "value": [...]}``."""
    return {"@odata.context": context, "value": [presence_resource(view) for view in views]}
