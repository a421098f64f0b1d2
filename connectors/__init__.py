"""Connectors: one module per source kind, each with `fetch(community, cursor, ctx) -> FetchResult`."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, TypeVar
from urllib.parse import urlsplit

from connectors.http import Http
from pipeline.errors import ConfigError
from pipeline.models import Community, Cursor, FetchResult, ThreadResult

T = TypeVar("T")

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
    # runs CPU-heavy parsing elsewhere (the run's worker processes, beside the fetching): offload(fn, *args)
    offload: Callable[..., Any] | None = None

    def parse(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in the run's worker processes when there are some, else here."""
        return self.offload(function, *args) if self.offload else function(*args)


class Connector(Protocol):
    def fetch(self, community: Community, cursor: Cursor, ctx: FetchContext) -> FetchResult: ...

    # A probe's thread, read directly: its id in the source when `url` is one of this community's threads (None
    # otherwise, without a request), and the thread itself with what became of it.
    def thread_ref(self, community: Community, url: str) -> str | None: ...

    def thread(self, community: Community, url: str, ctx: FetchContext) -> ThreadResult: ...


def setting(community: Community, ctx: FetchContext, name: str) -> float:
    """A community's own override of a [fetch] setting (e.g. `lag_hours = 12` in its table), else the setting."""
    value = community.options.get(name, getattr(ctx.http.settings, name))
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"community {community.name!r}: `{name}` must be a number (got {value!r})") from None


def since(community: Community, cursor: Cursor, ctx: FetchContext) -> datetime:
    """Where an incremental fetch starts (inclusive): the newest item seen minus the lag window, so edits, new
    comments and score changes land (a cursor dated in the future counts as now); on a first run, the lookback."""
    if cursor.newest:
        return min(cursor.newest, ctx.now) - timedelta(hours=setting(community, ctx, "lag_hours"))
    return ctx.now - timedelta(days=setting(community, ctx, "lookback_days"))


def horizon(community: Community, ctx: FetchContext) -> datetime:
    """The oldest a post may be and still be watched (for new comments, thread roots): now minus the lookback."""
    return ctx.now - timedelta(days=setting(community, ctx, "lookback_days"))


def on_site(url: str, base: str | None) -> bool:
    """Whether `url` lies under the community's `base` URL: same host (without `www.`, port and scheme, any case)
    and under its path (a feed or page file name in `base` counts as its folder)."""
    if not base:
        return False
    one, two = urlsplit(url), urlsplit(base)
    host = (one.hostname or "").removeprefix("www.")
    if not host or host != (two.hostname or "").removeprefix("www."):
        return False
    folder = two.path if two.path.endswith("/") else two.path.rsplit("/", 1)[0] + "/"
    return (one.path.rstrip("/") + "/").startswith(folder)


def connector_for(kind: str) -> Connector:
    if kind not in KINDS:
        raise ConfigError(f"unknown community kind {kind!r} (known: {', '.join(sorted(KINDS))})")
    return importlib.import_module(KINDS[kind])  # type: ignore[return-value]
