"""Fixtures for the in-process service tests: a service on a manual clock, and a client for it."""

from __future__ import annotations

import pytest
from service_helpers import START, Api

from reference_impl.service import PresenceService, ServiceClock, ServiceConfig


@pytest.fixture
def clock() -> ServiceClock:
    return ServiceClock.manual(START)


@pytest.fixture
def service(clock: ServiceClock) -> PresenceService:
    return PresenceService(ServiceConfig(), clock)


@pytest.fixture
def api(service: PresenceService) -> Api:
    return Api(service)
