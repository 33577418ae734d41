"""The seams between the engine and the outside world, and their implementations.

- :mod:`.base`: the :class:`Target`, :class:`AuthProvider` and :class:`ClockDriver` protocols;
- :mod:`.http` / :mod:`.inprocess`: targets over real HTTP and over the in-process reference service;
- :mod:`.auth`: minted (HS256), static and MSAL client-credential tokens;
- :mod:`.clock`: the test-control API clock and the real-time clock;
- :mod:`.config` / :mod:`.setup`: target configuration files and opening a target for a campaign.
"""

from __future__ import annotations

from .base import AuthProvider, ClockDriver, HttpRequest, HttpResponse, Target

__all__ = ["AuthProvider", "ClockDriver", "HttpRequest", "HttpResponse", "Target"]
