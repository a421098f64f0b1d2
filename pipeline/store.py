"""The DuckDB file: schema and views applied on open, bulk idempotent loads, cursors, runs, reads.

The only module that imports duckdb. One community's batch, its cursor and its run row commit in one
transaction, so a crash at any moment leaves the file as it was before that community's load. Every write of posts,
sentiment or mentions also refreshes, in its transaction, the rollups the views read (refresh_rollups).
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from pipeline.errors import ConfigError, DatabaseLocked, StorageError, one_line
from pipeline.models import Community, Cursor, Post, ScoredPost, post_key, redact, utc

# in a checkout (and an editable install) sql/ sits beside pipeline/; a built wheel carries it as pipeline/sql
SQL = next(p for p in (Path(__file__).resolve().parent / d / "sql" for d in (".", "..")) if (p / "schema").is_dir())
LOCK_WAIT = 10.0  # seconds a writer waits for another process to release the file ($VOYAGE_LOCK_WAIT)
# A run's loads wait longer: what they hold was fetched and scored already, and the usual holders let go soon (a
# rescore works in batches of seconds, `voyage sql` and a notebook's query end); 15 minutes covers a long query
# without letting a daily run hang on a forgotten notebook connection for ever.
LOAD_WAIT = 900.0
T = TypeVar("T")
# A reader (voyage sql and every read command) sees this file and nothing else: no other file read or written
# (the author-key file beside the database, COPY ... TO, ATTACH), no extension fetched over the network, and no
# statement may turn these back on. Exporting is its own command.
READER_CONFIG = {"enable_external_access": False, "autoinstall_known_extensions": False,
                 "autoload_known_extensions": False, "lock_configuration": True}


@dataclass(frozen=True, slots=True)
class RunRow:
    run_id: str
    community: str
    started_at: datetime
    finished_at: datetime
    status: str  # ok / warning / failed / skipped
    fetched: int = 0
    new: int = 0
    updated: int = 0
    missed: int = 0
    requests: int = 0
    error_class: str | None = None
    error: str | None = None

    @property
    def duration_s(self) -> float:
        return round((self.finished_at - self.started_at).total_seconds(), 3)


@cache
def sql(name: str) -> str:
    """A statement from sql/queries/<name>.sql."""
    return (SQL / "queries" / f"{name}.sql").read_text(encoding="utf-8")


def connect(
    path: Path | str, *, read_only: bool = False, wait: float | None = None, config: dict[str, Any] | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the file (migrating it when writable); wait up to `wait` seconds (default: $VOYAGE_LOCK_WAIT,
    else LOCK_WAIT) for another process's lock, then fail with DatabaseLocked."""
    path = Path(path)
    if read_only:
        require(path)
    config = (READER_CONFIG if read_only else {}) if config is None else config
    con = _when_unlocked(path, wait, lambda: duckdb.connect(str(path), read_only=read_only, config=config))
    if not read_only:
        migrate(con)
    return con


def require(path: Path | str) -> None:
    """For commands that only make sense on stored data: a missing file is a clear error, not a new file."""
    if not Path(path).exists():
        raise StorageError(f"no database at {path}: run `voyage run` or `voyage demo` first")


def load_wait() -> float:
    """How long a run's load waits for the file: $VOYAGE_LOCK_WAIT when set, else LOAD_WAIT."""
    return lock_wait() if "VOYAGE_LOCK_WAIT" in os.environ else LOAD_WAIT


def lock_wait() -> float:
    try:
        return float(os.environ.get("VOYAGE_LOCK_WAIT", LOCK_WAIT))
    except ValueError as exc:
        value = os.environ["VOYAGE_LOCK_WAIT"]
        raise ConfigError(f"VOYAGE_LOCK_WAIT must be a number of seconds, not {value!r}") from exc


def _when_unlocked(path: Path, wait: float | None, attempt: Callable[[], T]) -> T:
    started = time.monotonic()
    deadline, said = started + (lock_wait() if wait is None else wait), started
    while True:
        try:
            return attempt()
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise StorageError(f"cannot open {path}: {one_line(exc, 400)}") from exc
            if time.monotonic() - said >= 10:  # a visible wait, not a silent hang
                said = time.monotonic()
                print(f"voyage: waiting for {path}, in use by {_lock_holder(exc)}; up to "
                      f"{max(0.0, deadline - said):.0f}s more", file=sys.stderr, flush=True)
            if time.monotonic() >= deadline:
                raise DatabaseLocked(f"{path} is in use by {_lock_holder(exc)}; try again when it has finished "
                                     "or closed the file") from exc
            time.sleep(0.2)
        except duckdb.Error as exc:
            raise StorageError(f"cannot open {path}: {one_line(exc, 400)}") from exc


def _lock_holder(exc: Exception) -> str:
    """Who holds the file, as DuckDB tells it: a voyage run, or any reader (a notebook's duckdb.connect)."""
    found = re.search(r"held in (\S+) \(PID (\d+)\)", str(exc))
    if not found:
        return "another process"
    return f"another process (PID {found.group(2)}, {Path(found.group(1)).name}: a voyage run or scan, or a " \
           "program reading it such as a notebook)"


@contextmanager
def run_lock(path: Path | str) -> Iterator[None]:
    """One run per file at a time, claimed before anything is fetched: a second `voyage run` (or scan, or
    demo) on the same file stops at once instead of fetching everything only to wait for the first one."""
    lock_path = Path(f"{path}.run-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise DatabaseLocked(f"another voyage run ({holder}) is using {path}; try again when it has "
                                 "finished") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"PID {os.getpid()}")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextmanager
def opened(
    path: Path | str, *, read_only: bool = False, wait: float | None = None, config: dict[str, Any] | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only, wait=wait, config=config)
    try:
        yield con
    finally:
        con.close()


@cache
def sql_digest() -> str:
    """A digest of every schema, macro and view file: what a migrated file records, so the next open can skip."""
    digest = hashlib.sha256()
    for file in sorted((SQL / "schema").glob("*.sql")) + sorted((SQL / "macros").glob("*.sql")) + sorted(
            (SQL / "views").glob("*.sql")):
        digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Apply sql/schema/NNN_*.sql files not yet recorded, then (re)create every view in sql/views/; nothing at all
    when the file records the digest of the SQL files this code carries."""
    try:
        if con.execute("SELECT digest FROM schema_digest").fetchone() == (sql_digest(),):
            return
    except duckdb.CatalogException:  # a new file, or one from before the digest
        pass
    con.execute((SQL / "schema" / "000_migrations.sql").read_text(encoding="utf-8"))
    applied = {row[0] for row in con.execute(sql("applied_migrations")).fetchall()}
    for file in sorted((SQL / "schema").glob("[0-9][0-9][0-9]_*.sql")):
        version = int(file.name[:3])
        if version == 0 or version in applied:
            continue
        with transaction(con):
            con.execute(file.read_text(encoding="utf-8"))
            if file.stem.endswith("_rollups"):  # a migration that adds or changes rollups fills them
                refresh_rollups(con)
            con.execute(sql("record_migration"), {"version": version, "name": file.stem})
    create_views(con, sorted((SQL / "macros").glob("*.sql")) + sorted((SQL / "views").glob("*.sql")))
    with transaction(con):
        con.execute("DELETE FROM schema_digest")
        con.execute("INSERT INTO schema_digest VALUES (?)", [sql_digest()])


def create_views(con: duckdb.DuckDBPyConnection, files: list[Path]) -> None:
    """CREATE OR REPLACE each view (or table macro); one that needs another is retried after the others."""
    pending = files
    while pending:
        failed = []
        for file in pending:
            try:
                con.execute(file.read_text(encoding="utf-8"))
            except duckdb.CatalogException:
                failed.append(file)
        if len(failed) == len(pending):
            con.execute(failed[0].read_text(encoding="utf-8"))  # raises the real error
        pending = failed


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def read_cursor(con: duckdb.DuckDBPyConnection, community: Community) -> Cursor:
    """The community's cursor, or a fresh one when it was made for another location (a changed url, feeds,
    subreddit, ...): its validators, feed URL and watched items would read the old place. Stored posts stay."""
    row = con.execute(sql("read_cursor"), {"community": community.name}).fetchone()
    text = row[0] if row else None
    for i, secret in enumerate(community.secrets):
        text = text.replace(f"{{{{secret:{i}}}}}", secret) if text else text
    cursor = Cursor.from_json(text)
    return cursor if cursor.location == community.fingerprint else Cursor(location=community.fingerprint)


def load_community(
    con: duckdb.DuckDBPyConnection, community: Community, scored: Sequence[ScoredPost], cursor: Cursor, run: RunRow,
    digests: Mapping[str, str] | None = None,
) -> RunRow:
    """Upsert one community's scored batch with its cursor and run row, all or nothing. Returns the run row
    with the new/updated counts filled in."""
    now = datetime.now(UTC).replace(tzinfo=None)
    try:
        with transaction(con):
            new, updated = merge_posts(con, scored, now, digests)
            con.execute(sql("upsert_community"), _community_row(community, now))
            text = replace(cursor, location=community.fingerprint).to_json()
            for i, secret in enumerate(community.secrets):  # the feed URLs it keeps may carry credentials
                text = text.replace(secret, f"{{{{secret:{i}}}}}")
            con.execute(sql("upsert_cursor"), {"community": community.name, "cursor": text, "now": now})
            run = replace(run, new=new, updated=updated)
            record_run(con, run)
    except duckdb.Error as exc:
        raise StorageError(f"loading {community.name} failed and was rolled back: {one_line(exc, 400)}") from exc
    return run


def merge_posts(con: duckdb.DuckDBPyConnection, scored: Sequence[ScoredPost], now: datetime,
                digests: Mapping[str, str] | None = None) -> tuple[int, int]:
    """Inside the caller's transaction: write the new or changed posts of a batch, with their sentiment and mentions
    (and each post's source digest, when known). Returns (new, updated)."""
    latest = {s.post.id: s for s in scored}  # a batch may repeat a post: the last one wins
    con.execute(sql("stage_create"))
    _stage(con, list(latest.values()), now, digests or {})
    con.execute(sql("stage_changes"))
    new, updated = con.execute(sql("count_changes")).fetchone()
    con.execute(sql("merge_batch"))
    if new or updated:
        refresh_rollups(con, [row[0] for row in con.execute(sql("changed_communities")).fetchall()])
    return new, updated


def refresh_rollups(con: duckdb.DuckDBPyConnection, communities: Iterable[str] | None = None) -> None:
    """Inside the caller's transaction: re-aggregate the rollups the views read (sql/schema/070_rollups.sql) for
    these communities (None: all) from their stored rows. Every write of posts, sentiment or mentions calls it."""
    scope = None if communities is None else sorted(set(communities))
    if scope == []:
        return
    con.execute(sql("rollup_scope"), {"communities": scope})
    con.execute(sql("refresh_rollups"))


def _communities_of(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """The communities of the posts whose ids a temp table holds."""
    return [row[0] for row in con.execute(sql("post_communities"), {"table": table}).fetchall()]


def read_known(con: duckdb.DuckDBPyConnection, community: str, since: datetime) -> dict[str, str]:
    """{post_id: source digest} of a community's posts published since `since`."""
    rows = con.execute(sql("read_known"), {"community": community,
                                          "since": since.astimezone(UTC).replace(tzinfo=None)}).fetchall()
    return dict(rows)


def read_posts(con: duckdb.DuckDBPyConnection, after: str = "", limit: int = 2**62) -> list[Post]:
    """Stored posts and comments as Posts again (ids, text and times as stored), for rescoring: those whose key
    sorts after `after`, at most `limit` of them, in key order."""
    posts = []
    for row in con.execute(sql("read_posts"), {"after": after, "limit": limit}).fetchall():
        (community, source, external_id, url, thread_id, parent_id, kind, author, title, body, published,
         score, reply_count, depth, upvote_ratio, flair, removed) = row
        key = post_key(community, source, "")
        posts.append(Post(community, source, external_id, url, thread_id.removeprefix(key),
                          parent_id.removeprefix(key) if parent_id else None, kind, author, title or "", body or "",
                          utc(published), score, reply_count, depth, upvote_ratio, flair, removed))
    return posts


def replace_mentions(con: duckdb.DuckDBPyConnection, scored: Sequence[ScoredPost]) -> int:
    """Swap the stored value and brand mentions of these posts for their new ones, all or nothing.
    Returns how many mentions were written. Posts and sentiment are left as they are."""
    latest = {s.post.id: s for s in scored}
    rows = list(_mention_rows(latest.values()))
    try:
        with transaction(con):
            con.execute(sql("stage_rescore"))
            with con.appender("stage_rescored") as ids:
                ids.append_rows((post_id,) for post_id in latest)
            with con.appender("stage_mentions") as mentions:
                mentions.append_rows(rows)
            con.execute(sql("replace_mentions"))
            refresh_rollups(con, _communities_of(con, "stage_rescored"))
    except duckdb.Error as exc:
        raise StorageError(f"rescoring failed and was rolled back: {one_line(exc, 400)}") from exc
    return len(rows)


def read_runs(path: Path | str, run_id: str) -> list[RunRow]:
    """The run rows of one run, as the flow stored them (the CLI's table after a Prefect run)."""
    with opened(path, read_only=True) as con:
        cursor = con.execute(sql("read_runs"), {"run_id": run_id})
        return [RunRow(*(utc(v) if isinstance(v, datetime) else v for v in row)) for row in cursor.fetchall()]


def record_failed_run(con: duckdb.DuckDBPyConnection, community: Community, run: RunRow) -> None:
    """A community that failed or was skipped is still listed (`voyage communities`), with its run row."""
    with transaction(con):
        con.execute(sql("upsert_community"), _community_row(community, datetime.now(UTC).replace(tzinfo=None)))
        record_run(con, run)


def record_run(con: duckdb.DuckDBPyConnection, run: RunRow) -> None:
    params = {k: getattr(run, k) for k in RunRow.__dataclass_fields__}
    for key in ("started_at", "finished_at"):
        params[key] = params[key].astimezone(UTC).replace(tzinfo=None)
    con.execute(sql("insert_run"), {**params, "duration_s": run.duration_s})


def query(
    con: duckdb.DuckDBPyConnection, statement: str, params: dict[str, Any] | None = None
) -> tuple[list[str], list[tuple]]:
    """Run a statement; return (column names, rows). DuckDB errors become one-line StorageErrors. Parameters the
    statement does not name are left out, so a caller can pass the common filters to every query."""
    named = set(re.findall(r"\$(\w+)", statement))
    try:
        cursor = con.execute(statement, {k: v for k, v in (params or {}).items() if k in named})
        columns = [d[0] for d in cursor.description or []]
        return columns, cursor.fetchall() if columns else []
    except duckdb.Error as exc:
        raise StorageError(one_line(exc, 400)) from exc


def run_query(path: Path | str, statement: str, params: dict[str, Any] | None = None) -> tuple[list[str], list[tuple]]:
    """A read-only query on the file, as `voyage sql` runs it: writes are refused by DuckDB itself."""
    with opened(path, read_only=True, wait=2.0) as con:
        return query(con, statement, params)


def read_forgotten(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """The tombstones `voyage forget` left, by kind (author pseudonym, post, thread, url)."""
    forgotten: dict[str, set[str]] = {}
    for kind, value in con.execute(sql("read_forgotten")).fetchall():
        forgotten.setdefault(kind, set()).add(value)
    return forgotten


def forget(
    con: duckdb.DuckDBPyConnection, *, authors: Sequence[str] = (), pseudonym: str | None = None, url: str | None = None
) -> tuple[int, int, int]:
    """Erase one person's posts (stored under any of `authors`) or one page (and its thread) everywhere,
    leaving tombstones so the next run does not store them again. Returns (posts, sentiment rows, mentions)."""
    with transaction(con):
        if url is not None:
            con.execute(sql("forget_select_url"), {"url": url})
            con.execute(sql("remember_forgotten"), {"kind": "url", "value": url.rstrip("/")})
        else:
            con.execute(sql("forget_select_authors"), {"authors": list(authors)})
        if pseudonym:
            con.execute(sql("remember_forgotten"), {"kind": "author", "value": pseudonym})
        counts = con.execute(sql("forget_count")).fetchone()
        communities = _communities_of(con, "forget_ids")
        con.execute(sql("forget_apply"))
        refresh_rollups(con, communities)
    return counts


def export(path: Path | str, out: Path, fmt: str = "parquet") -> dict[str, int]:
    """Write every sql/exports/<name>.sql result under `out`: Parquet (or CSV) files, partitioned by day where
    the query has a `day` column. The one command that writes data out: `voyage sql` cannot (READER_CONFIG).
    Returns rows written per export."""
    written: dict[str, int] = {}
    out.mkdir(parents=True, exist_ok=True)
    with opened(path, read_only=True, config={}) as con:
        for file in sorted((SQL / "exports").glob("*.sql")):
            written[file.stem] = _export_one(con, file, out / file.stem, fmt)
    return written


def _export_one(con: duckdb.DuckDBPyConnection, file: Path, target: Path, fmt: str) -> int:
    try:
        relation = con.sql(file.read_text(encoding="utf-8"))
        partition = ["day"] if "day" in relation.columns else None
        target = target if partition else target.with_suffix(f".{fmt}")
        write = relation.write_csv if fmt == "csv" else relation.write_parquet
        write(str(target), partition_by=partition, overwrite=True if partition else None)
        return int(relation.shape[0])
    except duckdb.Error as exc:
        raise StorageError(f"cannot export {file.stem} to {target}: {one_line(exc, 300)}") from exc


def detect_alerts(con: duckdb.DuckDBPyConnection, day: Any) -> list[dict[str, Any]]:
    """Store the alerts of `day` not stored yet (sql/queries/detect_alerts.sql) and return them."""
    with transaction(con):
        columns, rows = query(con, sql("detect_alerts"), {"day": day})
    return [dict(zip(columns, row, strict=True)) for row in rows]


def nearest_urls(con: duckdb.DuckDBPyConnection, url: str) -> list[str]:
    return [row[0] for row in con.execute(sql("forget_nearest_urls"), {"url": url}).fetchall()]


def reset_community(con: duckdb.DuckDBPyConnection, name: str, *, remove: bool = False) -> int:
    """Forget a community's cursor, so its next run starts afresh (its posts stay); with `remove`, delete the
    community and everything stored for it. Returns the posts deleted."""
    with transaction(con):
        con.execute(sql("reset_community"), {"name": name})
        if not remove:
            return 0
        con.execute(sql("remove_select"), {"name": name})
        removed = int(con.execute(sql("remove_community")).fetchone()[0])
        refresh_rollups(con, [name])
        return removed


def compact(path: Path | str, *, wait: float | None = None) -> None:
    """Rewrite the file so erased and pruned text is gone from its bytes too: DuckDB leaves freed blocks as
    they were. The old file stays locked until the new one has replaced it, so no writer slips in between."""
    path = Path(path)
    fresh = path.with_name(path.name + ".compact")
    fresh.unlink(missing_ok=True)
    con = duckdb.connect(":memory:")
    try:
        _when_unlocked(path, wait, lambda: con.execute(sql("compact_attach_old"), {"path": str(path)}))
        con.execute(sql("compact_attach_new"), {"path": str(fresh)})
        con.execute(sql("compact_copy"))
        os.replace(fresh, path)
    except duckdb.Error as exc:
        raise StorageError(f"cannot compact {path}: {one_line(exc, 400)}") from exc
    finally:
        con.close()
        fresh.unlink(missing_ok=True)


def prune_text(con: duckdb.DuckDBPyConnection, before: datetime) -> int:
    """Retention: blank the raw text (title, body, quoted sentences) of posts published before `before`."""
    cutoff = {"before": before.astimezone(UTC).replace(tzinfo=None)}
    with transaction(con):
        con.execute(sql("prune_mentions_text"), cutoff)
        pruned = con.execute(sql("prune_posts_text"), cutoff).fetchone()
        con.execute(sql("prune_negatives_text"), cutoff)
        con.execute(sql("prune_threads_text"), cutoff)
        con.execute(sql("prune_quotes_text"), cutoff)
    return int(pruned[0]) if pruned else 0


def _stage(con: duckdb.DuckDBPyConnection, scored: list[ScoredPost], now: datetime,
           digests: Mapping[str, str]) -> None:
    with con.appender("stage_posts") as posts:
        posts.append_rows((*_post_row(s, now), digests.get(s.post.id)) for s in scored)
    with con.appender("stage_sentiment") as sentiment:
        sentiment.append_rows(
            (s.post.id, v.compound, v.pos, v.neu, v.neg, v.label, s.sentences)
            for s in scored
            if (v := s.sentiment) is not None
        )
    with con.appender("stage_mentions") as mentions:
        mentions.append_rows(_mention_rows(scored))


def _post_row(scored: ScoredPost, now: datetime) -> tuple:
    p = scored.post
    values = (
        p.id,
        p.community,
        p.source,
        p.external_id,
        p.url,
        p.key(p.thread_id),
        p.key(p.parent_id) if p.parent_id else None,
        p.kind,
        p.author,
        p.title,
        p.body,
        p.published.astimezone(UTC).replace(tzinfo=None),
        p.score,
        p.reply_count,
        p.depth,
        p.upvote_ratio,
        p.flair,
        p.removed,
    )
    digest = hashlib.sha256(json.dumps(values, default=str).encode()).hexdigest()[:32]
    return (*values, digest, now, now, scored.lang)


def _mention_rows(scored: Iterable[ScoredPost]) -> Iterator[tuple]:
    """Rows of the mentions table, each mention once per its key (kind, name, sentence, start)."""
    for s in scored:
        seen = set()
        for m in s.mentions:
            key = (m.kind, m.name, m.sentence_idx, m.start)
            if key not in seen:
                seen.add(key)
                yield (m.post_id, m.kind, m.name, m.term, m.sentence_idx, m.start, m.end, m.sentence, m.compound)


def _community_row(community: Community, now: datetime) -> dict[str, Any]:
    return {
        "name": community.name,
        "kind": community.kind,
        "location": redact(community.location),
        "segment": community.segment,
        "keywords": list(community.keywords),
        "now": now,
    }
