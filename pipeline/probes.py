"""Probes: a thread the marketer posted in a community, read again directly by every run (and `voyage probe observe`)
for `days` (default 30), each reading an append-only snapshot of the response; compared with the community's own
threads of the same age (sql/macros/probe_norm.sql) and with the same topic in other communities.

Plain functions over a DuckDB connection (the probes' own storage, beside pipeline.store); fetching and scoring
happen in pipeline.steps.observe_probes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb

from connectors import connector_for
from connectors.rss import stable_url_id
from pipeline import store
from pipeline.errors import ConfigError
from pipeline.models import POST, Community, ScoredPost, ThreadResult

OBSERVE_DAYS = 30
WHAT_WORKS = ("a Reddit permalink into a configured subreddit (.../r/SUB/comments/ID/...), a topic of a configured "
              "Discourse forum (/t/slug/ID), a thread of a configured classic forum (viewtopic.php?t=ID, "
              "threads/slug.ID/, ...), an article of a configured blog, or a Hacker News item (item?id=N)")


def locate(communities: Sequence[Community], url: str, name: str | None = None) -> Community:
    """The configured community whose connector can follow `url` (the named one, if given); one line otherwise."""
    if name:
        community = next((c for c in communities if c.name.lower() == name.lower()), None)
        if community is None:
            known = ", ".join(c.name for c in communities) or "none configured"
            raise ConfigError(f"no community named {name!r} (known: {known})")
        if not connector_for(community.kind).thread_ref(community, url):
            raise ConfigError(f"{community.name} ({community.kind}) cannot follow {url}: give {WHAT_WORKS}")
        return community
    matches = [c for c in communities if connector_for(c.kind).thread_ref(c, url)]
    if not matches:
        raise ConfigError(f"no configured community can follow {url}: give {WHAT_WORKS}, or add its community to "
                          "voyage.toml")
    hn = [c for c in matches if c.kind == "hn"]
    if len(matches) > 1 and len(hn) == len(matches):  # any HN item fits every HN community: take the first
        return hn[0]
    if len(matches) > 1:
        raise ConfigError(f"{url} could belong to {', '.join(c.name for c in matches)}: name one with --community")
    return matches[0]


def register(con: duckdb.DuckDBPyConnection, community: Community, url: str, topic: str, *,
             hypothesis: str | None = None, declared: str = "cli", days: int = OBSERVE_DAYS,
             now: datetime | None = None) -> tuple[int, bool]:
    """Store a probe (one per thread, by its URL without scheme, www. and port). Returns (id, new?). A probe
    declared in voyage.toml follows its config (topic, hypothesis, URL); one added from the CLI stays as it is."""
    now = (now or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    key = stable_url_id(url).rstrip("/")
    found = con.execute("SELECT probe_id, declared FROM probes WHERE url_key = ?", [key]).fetchone()
    if found:
        if declared == "config" and found[1] == "config":
            con.execute("UPDATE probes SET url = ?, topic = ?, hypothesis = ? WHERE probe_id = ?",
                        [url, topic, hypothesis, found[0]])
        return found[0], False
    row = con.execute(
        "INSERT INTO probes (url, url_key, community, topic, hypothesis, declared, created_at, observe_until) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING probe_id",
        [url, key, community.name, topic, hypothesis, declared, now, now + timedelta(days=days)]).fetchone()
    return row[0], True


def declare(con: duckdb.DuckDBPyConnection, communities: Sequence[Community], probes: Iterable[Mapping[str, Any]],
            now: datetime | None = None) -> list[int]:
    """Register the [[probe]] tables of voyage.toml (new ones only; known ones follow their config). Returns the
    ids of the new ones."""
    new = []
    for item in probes:
        community = locate(communities, item["url"], item.get("community"))
        probe_id, is_new = register(con, community, item["url"], item["topic"], hypothesis=item.get("hypothesis"),
                                    declared="config", days=int(item.get("days", OBSERVE_DAYS)), now=now)
        new += [probe_id] if is_new else []
    return new


def open_probes(con: duckdb.DuckDBPyConnection, now: datetime, only: Iterable[int] | None = None
                ) -> list[dict[str, Any]]:
    """The probes still observed at `now` (or exactly those in `only`, open or not)."""
    columns, rows = store.query(con, store.sql("probes_open"),
                                {"now": now.astimezone(UTC).replace(tzinfo=None),
                                 "only": None if only is None else list(only)})
    return [dict(zip(columns, row, strict=True)) for row in rows]


def record(con: duckdb.DuckDBPyConnection, probe: Mapping[str, Any], result: ThreadResult,
           scored: Sequence[ScoredPost], now: datetime) -> dict[str, Any]:
    """In one transaction: the thread's posts (new or changed ones), the probe's thread id, and a snapshot."""
    now = now.astimezone(UTC).replace(tzinfo=None)
    root = next((s.post.id for s in scored if s.post.kind == POST), None)
    thread_id = root or probe["thread_id"]
    counted = result.state not in ("vanished", "unreachable") and thread_id is not None
    params = {"probe_id": probe["probe_id"], "thread_id": thread_id, "state": result.state, "note": result.note,
              "now": now, "counted": counted}
    with store.transaction(con):
        store.merge_posts(con, scored, now)
        if root and root != probe["thread_id"]:
            con.execute("UPDATE probes SET thread_id = ? WHERE probe_id = ?", [root, probe["probe_id"]])
        store.query(con, store.sql("probe_snapshot"), params)
        store.query(con, store.sql("probe_snapshot_values"), params)
    columns, rows = store.query(con, "SELECT * FROM probe_snapshots WHERE probe_id = $id AND observed_at = $now",
                                {"id": probe["probe_id"], "now": now})
    return dict(zip(columns, rows[0], strict=True))


def end(con: duckdb.DuckDBPyConnection, probe_id: int, *, remove: bool = False) -> None:
    """Close a probe (runs observe it no more) or remove it with its snapshots; one line if there is none."""
    if not con.execute("SELECT 1 FROM probes WHERE probe_id = ?", [probe_id]).fetchone():
        known = [str(r[0]) for r in con.execute("SELECT probe_id FROM probes ORDER BY 1").fetchall()]
        raise ConfigError(f"no probe #{probe_id} (probes: {', '.join(known) or 'none'})")
    with store.transaction(con):
        if remove:
            for table in ("probe_snapshot_values", "probe_snapshots", "probes"):
                con.execute(f"DELETE FROM {table} WHERE probe_id = ?", [probe_id])
        else:
            con.execute("UPDATE probes SET closed_at = ? WHERE probe_id = ? AND closed_at IS NULL",
                        [datetime.now(UTC).replace(tzinfo=None), probe_id])
