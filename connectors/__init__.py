"""Connectors: one module per source kind, each with `fetch(community, cursor, ctx) -> FetchResult`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from connectors.http import Http
from pipeline.errors import ConfigError
from pipeline.models import Community, Cursor, FetchResult

# kind -> module; imported lazily so that praw is only loaded when a Reddit community is fetched
KINDS = {
    "rss": "connectors.rss",
    "reddit": "connectors.reddit",
    "discourse": "connectors.discourse",
    "forum": "connectors.forum",
    "hn": "connectors.hn",
}


@dataclass
class FetchContext:
    """Everything external a connector may use: passed in, never created inside a connector."""

    http: Http
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    reddit: Callable[[], Any] | None = None  # builds (once) the praw.Reddit instance to use


class Connector(Protocol):
    def fetch(self, community: Community, cursor: Cursor, ctx: FetchContext) -> FetchResult: ...


def connector_for(kind: str) -> Connector:
    if kind not in KINDS:
        raise ConfigError(f"unknown community kind {kind!r} (known: {', '.join(sorted(KINDS))})")
    return importlib.import_module(KINDS[kind])  # type: ignore[return-value]
