"""The steps of a run as plain functions: collect (fetch + score) one community, load it, report.

flows/ wraps these in Prefect tasks; the CLI calls them directly for a quick scan. Nothing here
imports prefect, and only pipeline.store touches DuckDB.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, Protocol

from connectors import FetchContext, connector_for, since
from connectors.http import Http
from pipeline import probes, store
from pipeline.accept import build_matcher
from pipeline.config import Config, Privacy
from pipeline.errors import Interrupted, RobotsDisallowed, SourceSkipped, StorageError, one_line
from pipeline.models import Community, Cursor, FetchResult, Post, ScoredPost, ThreadResult
from pipeline.notify import send_block, send_webhook
from pipeline.privacy import author_key, is_forgotten, protect, without_text
from pipeline.score import Finder, RunScorer, given, score_posts
from pipeline.tagger import build_tagger

OK, WARNING, FAILED, SKIPPED, INTERRUPTED = "ok", "warning", "failed", "skipped", "interrupted"
EXIT_INTERRUPTED = 130
MAX_TEXT = 50_000  # characters of one post or comment kept and scored (a long review is ~5,000)
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass
class Collected:
    """One community fetched and scored, ready for the writer."""

    community: Community
    result: FetchResult
    scored: list[ScoredPost]  # the new or changed posts only
    started_at: datetime
    seconds: dict[str, float] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)  # every fetched post's source digest


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]


def make_context(config: Config, reddit: Callable[[], Any] | None = None) -> FetchContext:
    """The shared HTTP client and (lazily) praw for a run; praw is only imported if Reddit is configured."""
    if reddit is None and any(c.kind == "reddit" for c in config.communities):
        from connectors.reddit import reddit_factory

        reddit = reddit_factory(config.fetch.user_agent, settings=config.fetch)
    return FetchContext(http=Http(config.fetch), reddit=reddit)


def make_matcher(config: Config) -> Finder:
    """The ACCEPT tagger (learned model over the lexicon's hits) with the brand matcher, from the shipped model, the
    lexicon and voyage.toml's [accept] and [[brand]]; built once per process for the same settings (compiling the
    lexicon takes most of a second)."""
    key = (tuple((b.name, tuple(b.aliases)) for b in config.brands),
           *(tuple(sorted((v, tuple(t)) for v, t in terms.items()))
             for terms in (config.accept_add, config.accept_remove)))
    if key not in _MATCHERS:
        matcher = build_matcher(config.accept_add, config.accept_remove, [(n, a) for n, a in key[0]])
        _MATCHERS[key] = build_tagger(matcher, config.accept_add, config.accept_remove)
    return _MATCHERS[key]


_MATCHERS: dict[tuple, Finder] = {}


def read_cursors(db_path: Path, communities: Iterable[Community]) -> dict[str, Cursor]:
    """Read-only when the file exists, so a reader holding it (a notebook) does not stop a run from starting."""
    with store.opened(db_path, read_only=db_path.exists(), wait=store.load_wait()) as con:
        return {c.name: store.read_cursor(con, c) for c in communities}


def read_known(db_path: Path, communities: Iterable[Community], cursors: Mapping[str, Cursor],
               ctx: FetchContext) -> dict[str, dict[str, str]]:
    """Per community, the source digests of the posts a rerun may fetch again (its lag window, and a day more)."""
    wanted = [c for c in communities if cursors[c.name].newest]
    if not wanted:
        return {}
    with store.opened(db_path, read_only=True, wait=store.load_wait()) as con:
        return {c.name: store.read_known(con, c.name, since(c, cursors[c.name], ctx) - timedelta(days=1))
                for c in wanted}


def source_digest(post: Post) -> str:
    """A digest of a post as its source sent it: unchanged, it need not be scored or written again."""
    fields = (post.id, post.url, post.thread_id, post.parent_id, post.kind, post.author, post.title, post.body,
              post.published.isoformat(), post.score, post.reply_count, post.depth, post.upvote_ratio, post.flair,
              post.removed)
    return hashlib.blake2b(repr(fields).encode(), digest_size=16).hexdigest()


def collect(community: Community, cursor: Cursor, ctx: FetchContext, matcher: Finder | None,
            stage: Callable[[str, str], None] | None = None,
            scorer: Callable[[Sequence[Post]], list[ScoredPost]] | None = None,
            known: Mapping[str, str] | None = None) -> Collected:
    """Fetch what is new in one community and score it (with the run's `scorer`, else here with `matcher`); a post
    whose source digest is in `known` (stored as it is now) is neither scored nor written again. Raises SourceError
    subclasses on failure. `stage(community, what)` hears when fetching and scoring start."""
    stage = stage or _quiet
    started, clock = datetime.now(UTC), time.perf_counter()
    left_before = ctx.http.thread_left_out
    stage(community.name, "fetching")
    result = connector_for(community.kind).fetch(community, cursor, ctx)
    result = _with_hosts_given_up(_cleaned(result), ctx.http, left_before)
    fetched = time.perf_counter()
    digests = {p.id: source_digest(p) for p in result.posts}
    known = known or {}
    changed = [p for p in result.posts if known.get(p.id) != digests[p.id]]
    stage(community.name, f"scoring {len(changed)} texts")
    scored = scorer(changed) if scorer else score_posts(changed, matcher)
    seconds = {"fetch": fetched - clock, "score": time.perf_counter() - fetched}
    return Collected(community, result, scored, started, seconds, digests)


def _quiet(community: str, what: str) -> None:
    pass


def _cleaned(result: FetchResult) -> FetchResult:
    """Posts as the pipeline can hold them, whatever a source sent: lone surrogates (a truncated emoji, an
    `&#xD800;`) replaced with U+FFFD, and a body over MAX_TEXT characters cut and marked. Counted in warnings."""
    posts, broken, cut = [], 0, 0
    for post in result.posts:
        fields = {name: _SURROGATE.sub("\ufffd", value) for name in ("title", "body", "author", "url")
                  if (value := getattr(post, name)) and _SURROGATE.search(value)}
        broken += bool(fields)
        body = fields.get("body", post.body)
        if len(body) > MAX_TEXT:
            fields["body"] = body[:MAX_TEXT] + f" […] (cut: {len(body) - MAX_TEXT:,} more characters)"
            cut += 1
        posts.append(replace(post, **fields) if fields else post)
    notes = [f"{broken} items held broken characters (lone surrogates), replaced with \ufffd"] if broken else []
    notes += [f"{cut} texts over {MAX_TEXT:,} characters were cut"] if cut else []
    return replace(result, posts=posts, warnings=(*result.warnings, *notes)) if notes else result


def _with_hosts_given_up(result: FetchResult, http: Http, before: dict[str, int]) -> FetchResult:
    """One warning per host this community gave up on (dead DNS, refused connections), with how many of its
    URLs were left unfetched, instead of one failure per URL."""
    left = {host: count - before.get(host, 0) for host, count in http.thread_left_out.items()}
    notes = [f"gave up on {host} after its first failure ({http.down_reason(host)}): {count} more URLs not fetched"
             for host, count in left.items() if count > 0]
    if not notes:
        return result
    return replace(result, warnings=(*result.warnings, *notes))


def load(db_path: Path, collected: Collected, run_id: str, privacy: Privacy | None = None) -> store.RunRow:
    """Write one collected community: posts, sentiment, mentions, cursor and run row in one transaction.

    Authors are pseudonymised first (unless `privacy.store_authors`), forgotten people and pages are left
    out, and with `privacy.retain_days` the raw text of older posts is pruned afterwards."""
    privacy = privacy or Privacy()
    result = collected.result
    run = store.RunRow(
        run_id=run_id,
        community=collected.community.name,
        started_at=collected.started_at,
        finished_at=datetime.now(UTC),
        status=WARNING if result.warnings else OK,
        fetched=len(result.posts),
        missed=result.missed,
        requests=result.requests,
        error_class="Warning" if result.warnings else None,
        error=" | ".join(result.warnings)[:2000] or None,
    )
    with store.opened(db_path, wait=store.load_wait()) as con:
        scored, cutoff = private(db_path, con, collected.scored, privacy)
        row = store.load_community(con, collected.community, scored, result.cursor, run, collected.digests)
        pruned = store.prune_text(con, cutoff) if cutoff else 0
    if pruned:
        store.compact(db_path)  # pruned text must leave the file's bytes too
    return row


def private(db_path: Path, con: Any, scored: Sequence[ScoredPost], privacy: Privacy
            ) -> tuple[list[ScoredPost], datetime | None]:
    """What may be stored of a batch: authors pseudonymised (unless `privacy.store_authors`), forgotten people and
    pages left out, text older than `privacy.retain_days` blanked. Returns the batch and that cutoff."""
    key, forgotten = author_key(db_path), store.read_forgotten(con)
    cutoff = datetime.now(UTC) - timedelta(days=privacy.retain_days) if privacy.retain_days else None
    return [without_text(s) if cutoff and s.post.published < cutoff else s
            for s in protect(scored, key, privacy.store_authors) if not is_forgotten(s.post, key, forgotten)], cutoff


def record_failure(
    db_path: Path, community: Community, run_id: str, started: datetime, exc: BaseException
) -> store.RunRow:
    run = store.RunRow(
        run_id=run_id,
        community=community.name,
        started_at=started,
        finished_at=datetime.now(UTC),
        status=SKIPPED if isinstance(exc, SourceSkipped | RobotsDisallowed)
        else INTERRUPTED if isinstance(exc, Interrupted) else FAILED,
        error_class=type(exc).__name__,
        error=describe(exc),
    )
    try:
        with store.opened(db_path, wait=store.load_wait()) as con:
            store.record_failed_run(con, community, run)
    except StorageError as exc:  # the row is still reported; only its copy in the file is missing
        return replace(run, error=f"{run.error} (not recorded in the file: {one_line(exc, 200)})")
    return run


def land(config: Config, community: Community, run_id: str, started: datetime,
         collected: Callable[[], Collected]) -> store.RunRow:
    """Load what `collected()` returns; any failure on the way (fetch, score or load) becomes the community's
    failed or skipped run row instead, so one community never stops the rest."""
    try:
        return load(config.db_path, collected(), run_id, config.privacy)
    except Exception as exc:  # noqa: BLE001 - one community's failure, even a bug, never stops the rest
        return record_failure(config.db_path, community, run_id, started, exc)


class Progress(Protocol):
    """What a terminal shows of a run: each community's stage (fetching, scoring, loading), then its row."""

    def stage(self, community: str, what: str) -> None: ...

    def landed(self, row: store.RunRow, done: int, total: int) -> None: ...


def run_direct(config: Config, communities: Sequence[Community], ctx: FetchContext, workers: int = 8,
               progress: Progress | None = None, observe: bool = True) -> list[store.RunRow]:
    """Collect communities concurrently on threads and load each as it arrives, then observe the open probes
    (unless `observe` is false, as for a scan): the no-Prefect path."""
    run_id, scoring = new_run_id(), RunScorer(partial(make_matcher, config), eager=len(communities) > 1)
    threads = ThreadPoolExecutor(max(1, min(workers, len(communities))))
    with store.run_lock(config.db_path), scoring as scorer, threads as pool:
        cursors = read_cursors(config.db_path, communities)
        known = read_known(config.db_path, communities, cursors, ctx)
        started, ctx = datetime.now(UTC), replace(ctx, offload=scorer.offload)
        stage = progress.stage if progress else None
        futures = {pool.submit(collect, c, cursors[c.name], ctx, None, stage, scorer, known.get(c.name)): c
                   for c in communities}
        rows = []
        for future in as_completed(futures):
            community = futures.pop(future)  # its fetched and scored texts are freed once loaded, not at the end
            if progress and future.exception() is None:
                progress.stage(community.name, "loading")
            rows.append(land(config, community, run_id, started, future.result))
            del future
            if progress:
                progress.landed(rows[-1], len(rows), len(communities))
        if observe and (config.probes or probes_stored(config.db_path)):
            observe_probes(config, ctx, scorer, communities=communities)
        _, problem = raise_alerts(config)
        if problem:  # the flow logs it through Prefect; here the standard logger says it on stderr
            logging.getLogger(__name__).warning(problem)
        return rows


def raise_alerts(config: Config, day: date | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """After a run: store the day's new alerts (each community against its own baseline) and send them to the
    configured webhook and Prefect notification block. Returns (new alerts, a one-line delivery problem or None).
    Never raises for an alert."""
    try:
        with store.opened(config.db_path, wait=store.load_wait()) as con:
            found = store.detect_alerts(con, day or datetime.now(UTC).date())
    except StorageError as exc:
        return [], f"alerts not computed: {one_line(exc, 200)}"
    problems = [send_webhook(config.alerts_webhook, found) if config.alerts_webhook else None,
                send_block(config.alerts_block, found) if config.alerts_block else None]
    return found, "; ".join(p for p in problems if p) or None


def probes_stored(db_path: Path) -> bool:
    """Whether any probe is still observed (a cheap check before a run reads probe threads)."""
    with store.opened(db_path, read_only=True, wait=store.load_wait()) as con:
        return bool(probes.open_probes(con, datetime.now(UTC)))


def observe_probes(config: Config, ctx: FetchContext, score: Callable[[Sequence[Post]], list[ScoredPost]],
                   only: Iterable[int] | None = None, communities: Iterable[Community] | None = None
                   ) -> list[dict[str, Any]]:
    """Register the [[probe]]s of voyage.toml, then read each open probe's thread directly (not through the listing,
    which may have moved on) and append a snapshot. A thread that cannot be read is recorded as unreachable with the
    reason, never as 0 replies, and never stops the others. With `communities` (a run of some of them), only
    their probes. Returns one row per probe observed."""
    with store.opened(config.db_path, wait=store.load_wait()) as con:
        probes.declare(con, config.communities, config.probes)
        todo = probes.open_probes(con, datetime.now(UTC), only)
    if communities is not None:
        running = {c.name for c in communities}
        todo = [p for p in todo if p["community"] in running]
    by_name = {c.name: c for c in config.communities}
    observed = []
    for probe in todo:
        community = by_name.get(probe["community"])
        try:
            if community is None:
                raise SourceSkipped(f"community {probe['community']} is no longer in the config")
            result = connector_for(community.kind).thread(community, probe["url"], ctx)
        except Exception as exc:  # noqa: BLE001 - one probe's trouble, even a bug, never stops the others
            if isinstance(exc, Interrupted):
                raise
            result = ThreadResult([], "unreachable", describe(exc))
        scored = score(result.posts)
        with store.opened(config.db_path, wait=store.load_wait()) as con:
            kept, _ = private(config.db_path, con, scored, config.privacy)
            observed.append({**probe, **probes.record(con, probe, result, kept, datetime.now(UTC))})
    return observed


def rescore(db_path: Path, matcher: Finder | None, batch: int = 5000) -> tuple[int, int]:
    """Recompute the value and brand mentions of every stored post from its stored text, without fetching
    (after a lexicon, [accept] or [[brand]] change). Works in batches of posts, each read, rescored and
    rewritten while it holds the file (so a run cannot change a post in between), letting go of the file
    between batches so a run or a reader never waits long. Returns (posts, mentions)."""
    store.require(db_path)
    done, mentions, after = 0, 0, ""
    with RunScorer(partial(given, matcher)) as scorer:  # one pool for every batch, started by the first big one
        while True:
            with store.opened(db_path, wait=store.load_wait()) as con:
                posts = store.read_posts(con, after, batch)
                if not posts:
                    return done, mentions
                mentions += store.replace_mentions(con, scorer(posts))
            done, after = done + len(posts), posts[-1].id


def exit_code(rows: Sequence[store.RunRow]) -> int:
    """0 all ok (warnings and skips included), 3 some communities failed, 4 all failed, 130 interrupted."""
    if any(r.status == INTERRUPTED for r in rows):
        return EXIT_INTERRUPTED
    failed = sum(1 for r in rows if r.status == FAILED)
    if failed and failed == len(rows):
        return 4
    return 3 if failed else 0


def describe(exc: BaseException) -> str:
    """One line, no traceback, for run rows and the CLI."""
    return one_line(exc) or type(exc).__name__


def grid_changes_markdown(db_path: Path) -> str:
    """The Customer Value Grid's largest moves in the latest week, for the run's artifact ('' when none)."""
    try:
        columns, rows = store.run_query(db_path, store.sql("grid_changes"))
    except StorageError:
        return ""
    if not rows:
        return ""
    lines = ["", "## Customer Value Grid: the latest week's largest moves", "",
             "| " + " | ".join(columns) + " |", "|---|---|" + "---:|" * (len(columns) - 2)]
    lines += ["| " + " | ".join("" if v is None else f"{v:+.3f}" if isinstance(v, float) and "change" in c
                                else str(v) for c, v in zip(columns, row, strict=True)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def probes_markdown(observed: Sequence[Mapping[str, Any]]) -> str:
    """The run artifact's probe lines: each probe's replies so far and the state of its thread."""
    if not observed:
        return ""
    lines = [f"- #{p['probe_id']} {p['community']}, {p['topic']!r}: "
             + (f"{p['replies']} replies from {p['repliers']} people, mean sentiment {p['mean_compound'] or 0:+.2f}"
                if p["replies"] is not None else "not read")
             + (f" ({p['state']}: {p['note']})" if p["state"] != "live" else "") for p in observed]
    return "\n\n## Probes\n\n" + "\n".join(lines) + "\n"


def report_markdown(rows: Sequence[store.RunRow], alerts: Sequence[dict[str, Any]] = ()) -> str:
    lines = [
        "| community | status | fetched | new | updated | missed | seconds | note |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in sorted(rows, key=lambda r: r.community):
        note = (r.error or "").replace("|", "/")[:160]
        lines.append(
            f"| {r.community} | {r.status} | {r.fetched} | {r.new} | {r.updated} | {r.missed} "
            f"| {r.duration_s:.1f} | {note} |"
        )
    failed = sum(1 for r in rows if r.status == FAILED)
    head = f"# Web Voyage run: {len(rows)} communities, {failed} failed\n\n"
    found = [f"- **{a['community']}**: {a['kind']}: {a['message']}" for a in alerts]
    tail = "\n\n## New alerts\n\n" + "\n".join(found) + "\n" if found else ""
    return head + "\n".join(lines) + "\n" + tail
