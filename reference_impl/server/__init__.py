"""The reference server: the presence service over real HTTP (Starlette on uvicorn).

- :func:`create_app` turns a :class:`~reference_impl.service.PresenceService` into an ASGI app;
- :func:`serve_in_thread` runs one on a loopback port in the background (tests, the engine);
- :func:`add_serve_arguments` and :func:`run_serve` are ``presence-conformance serve``.
"""

from __future__ import annotations

from .app import create_app
from .runner import RunningServer, ServerOptions, add_serve_arguments, run_serve, serve_in_thread

__all__ = ["RunningServer", "ServerOptions", "add_serve_arguments", "create_app", "run_serve", "serve_in_thread"]
