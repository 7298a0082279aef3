"""Fixtures: a scripted vendor HTTP server on 127.0.0.1 per test, and a controllable clock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from tests.providers.stub_http import StubHTTPServer


@pytest_asyncio.fixture
async def stub() -> AsyncIterator[StubHTTPServer]:
    server = StubHTTPServer()
    await server.start()
    try:
        yield server
    finally:
        await server.close()


class FakeClock:
    """Monotonic clock the test moves by hand: breakers are tested without waiting 30 s."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
