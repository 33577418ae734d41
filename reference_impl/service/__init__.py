"""Graph's presence API over the model, without a web framework: the reference service.

:class:`PresenceService` answers one request at a time (``dispatch(method, path, headers, body)``) with
Graph's status codes, resource JSON and error bodies, keeping every user's state in memory and reading
time from a :class:`ServiceClock`. The HTTP server (``reference_impl.server``) and the engine's in-process
oracle are both thin callers of it.

==================  ======================================================================
module              what it holds
==================  ======================================================================
``service``         the endpoint table and the request sequence of every presence endpoint
``routing``         requests and answers as handlers see them; matching a request to an endpoint
``control``         the test-control API (``/_conformance``)
``store``           every user's model state (thread-safe), with the propagation delay
``tokens``          HS256 bearer tokens: minting, verification, the ``token`` command
``errors``          Graph's error body and the request ids every answer carries
``resources``       the presence resource JSON
``clock``           the service clock: real, frozen, advanced or scaled
==================  ======================================================================
"""

from __future__ import annotations

from .clock import ServiceClock, utc_now
from .control import format_instant
from .errors import RequestIds, error_body, error_document, format_error_date
from .resources import presence_collection, presence_resource
from .routing import Endpoint, ServiceResponse
from .service import ENDPOINTS, PresenceService, ServiceConfig
from .store import PresenceStore
from .tokens import DEV_TOKEN_SECRET, GRAPH_AUDIENCE, main_token, mint_token, verify_authorization

__all__ = [
    "DEV_TOKEN_SECRET",
    "ENDPOINTS",
    "GRAPH_AUDIENCE",
    "Endpoint",
    "PresenceService",
    "PresenceStore",
    "RequestIds",
    "ServiceClock",
    "ServiceConfig",
    "ServiceResponse",
    "error_body",
    "error_document",
    "format_error_date",
    "format_instant",
    "main_token",
    "mint_token",
    "presence_collection",
    "presence_resource",
    "utc_now",
    "verify_authorization",
]
