"""Shared fixtures: a loopback server over tests/fixtures, a polite-but-fast HTTP client, a fresh DuckDB file."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from connectors.http import Http  # noqa: E402
from pipeline.models import FetchSettings  # noqa: E402
from pipeline.sample.server import SampleServer  # noqa: E402

FIXTURES = Path(__file__).parent / "fixtures"
FAST = FetchSettings(rate_per_host=1000.0, burst=1000, backoff=0.01, read_timeout=2.0, connect_timeout=1.0,
                     total_timeout=5.0, max_retry_after=3.0)


@pytest.fixture
def server() -> Iterator[SampleServer]:
    """A fresh loopback server over tests/fixtures; add fault routes with `server.route(prefix, handler)`."""
    with SampleServer(FIXTURES) as srv:
        yield srv


@pytest.fixture
def http() -> Iterator[Http]:
    with Http(FAST) as client:
        yield client


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "voyage.duckdb"


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """A real, temporary Prefect API for the whole session (~10 s to start, so once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield
