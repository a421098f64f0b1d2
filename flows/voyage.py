"""Prefect flows: `voyage` (every community, daily) and `scan` (one). Thin: they orchestrate pipeline.steps.

Fetch and score run concurrently, one task per community (never per post); the flow itself is the
one writer, loading each community as it arrives. A failed community is recorded and the rest land.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.futures import as_completed
from prefect.states import Completed, Failed, State
from prefect.task_runners import ThreadPoolTaskRunner

from connectors import FetchContext
from pipeline import steps
from pipeline.config import Config, load_config, resolve_target, select
from pipeline.errors import (
    ConfigError,
    RobotsDisallowed,
    SourceError,
    SourceSkipped,
    is_transient,
)
from pipeline.models import Community, Cursor
from pipeline.score import RunScorer
from pipeline.store import RunRow, run_lock


def _retry_transient(task: Any, task_run: Any, state: State) -> bool:
    """Retry a community only for transient failures (timeouts, 429, 5xx), never for 401/403/404."""
    try:
        state.result(raise_on_failure=True)
    except Exception as exc:  # noqa: BLE001 - the state's own exception, re-raised to inspect it
        return is_transient(exc)
    return False


# One task-level retry, a minute later: the HTTP client already retried each request with backoff, so this
# only covers a host that was down for a while (at most 2 x (1 + fetch.retries) tries of one URL per run).
@task(retries=1, retry_delay_seconds=60, retry_condition_fn=_retry_transient, cache_policy=NO_CACHE,
      task_run_name="collect-{community.name}")
def collect(community: Community, cursor: Cursor, ctx: FetchContext, scorer: RunScorer,
            known: dict[str, str] | None = None) -> steps.Collected | SourceError:
    try:
        return steps.collect(community, cursor, ctx, None, scorer=scorer, known=known)
    except (SourceSkipped, RobotsDisallowed) as exc:
        return exc  # a deliberate skip (no credentials, robots.txt) is no failed task; land() records it


def run_communities(config: Config, communities: Sequence[Community], ctx: FetchContext | None = None,
                    run_id: str | None = None, artifact: str = "voyage-run", observe: bool = True) -> State:
    """Collect concurrently, load one by one as results arrive, observe the open probes (not for a scan), publish
    a summary artifact."""
    ctx = ctx or steps.make_context(config)
    run_id = run_id or steps.new_run_id()
    observed: list[dict[str, Any]] = []
    with run_lock(config.db_path), RunScorer(partial(steps.make_matcher, config), eager=len(communities) > 1) as scorer:
        rows = _collect_and_land(config, communities, replace(ctx, offload=scorer.offload), run_id, scorer)
        if observe and (config.probes or steps.probes_stored(config.db_path)):
            observed = steps.observe_probes(config, ctx, scorer, communities=communities)
            for probe in observed:
                get_run_logger().info("probe #%s %s: %s, %s replies", probe["probe_id"], probe["community"],
                                      probe["state"], probe["replies"])
        alerts, problem = steps.raise_alerts(config)
    ctx.http.close()
    if problem:
        get_run_logger().warning(problem)
    report = (steps.report_markdown(rows, alerts) + steps.probes_markdown(observed)
              + steps.grid_changes_markdown(config.db_path))
    create_markdown_artifact(report, key=artifact, description=f"run {run_id}")
    return _final_state(rows)


def _collect_and_land(config: Config, communities: Sequence[Community], ctx: FetchContext, run_id: str,
                      scorer: RunScorer) -> list[RunRow]:
    logger = get_run_logger()
    cursors = steps.read_cursors(config.db_path, communities)
    started = datetime.now(UTC)
    known = steps.read_known(config.db_path, communities, cursors, ctx)
    futures = {collect.submit(c, cursors[c.name], ctx, scorer, known.get(c.name)): c for c in communities}
    rows: list[RunRow] = []
    for future in as_completed(list(futures)):  # each landed community's texts are dropped, not held to the end
        row = steps.land(config, futures.pop(future), run_id, started, lambda f=future: _collected(f.result()))
        log = logger.warning if row.status in (steps.FAILED, steps.WARNING) else logger.info
        log("%s: %s, %d fetched, %d new, %d updated%s", row.community, row.status, row.fetched, row.new,
            row.updated, f" ({row.error})" if row.error else "")
        rows.append(row)
    return rows


def _collected(result: steps.Collected | SourceError) -> steps.Collected:
    if isinstance(result, SourceError):
        raise result
    return result


def _final_state(rows: list[RunRow]) -> State:
    """Completed (with the rows as its result), Partial, or Failed. A Failed state carries no data: one with the
    rows as data broke Prefect's result handling on every path (the CLI's, a worker's, a deployment's), so the
    rows of a failed run are read from the runs table, where every path stores them."""
    failed = [r.community for r in rows if r.status == steps.FAILED]
    interrupted = [r.community for r in rows if r.status == steps.INTERRUPTED]
    if interrupted:
        return Failed(message=f"interrupted: {len(interrupted)} of {len(rows)} communities not finished "
                              f"({', '.join(interrupted)}); what was loaded stays")
    if failed and len(failed) == len(rows):
        return Failed(message=f"all {len(rows)} communities failed: {', '.join(failed)}")
    data = [_row_dict(r) for r in rows]
    if failed:
        return Completed(name="Partial", message=f"{len(failed)} of {len(rows)} failed: {', '.join(failed)}",
                         data=data)
    return Completed(message=f"{len(rows)} communities loaded", data=data)


def _row_dict(row: RunRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in RunRow.__dataclass_fields__}


@flow(name="voyage", task_runner=ThreadPoolTaskRunner(max_workers=8))
def voyage(config_path: str = "voyage.toml", communities: list[str] | None = None, db: str | None = None,
           run_id: str | None = None) -> State:
    """The daily run: every community in voyage.toml (or the named ones); `db` overrides [store] path."""
    config = _with_db(load_config(config_path), db)
    selected = select(config, communities)
    if not selected:
        raise ConfigError(f"{config_path}: no [[community]] entries to run")
    return run_communities(config, selected, run_id=run_id)


@flow(name="scan", task_runner=ThreadPoolTaskRunner(max_workers=1))
def scan(target: str, config_path: str = "voyage.toml", db: str | None = None, run_id: str | None = None,
         lookback_days: int | None = None) -> State:
    """One community, by its configured name, a URL, or r/SUBREDDIT."""
    config = _with_db(load_config(config_path, missing_ok=True), db)
    if lookback_days:
        config = replace(config, fetch=replace(config.fetch, lookback_days=lookback_days))
    return run_communities(config, [resolve_target(config, target)], run_id=run_id, artifact="voyage-scan",
                           observe=False)


def _with_db(config: Config, db: str | None) -> Config:
    return replace(config, db_path=Path(db)) if db else config


def start_ephemeral_server() -> None:
    """Start Prefect's temporary API server in its own session, so the terminal's Ctrl-C reaches only us: the
    flow then stops its requests, loads what it has and reports, instead of losing its server mid-run.
    Registered as the instance Prefect's own clients use, as prefect_test_harness registers its server."""
    from prefect.server.api.server import SubprocessASGIServer

    class Detached(SubprocessASGIServer):
        def _run_uvicorn_command(self) -> subprocess.Popen[Any]:
            popen = subprocess.Popen

            def own_session(*args: Any, **kwargs: Any) -> subprocess.Popen[Any]:
                return popen(*args, start_new_session=True, **kwargs)

            subprocess.Popen = own_session  # type: ignore[misc] - only for the one call below
            try:
                return super()._run_uvicorn_command()
            finally:
                subprocess.Popen = popen  # type: ignore[misc]

    if None not in SubprocessASGIServer._instances:
        server = Detached(port=0)
        server.port = None
        SubprocessASGIServer._instances[None] = server
        server.start()
