"""Graph's error answer (``ERR-FORMAT``) and the request ids every answer carries.

Every error the service or the server produces has this body::

    {"error": {"code": "invalidRequest",
               "message": "...",
               "innerError": {"request-id": "<uuid4>",
                              "date": "2024-05-01T12:00:00",
                              "client-request-id": "<echoed, or the request-id>"}}}

``date`` is the service clock's instant, ISO 8601 without zone and with whole seconds, as Graph writes
it. ``request-id`` is fresh for every request and is also sent as the ``request-id`` header, next to
``client-request-id``, on every answer (success or error).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..model import Refusal

__all__ = [
    "CLIENT_REQUEST_ID",
    "INTERNAL_ERROR",
    "JSON_CONTENT_TYPE",
    "REQUEST_ID",
    "RequestIds",
    "error_body",
    "error_document",
    "format_error_date",
]

REQUEST_ID = "request-id"
CLIENT_REQUEST_ID = "client-request-id"
JSON_CONTENT_TYPE = "application/json"
INTERNAL_ERROR = "generalException"
"""The code of the last-resort 500 answer (Graph's documented general code)."""

# What a client-request-id may be to be echoed: a GUID or a similar short token. Anything else (long,
# spaces, control characters, markup) is replaced by the request id rather than reflected.
_SANE_CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")


@dataclass(frozen=True, slots=True)
class RequestIds:
    """The ids of one request: ``request_id`` is ours, ``client_request_id`` the caller's (or ours)."""

    request_id: str
    client_request_id: str

    @classmethod
    def new(cls, client_request_id: str | None = None) -> RequestIds:
        """Fresh ids; ``client_request_id`` is echoed when it is a sane short token."""
        request_id = str(uuid.uuid4())
        if client_request_id is not None and _SANE_CLIENT_ID.fullmatch(client_request_id):
            return cls(request_id, client_request_id)
        return cls(request_id, request_id)

    @classmethod
    def for_headers(cls, headers: Mapping[str, str]) -> RequestIds:
        """Fresh ids for a request with these (lower-cased) headers."""
        return cls.new(headers.get(CLIENT_REQUEST_ID))

    def headers(self) -> dict[str, str]:
        """The response headers that carry the ids."""
        return {REQUEST_ID: self.request_id, CLIENT_REQUEST_ID: self.client_request_id}


def format_error_date(instant: datetime) -> str:
    """``instant`` in UTC as Graph's ``innerError.date``: ``2021-07-01T12:01:56`` (no zone, no fraction)."""
    if instant.tzinfo is not None:
        instant = instant.astimezone(UTC).replace(tzinfo=None)
    return instant.replace(microsecond=0).isoformat()


def error_document(code: str, message: str, ids: RequestIds, date: datetime) -> dict[str, Any]:
    """The error body as a JSON-able dict."""
    return {
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                REQUEST_ID: ids.request_id,
                "date": format_error_date(date),
                CLIENT_REQUEST_ID: ids.client_request_id,
            },
        }
    }


def error_body(refusal: Refusal, ids: RequestIds, date: datetime) -> bytes:
    """The error body for ``refusal``, encoded."""
    document = error_document(refusal.code, refusal.message, ids, date)
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
