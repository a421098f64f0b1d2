"""The `voyage` command: a thin layer over pipeline.steps, flows/ and the store.

Every error Web Voyage raises on purpose becomes one line on stderr and a non-zero exit code
(`--debug` shows the traceback). Exit codes: 0 ok, 1 error, 2 usage or config error,
3 some communities failed, 4 all communities failed.
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from pipeline.errors import ConfigError, VoyageError, one_line

EXIT_ERROR, EXIT_USAGE = 1, 2
# what a source sent must never drive the terminal: escape sequences (ESC, OSC 8 links, OSC 52 clipboard
# writes), BEL, backspace, C1 controls and bidi overrides become a visible replacement character
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {}


def command(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    COMMANDS[func.__name__.removeprefix("cmd_").replace("_", "-")] = func
    return func


def safe(text: object) -> str:
    """Text for a terminal: control characters neutralised (CSV and JSON output stay faithful instead)."""
    return _CONTROL.sub("\ufffd", str(text))


PROBE_ACTIONS = {"add", "list", "show", "close", "remove", "observe", "report", "-h", "--help"}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["probe"] and len(argv) > 1 and argv[1] not in PROBE_ACTIONS:  # `voyage probe URL`, as before
        argv.insert(1, "show")
    args = parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except BrokenPipeError:  # `voyage ... | head`: the reader has all it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("voyage: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if args.debug or not isinstance(exc, VoyageError | OSError):
            if args.debug:
                raise
            print(safe(f"voyage: unexpected error: {type(exc).__name__}: {exc} (rerun with --debug)"),
                  file=sys.stderr)
            return EXIT_ERROR
        print(safe(f"voyage: {one_line(exc, 2000)}"), file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_ERROR


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="voyage", description="Web Voyage: follow customer communities, "
                                "score sentiment and ACCEPT values into DuckDB.")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help: str, example: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help, description=f"{help}\n\nexample: {example}",
                             formatter_class=argparse.RawDescriptionHelpFormatter)
        cmd.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
        return cmd

    def config_opts(cmd: argparse.ArgumentParser, formats: bool = True) -> None:
        cmd.add_argument("--config", default="voyage.toml", help="the config file (default: voyage.toml)")
        cmd.add_argument("--db", help="the DuckDB file (default: [store] path in the config, else voyage.duckdb)")
        if formats:  # every command that prints data prints it as a table, CSV or JSON, as sqlite-utils does
            cmd.add_argument("--format", choices=["table", "csv", "json"], default="table",
                             help="table (default), or csv / json for other programs")

    def filter_opts(cmd: argparse.ArgumentParser) -> None:
        """The same filters on every reading command."""
        cmd.add_argument("--since", type=_date, metavar="DATE", help="from DATE (YYYY-MM-DD), inclusive")
        cmd.add_argument("--until", type=_date, metavar="DATE", help="to DATE (YYYY-MM-DD), inclusive")
        cmd.add_argument("--segment", help="only this segment")
        cmd.add_argument("--community", help="only this community")

    demo = add("demo", "Run the daily flow on bundled sample communities served on 127.0.0.1.", "voyage demo")
    demo.add_argument("--db", default="demo.duckdb", help="where the demo's DuckDB goes (default: demo.duckdb)")
    demo.add_argument("--direct", action="store_true", help="run the steps without Prefect (faster)")

    run = add("run", "Run the daily flow over every community in voyage.toml.", "voyage run --config voyage.toml")
    config_opts(run)
    run.add_argument("--only", nargs="+", metavar="NAME", help="only these communities")
    run.add_argument("--direct", action="store_true", help="run the steps without Prefect")

    scan = add("scan", "Scan one community now: a configured NAME, a blog URL, or r/SUBREDDIT.",
               "voyage scan https://blog.example.com/   |   voyage scan gearlab   |   voyage scan r/BuyItForLife")
    scan.add_argument("target")
    config_opts(scan)
    scan.add_argument("--prefect", action="store_true",
                      help="run as a Prefect flow run even without PREFECT_API_URL (adds ~9 s of start-up)")
    scan.add_argument("--lookback-days", type=_positive, metavar="N",
                      help="how far back a first scan reaches for what costs extra requests (comments of older "
                           "articles, older listing pages); default [fetch] lookback_days (30)")

    q = add("sql", "Run a read-only SQL query on the DuckDB file.", 'voyage sql "SELECT * FROM sentiment_weekly"')
    q.add_argument("query")
    config_opts(q)

    trends = add("trends", "Weekly sentiment per community (or per segment).",
                 "voyage trends --by segment --since 2026-10-01")
    config_opts(trends)
    filter_opts(trends)
    trends.add_argument("--by", choices=["community", "segment"], default="community")
    trends.add_argument("--weeks", type=int, default=8, help="without --since: how many recent weeks (default 8)")

    grid = add("grid", "The Customer Value Grid: per segment (or community) and ACCEPT value, the share of posts "
               "that mention the value and how they feel about it.", "voyage grid --segment parents --since 2026-10-01")
    config_opts(grid)
    filter_opts(grid)
    grid.add_argument("--by", choices=["segment", "community"], default="segment",
                      help="rows per segment (default) or per community (implied by --community)")

    quotes = add("quotes", "Quotes about one ACCEPT value, most positive first (or --negative), with links.",
                 "voyage quotes Trust --community gearlab --negative")
    quotes.add_argument("value", help="Achievement, Convenience, Comfort, Esteem, Pleasure or Trust")
    config_opts(quotes)
    filter_opts(quotes)
    quotes.add_argument("--negative", action="store_true", help="most negative first")
    quotes.add_argument("--limit", type=int, default=10, help="how many (default 10)")

    rescore = add("rescore", "Recompute value and brand mentions of stored posts with the current lexicon, "
                  "[accept] and [[brand]] config, without refetching.", "voyage rescore --config voyage.toml")
    config_opts(rescore, formats=False)

    alerts = add("alerts", "Alerts: days when a community's volume or sentiment, or a value's sentiment, left its "
                 "own usual range (median and MAD of the 28 days before).", "voyage alerts --since 2026-11-01")
    config_opts(alerts)
    filter_opts(alerts)  # without --since: the last 7 days

    topics = add("topics", "Emerging topics: per community and week, the words whose share rose most against the "
                 "community's 8 weeks before, with an example link.", "voyage topics --community gearlab")
    config_opts(topics)
    filter_opts(topics)  # without --since: the weeks of the last 7 days
    topics.add_argument("--limit", type=int, default=5, help="words per community and week (default 5)")

    brands = add("brands", "Brand share of voice: each [[brand]]'s mentions, its share of all brand mentions and "
                 "how the sentences naming it feel.", "voyage brands --segment parents --since 2026-10-01")
    config_opts(brands)
    filter_opts(brands)

    report = add("report", "Write one self-contained HTML page (opens offline, nothing fetched): the Value Grid "
                 "heatmap, sentiment and value trends, brands, quotes, topics, alerts and coverage.",
                 "voyage report --since 2026-10-01 --segment parents --out report.html")
    config_opts(report, formats=False)
    filter_opts(report)
    report.add_argument("--out", type=Path, default=Path("report.html"), help="where to write (default: report.html)")

    comms = add("communities", "Each community: posts, comments, recent sentiment, last run.",
                "voyage communities   |   voyage communities --reset gearlab   |   voyage communities --remove old")
    config_opts(comms)
    change = comms.add_mutually_exclusive_group()
    change.add_argument("--reset", metavar="NAME",
                        help="forget NAME's cursor: its next run starts afresh (stored posts stay)")
    change.add_argument("--remove", metavar="NAME", help="delete NAME and everything stored for it")

    probe = add("probe", "Probes: threads you posted in a community, observed by every run for 30 days and "
                "compared with the community's own threads and with the same topic elsewhere.",
                'voyage probe add https://forum.example.com/t/our-stroller/123 --topic "one-hand fold"   |   '
                "voyage probe report")
    actions = probe.add_subparsers(dest="action", required=True, metavar="ACTION")

    def probe_action(name: str, help: str, formats: bool = True) -> argparse.ArgumentParser:
        action = actions.add_parser(name, help=help, description=help)
        action.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks")
        config_opts(action, formats)
        return action

    add_probe = probe_action("add", "Register a thread you posted and read it at once.")
    add_probe.add_argument("url", help="the thread: a Reddit permalink, a Discourse topic, a forum thread, a blog "
                           "article or a Hacker News item, in a configured community")
    add_probe.add_argument("--topic", required=True, help="what you asked or claimed, in a few words (compared "
                           "across communities)")
    add_probe.add_argument("--hypothesis", help="what you expect the community to say")
    add_probe.add_argument("--community", help="the community (default: the one whose URL matches)")
    add_probe.add_argument("--days", type=_positive, default=30, help="how long runs observe it (default 30)")
    probe_action("list", "Every probe: its community, topic, state and replies so far.")
    show = probe_action("show", "One probe's snapshots (its response curve) and the values its replies raise; "
                        "a URL that is no probe shows how that thread was answered.")
    show.add_argument("probe", help="the probe's id, or a thread URL")
    for name, help in (("close", "Stop observing a probe (its snapshots stay)."),
                       ("remove", "Delete a probe and its snapshots (the thread's posts stay).")):
        probe_action(name, help, formats=False).add_argument("probe", type=int, help="the probe's id")
    observe = probe_action("observe", "Read every open probe's thread now and add a snapshot.")
    observe.add_argument("--only", type=int, nargs="+", metavar="ID", help="only these probes")
    report = probe_action("report", "Each probe's response curve, against its community's norm and against the "
                          "same topic in other communities, and what to post next.")
    report.add_argument("probe", type=int, nargs="?", help="one probe (default: all)")

    forget = add("forget", "Erase one person's posts and comments, or one page and its thread, everywhere "
                 "they are stored; they are not stored again.",
                 'voyage forget --author "Jane Doe"   |   voyage forget --url https://blog.example.com/2026/11/review/')
    who = forget.add_mutually_exclusive_group(required=True)
    who.add_argument("--author", help="the author's name as the source shows it")
    who.add_argument("--url", help="the page's URL")
    config_opts(forget, formats=False)

    export = add("export", "Write posts, mentions, runs and the main views out as Parquet (or CSV) files, partitioned "
                 "by day, for a notebook, a BI tool or a warehouse.", "voyage export --out export/")
    export.add_argument("--out", required=True, type=Path, help="the folder to write (one sub-folder per table)")
    export.add_argument("--format", choices=["parquet", "csv"], default="parquet")
    config_opts(export, formats=False)

    serve = add("serve", "Serve the daily schedule from this process (needs a Prefect server).",
                'PREFECT_API_URL=http://127.0.0.1:4200/api voyage serve --cron "0 6 * * *"')
    serve.add_argument("--config", default="voyage.toml")
    serve.add_argument("--cron", default="0 6 * * *", help="when to run, in UTC (default: 06:00 daily)")
    return p


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of days above 0: {text!r}")
    return int(text)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _config(args: argparse.Namespace, missing_ok: bool = False) -> Any:
    from pipeline.config import load_config

    config = load_config(args.config, missing_ok=missing_ok)
    return replace(config, db_path=Path(args.db)) if getattr(args, "db", None) else config


def _db(args: argparse.Namespace) -> Path:
    return _config(args, missing_ok=True).db_path


def _prepare_prefect() -> None:
    """Prefect without a server: a project-local home and no telemetry (there is no internet)."""
    if not os.environ.get("PREFECT_API_URL") and not os.environ.get("PREFECT_HOME"):
        home = Path(".voyage/prefect").resolve()
        home.mkdir(parents=True, exist_ok=True)
        os.environ["PREFECT_HOME"] = str(home)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _run_flow(flow_name: str, db_path: Path, **params: Any) -> list[Any]:
    """Run a flow through Prefect; its rows come from the runs table, whatever state the flow ended in."""
    _prepare_prefect()
    from flows import voyage as flows
    from pipeline import steps, store

    run_id = steps.new_run_id()
    with store.run_lock(db_path):  # another run on this file: say so now, not after Prefect's start-up
        pass
    if not os.environ.get("PREFECT_API_URL"):
        flows.start_ephemeral_server()
    try:
        state = getattr(flows, flow_name)(return_state=True, run_id=run_id, **params)
    except Exception as exc:
        unreachable = _prefect_unreachable(exc)
        if unreachable:
            raise unreachable from exc
        raise
    rows = store.read_runs(db_path, run_id) if Path(db_path).exists() else []
    if not rows and state.is_failed():
        state.result()  # re-raises the flow's own error (e.g. a ConfigError) for one clean line
    return rows


def _prefect_unreachable(exc: Exception) -> Exception | None:
    """A configured Prefect API that does not answer: say what would work instead of a traceback."""
    url = os.environ.get("PREFECT_API_URL")
    text = f"{type(exc).__name__} {exc}"
    if url and any(s in text for s in ("ConnectError", "Connection refused", "Cannot connect", "reach API")):
        return ConfigError(f"the Prefect API at {url} does not answer: start it (`prefect server start`), unset "
                           "PREFECT_API_URL to run with a temporary one, or add --direct to run without Prefect")
    return None


@command
def cmd_run(args: argparse.Namespace) -> int:
    from pipeline import steps
    from pipeline.config import select

    config = _config(args)
    selected = select(config, args.only)  # every config mistake is found here, before Prefect starts
    if not selected:
        raise ConfigError(f"{args.config}: no [[community]] entries to run")
    started, began = time.perf_counter(), datetime.now(UTC)
    with _ctrl_c_stops_requests():
        if args.direct:
            rows = _run_direct(config, selected)
        else:
            rows = _run_flow("voyage", config.db_path, config_path=str(args.config), communities=args.only,
                             db=args.db)
    _print_runs(rows, time.perf_counter() - started, args.format)
    if args.format == "table":
        _print_new_alerts(config.db_path, began)
    return steps.exit_code(rows)


@command
def cmd_scan(args: argparse.Namespace) -> int:
    from pipeline import steps
    from pipeline.config import resolve_target

    config = _config(args, missing_ok=True)
    if args.lookback_days:
        config = replace(config, fetch=replace(config.fetch, lookback_days=args.lookback_days))
    target = resolve_target(config, args.target)  # a configured community's URL runs as that community
    started = time.perf_counter()
    with _ctrl_c_stops_requests():
        if args.prefect or os.environ.get("PREFECT_API_URL"):
            rows = _run_flow("scan", config.db_path, target=args.target, config_path=str(args.config), db=args.db,
                             lookback_days=args.lookback_days)
        else:
            rows = _run_direct(config, [target], observe=False)
    _print_runs(rows, time.perf_counter() - started, args.format)
    if rows and rows[0].status != steps.FAILED and args.format == "table":
        _print_sentiment(config.db_path, [r.community for r in rows])
    return steps.exit_code(rows)


@command
def cmd_demo(args: argparse.Namespace) -> int:
    from pipeline import demo, steps
    from pipeline.config import load_config

    db_path = Path(args.db).resolve()
    started = time.perf_counter()
    workdir = Path(".voyage/demo")
    with demo.start_server(phase=demo.next_phase(workdir)) as server, demo.praw_environment(server):
        config_path = demo.write_config(server, workdir, db_path, probes=True)
        print(f"Serving sample communities on {server.base}; running the daily flow "
              f"({'direct' if args.direct else 'Prefect, no server needed'}) ...", flush=True)
        config = load_config(config_path)
        with _ctrl_c_stops_requests():
            if args.direct:
                rows = _run_direct(config, list(config.communities))
            else:
                rows = _run_flow("voyage", config.db_path, config_path=str(config_path))
    _print_runs(rows, time.perf_counter() - started)
    _print_demo_report(db_path)
    from pipeline import report

    page = report.write(db_path, db_path.with_name(db_path.stem + "-report.html"), EVERYTHING)
    print(f"Report: {page} (open it in a browser; `voyage report --help` for filters)")
    return steps.exit_code(rows)


@command
def cmd_sql(args: argparse.Namespace) -> int:
    from pipeline import store

    if not args.query.strip():
        raise ConfigError('give a query, e.g. voyage sql "SELECT * FROM community_summary"')
    columns, rows = store.run_query(_db(args), args.query)
    _print_table(columns, rows, args.format)
    return 0


@command
def cmd_trends(args: argparse.Namespace) -> int:
    from pipeline import store

    by = "community" if args.community else args.by
    view = "sentiment_weekly" if by == "community" else "segment_sentiment_weekly"
    columns, rows = store.run_query(_db(args), store.sql(f"trends_{by}"), _filters(args) | {"weeks": args.weeks})
    if args.format == "table":
        print(f"Weekly sentiment per {by} (view {view}), {_window(args) or f'last {args.weeks} weeks'}")
    _print_table(columns, rows, args.format)
    return 0


@command
def cmd_grid(args: argparse.Namespace) -> int:
    from pipeline import store

    by = "community" if args.community else args.by
    columns, rows = store.run_query(_db(args), store.sql("value_grid"), _filters(args) | {"by": by})
    if args.format != "table":  # one row per cell and value: what another program wants
        _print_table(columns, rows, args.format)
        return 0
    window = f" {_window(args)}" if _window(args) else ""
    print(f"Customer Value Grid by {by}{window}")
    _print_grid(columns, rows, by)
    return 0


@command
def cmd_quotes(args: argparse.Namespace) -> int:
    from pipeline import store
    from pipeline.accept import VALUES

    value = next((v for v in VALUES if v.lower() == args.value.lower()), None)
    if value is None:
        raise ConfigError(f"{args.value!r} is not an ACCEPT value: use one of {', '.join(VALUES)}")
    params = _filters(args) | {"value": value, "negative": args.negative, "limit": max(args.limit, 0)}
    columns, rows = store.run_query(_db(args), store.sql("value_quotes"), params)
    if args.format != "table":
        _print_table(columns, rows, args.format)
        return 0
    where = f" in {args.community}" if args.community else ""
    print(f"{'Most negative' if args.negative else 'Most positive'} sentences about {value}{where}:")
    for compound, community, sentence, url, published in rows:
        print(safe(f"\n{compound:+.3f}  {community}  {published}\n  {' '.join(sentence.split())}\n  {url or ''}"))
    if not rows:
        print("(no quotes: nothing stored mentions it yet)")
    return 0


@command
def cmd_rescore(args: argparse.Namespace) -> int:
    from pipeline import steps

    config = _config(args, missing_ok=True)
    if not Path(args.config).exists():
        print(f"voyage: no {args.config}: rescoring with the built-in lexicon and no brands", file=sys.stderr)
    started = time.perf_counter()
    posts, mentions = steps.rescore(config.db_path, steps.make_matcher(config))
    print(f"rescored {posts} posts with {len(config.brands)} brands and "
          f"{sum(map(len, config.accept_add.values())) + sum(map(len, config.accept_remove.values()))} "
          f"[accept] overrides: {mentions} value and brand mentions in {time.perf_counter() - started:.1f}s")
    return 0


@command
def cmd_report(args: argparse.Namespace) -> int:
    from pipeline import report

    out = report.write(_db(args), args.out, _filters(args))
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB): open it in a browser; it needs no network")
    return 0


@command
def cmd_communities(args: argparse.Namespace) -> int:
    from pipeline import store
    from pipeline.models import redact

    config = _config(args, missing_ok=True)
    if args.reset or args.remove:
        store.require(config.db_path)
        name = args.reset or args.remove
        with store.opened(config.db_path) as con:
            known = [r[0] for r in store.query(con, "SELECT name FROM communities ORDER BY name")[1]]
            if name not in known:
                raise ConfigError(f"no stored community named {name!r} (stored: {', '.join(known) or 'none'})")
            removed = store.reset_community(con, name, remove=bool(args.remove))
        if args.remove:
            store.compact(config.db_path)  # deleted text must leave the file's bytes too
        print(f"removed {name}: {removed} posts and comments deleted" if args.remove
              else f"reset {name}: its next run starts afresh; its stored posts stay")
        return 0
    columns, rows = store.run_query(config.db_path, "SELECT * FROM community_summary")
    stored = {row[0] for row in rows}
    never = [(c.name, c.kind, c.segment, redact(c.location)) for c in config.communities if c.name not in stored]
    rows = rows + [(*row, *[None] * (len(columns) - 5), "not loaded yet") for row in never]
    _print_table(columns, rows, args.format)
    return 0


@command
def cmd_probe(args: argparse.Namespace) -> int:
    from pipeline import probes, steps, store
    from pipeline.score import score_posts

    config = _config(args, missing_ok=args.action not in ("add", "observe"))
    db, fmt = config.db_path, getattr(args, "format", "table")
    if args.action in ("add", "observe"):
        with store.run_lock(db), _ctrl_c_stops_requests():
            only = args.only if args.action == "observe" else None
            if args.action == "add":
                community = probes.locate(config.communities, args.url, args.community)
                with store.opened(db, wait=store.load_wait()) as con:
                    probe_id, new = probes.register(con, community, args.url, args.topic, hypothesis=args.hypothesis,
                                                    days=args.days)
                if not new:
                    raise ConfigError(f"{args.url} is already probe #{probe_id}: voyage probe show {probe_id}")
                only = [probe_id]
            score = functools.partial(score_posts, matcher=steps.make_matcher(config))
            observed = steps.observe_probes(config, steps.make_context(config), score, only)
        columns = ["probe_id", "community", "topic", "state", "replies", "repliers", "poster_replies", "depth",
                   "mean_compound", "note"]
        _print_table(columns, [[p[c] for c in columns] for p in observed], fmt)
        return 0
    store.require(db)
    if args.action in ("close", "remove"):
        with store.opened(db, wait=store.load_wait()) as con:
            probes.end(con, args.probe, remove=args.action == "remove")
        print(f"probe #{args.probe} {'removed' if args.action == 'remove' else 'closed: runs observe it no more'}")
        return 0
    if args.action == "list":
        columns, rows = store.run_query(db, store.sql("probe_list"))
        _print_table(columns, rows, fmt)
        return 0
    if args.action == "show":
        return _show_probe(db, args.probe, fmt)
    return _probe_report(db, args.probe, fmt)


def _show_probe(db: Path, wanted: str, fmt: str) -> int:
    """A probe's snapshots and values; a URL that is no probe shows the thread_response of matching threads."""
    from pipeline import store

    columns, rows = store.run_query(db, store.sql("probe_find"), {"wanted": wanted})
    if not rows:
        columns, rows = store.run_query(db, store.sql("probe"), {"thread": wanted})
        if not rows:
            print(f"no probe or stored thread matches {wanted!r}: register it with voyage probe add URL --topic ...")
            return EXIT_ERROR
        if fmt == "table" and rows[0][-1] > len(rows):
            print(f"{rows[0][-1]} stored threads match {wanted!r}; the {len(rows)} newest:")
        _print_table(columns[:-1], [row[:-1] for row in rows], fmt)
        return 0
    probe_id = rows[0][0]
    curve = store.run_query(db, "SELECT * EXCLUDE (community, topic) FROM probe_curves WHERE probe_id = $id",
                            {"id": probe_id})
    if fmt != "table":
        _print_table(*curve, fmt)
        return 0
    about = dict(zip(columns, rows[0], strict=True))
    print(safe(f"probe #{probe_id} in {about['community']}: {about['topic']!r} ({about['status']})\n{about['url']}"))
    if about["hypothesis"]:
        print(safe(f"hypothesis: {about['hypothesis']}"))
    print("\nSnapshots (the response curve):")
    _print_table(*curve)
    print("\nValues the replies raise (latest snapshot):")
    _print_table(*store.run_query(db, store.sql("probe_values"), {"id": probe_id}))
    return 0


def _probe_report(db: Path, probe_id: int | None, fmt: str) -> int:
    """Response curves, each probe against its community's norm, the same topic across communities, and what to
    post next; with --format, the first two as one table."""
    from pipeline import store

    params = {"id": probe_id}
    columns, rows = store.run_query(db, store.sql("probe_report"), params)
    if fmt != "table":
        _print_table(columns, rows, fmt)
        return 0
    if not rows:
        print("no probes yet: voyage probe add URL --topic ... registers a thread you posted")
        return 0
    print("Response curve: replies by others within 1 hour, 1 day and 7 days of posting (blank: not that old when "
          "last observed), and against the community's own threads measured at the same age:")
    _print_table(columns, rows)
    for row in rows:
        r = dict(zip(columns, row, strict=True))
        print(safe(f"  #{r['probe_id']} {r['community']}: {r['verdict']}"))
    topics = store.run_query(db, store.sql("probe_topics"), params)
    if topics[1]:
        print("\nThe same topic in several communities (most replies first):")
        _print_table(*topics)
    print("\nWhat to post next: values and brands whose threads draw the most replies against each community's "
          "average (reply_lift) and the most split replies (polarisation):")
    _print_table(*store.run_query(db, store.sql("post_next"), params))
    return 0


@command
def cmd_alerts(args: argparse.Namespace) -> int:
    from pipeline import store

    columns, rows = store.run_query(_db(args), store.sql("alerts"), _filters(args))
    _print_table(columns, rows, args.format)
    return 0


@command
def cmd_topics(args: argparse.Namespace) -> int:
    from pipeline import store

    params = _filters(args) | {"limit": max(args.limit, 1)}
    columns, rows = store.run_query(_db(args), store.sql("topics"), params)
    if args.format == "table":
        print("Emerging topics (words whose share rose most against the community's previous 8 weeks; rise is a "
              "smoothed log-odds):")
    _print_table(columns, rows, args.format)
    return 0


@command
def cmd_brands(args: argparse.Namespace) -> int:
    from pipeline import store

    columns, rows = store.run_query(_db(args), store.sql("brands"), _filters(args))
    if args.format == "table":
        print("Brand share of voice (view brand_share_of_voice; brand_values has brand x value):")
    _print_table(columns, rows, args.format)
    if not rows and args.format == "table":
        print("(no brand mentions: name your brands in voyage.toml [[brand]], then `voyage rescore`)")
    return 0


EVERYTHING = {"since": None, "until": None, "segment": None, "community": None}  # the common filters, unset


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    """The reading commands' common filters as query parameters (sql/macros/picked.sql), names checked."""
    if args.since and args.until and args.since > args.until:
        raise ConfigError(f"--since {args.since} is after --until {args.until}")
    _check_names(_db(args), segment=args.segment, community=args.community)
    return {"since": args.since, "until": args.until, "segment": args.segment, "community": args.community}


def _window(args: argparse.Namespace) -> str:
    return " ".join(f"{k} {v}" for k, v in (("since", args.since), ("until", args.until)) if v)


def _check_names(db: Path, **wanted: str | None) -> None:
    """An unknown segment or community is one line that lists the known ones, not an empty table."""
    from pipeline import store

    if not any(wanted.values()):
        return
    known: dict[str, list[str]] = {}
    for kind, name in store.run_query(db, store.sql("known_names"))[1]:
        known.setdefault(kind, []).append(name)
    for kind, name in wanted.items():
        if name and name not in known.get(kind, []):
            raise ConfigError(f"unknown {kind} {name!r} (known: {', '.join(known.get(kind, [])) or 'none stored'})")


@command
def cmd_forget(args: argparse.Namespace) -> int:
    from pipeline import store
    from pipeline.privacy import author_key, pseudonym

    config = _config(args, missing_ok=True)
    store.require(config.db_path)
    hints: list[str] = []
    if args.author:
        hidden = pseudonym(args.author, author_key(config.db_path))
        with store.opened(config.db_path) as con:
            posts, scores, mentions = store.forget(con, authors=[hidden, " ".join(args.author.split()).lower()],
                                                      pseudonym=hidden)
        who = f"author {args.author!r}"
    else:
        with store.opened(config.db_path) as con:
            posts, scores, mentions = store.forget(con, url=args.url)
            hints = store.nearest_urls(con, args.url) if not posts else []
        who = args.url
    if not posts:
        hint = (f"; the nearest stored pages: {', '.join(hints)}" if hints else
                "; authors are matched by the name exactly as the source shows it (stored only as a keyed "
                "pseudonym)" if args.author else "")
        print(f"voyage: nothing stored matches {who}: 0 posts deleted (a tombstone was left, so it is never "
              f"stored in future){hint}", file=sys.stderr)
        return EXIT_ERROR
    store.compact(config.db_path)  # deleted rows stay in the file's free blocks until it is rewritten
    print(f"forgot {who}: {posts} posts and comments, {scores} sentiment rows, {mentions} mentions deleted; "
          "future runs will not store them again")
    return 0


@command
def cmd_export(args: argparse.Namespace) -> int:
    from pipeline import store

    written = store.export(_db(args), args.out, args.format)
    _print_table(["export", "rows"], sorted(written.items()))
    print(f"written to {args.out}/ as {args.format}")
    return 0


@command
def cmd_serve(args: argparse.Namespace) -> int:
    if not os.environ.get("PREFECT_API_URL"):
        raise ConfigError("scheduling needs a Prefect server: run `prefect server start` in another terminal, "
                          "then `export PREFECT_API_URL=http://127.0.0.1:4200/api` and run `voyage serve` again")
    _prepare_prefect()
    from flows.voyage import voyage

    voyage.serve(name="voyage-daily", cron=args.cron, parameters={"config_path": str(Path(args.config).resolve())})
    return 0


def _run_direct(config: Any, communities: list[Any], observe: bool = True) -> list[Any]:
    """The steps without Prefect, with progress on a terminal."""
    from pipeline import steps

    return steps.run_direct(config, communities, steps.make_context(config), progress=_progress(), observe=observe)


def _progress() -> Any:
    """On a terminal only (quiet when piped or run by a scheduler): each community's stages as they start
    (fetching, scoring N texts, loading), then one line as it lands."""
    if not sys.stderr.isatty():
        return None

    class Lines:
        def stage(self, community: str, what: str) -> None:
            print(safe(f"      {community}: {what} ..."), file=sys.stderr, flush=True)

        def landed(self, row: Any, done: int, total: int) -> None:
            print(safe(f"[{done}/{total}] {row.community}: {row.status}, {row.fetched} fetched, {row.new} new "
                       f"({row.duration_s:.1f}s)"), file=sys.stderr, flush=True)

    return Lines()


@contextmanager
def _ctrl_c_stops_requests() -> Iterator[None]:
    """The first Ctrl-C stops new requests (what is loaded stays, the rest is reported as interrupted); a second
    one quits at once."""
    from connectors.http import INTERRUPT

    def stop(signum: int, frame: Any) -> None:
        if INTERRUPT.is_set():
            raise KeyboardInterrupt
        INTERRUPT.set()
        print("\nvoyage: stopping: no new requests; loading what is in hand (Ctrl-C again to quit at once)",
              file=sys.stderr, flush=True)

    INTERRUPT.clear()
    previous = signal.signal(signal.SIGINT, stop) if threading.current_thread() is threading.main_thread() else None
    try:
        yield
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def _print_new_alerts(db_path: Path, started: datetime) -> None:
    """The alerts the run just raised, after its table (they are also in `voyage alerts` and the artifact)."""
    from pipeline import store

    if Path(db_path).exists():
        since = started.astimezone(UTC).replace(tzinfo=None)
        for community, kind, message in store.run_query(db_path, store.sql("new_alerts"), {"started": since})[1]:
            print(safe(f"alert: {community}: {kind}: {message}"))


def _print_runs(rows: Sequence[Any], seconds: float, fmt: str = "table") -> None:
    if fmt != "table":
        fields = list(type(rows[0]).__dataclass_fields__) if rows else ["community"]
        _print_table(fields, [[getattr(r, f) for f in fields] for r in rows], fmt)
        return
    columns = ["community", "status", "fetched", "new", "updated", "missed", "seconds", "note"]
    table = [(r.community, r.status, r.fetched, r.new, r.updated, r.missed, f"{r.duration_s:.1f}",
              (r.error or "")[:90]) for r in sorted(rows, key=lambda r: r.community)]
    _print_table(columns, table)
    skipped: dict[str, list[str]] = {}
    for r in rows:
        if r.status == "skipped":
            skipped.setdefault(r.error or "skipped", []).append(r.community)
    for reason, names in skipped.items():  # e.g. no Reddit credentials: one line for all of them, in full
        print(safe(f"skipped {', '.join(sorted(names))}: {reason}"))
    failed = sum(1 for r in rows if r.status == "failed")
    interrupted = sum(1 for r in rows if r.status == "interrupted")
    print(f"{len(rows)} communities in {seconds:.1f}s, {failed} failed"
          + (f", {interrupted} interrupted" if interrupted else ""))


def _print_sentiment(db_path: Path, communities: list[str]) -> None:
    from pipeline import store

    columns, rows = store.run_query(db_path, store.sql("community_sentiment"), {"communities": communities})
    if rows:
        _print_table(columns, rows)


def _print_demo_report(db_path: Path) -> None:
    from pipeline import store

    print("\nSentiment per community (all sample weeks):")
    columns, rows = store.run_query(db_path, store.sql("community_sentiment"), {"communities": None})
    _print_table(columns, rows)
    print("\nSentiment per segment, last 4 weeks:")
    columns, rows = store.run_query(db_path, store.sql("trends_segment"), EVERYTHING | {"weeks": 4})
    _print_table(columns, rows)
    print("\nCustomer Value Grid by segment:")
    columns, rows = store.run_query(db_path, store.sql("value_grid"), EVERYTHING | {"by": "segment"})
    _print_grid(columns, rows, "segment")
    print(f"\nDuckDB file: {db_path}")
    voyage = "voyage" if shutil.which("voyage") else os.path.relpath(Path(sys.prefix) / "bin" / "voyage")
    print(f'Try: {voyage} sql --db {db_path.name} "SELECT * FROM sentiment_weekly ORDER BY week DESC LIMIT 10"')


def _print_grid(columns: Sequence[str], rows: Sequence[Sequence[Any]], by: str) -> None:
    """The long rows of the value_grid query as two tables, one value per column: the share of posts that mention
    each value, then how those sentences feel; the largest lifts in a line, explained."""
    from pipeline.accept import VALUES

    cells: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        r = dict(zip(columns, row, strict=True))
        cells.setdefault(r["cell"], {})[r["value"]] = r
    first = {cell: next(iter(values.values())) for cell, values in cells.items()}
    other = any(first[c]["other_language"] for c in cells)
    shares = [(cell, first[cell]["scored_posts"], *(f"{values[v]['share']:.0%}" if v in values else "" for v in VALUES),
               *([first[cell]["other_language"]] if other else [])) for cell, values in cells.items()]
    print("\nShare of posts that mention each value:")
    _print_table([by, "posts", *VALUES, *(["not English"] if other else [])], shares)
    moods = [(cell, *(f"{values[v]['mean_compound']:+.2f}" if v in values and values[v]["posts"] else "-"
                      for v in VALUES)) for cell, values in cells.items()]
    print("\nHow those sentences feel (mean VADER compound, -1 to +1; - where nobody mentions the value):")
    _print_table([by, *VALUES], moods)
    lifts = sorted((r for values in cells.values() for r in values.values() if r["posts"] >= 3 and r["lift"]),
                   key=lambda r: -r["lift"])[:3]
    if lifts and len(cells) > 1:
        print("\nLift is a cell's share against the share across all communities: x2.0 means this "
              f"{by} mentions the value twice as often as everyone. Highest: "
              + ", ".join(f"{r['cell']} x {r['value']} x{r['lift']:.1f}" for r in lifts) + ".")


def _print_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], fmt: str = "table") -> None:
    if fmt == "csv":
        import csv

        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
        return
    if fmt == "json":
        import json

        print(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], default=str, indent=1))
        return
    cells = [[_cell(v) for v in row] for row in rows]
    widths = _fit([max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)])
    for row in ([*columns], ["-" * w for w in widths], *cells):
        print("  ".join(_clip(v, w).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    if not rows:
        print("(no rows)")


def _fit(widths: list[int]) -> list[int]:
    """On a terminal, narrow the widest columns until the table fits its width (a clipped cell ends in "…")."""
    if not sys.stdout.isatty():
        return widths
    room = shutil.get_terminal_size().columns - 2 * (len(widths) - 1)
    widths = list(widths)
    while sum(widths) > room and max(widths) > 12:
        widest = widths.index(max(widths))
        widths[widest] = max(12, widths[widest] - (sum(widths) - room))
    return widths


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _cell(value: Any) -> str:
    from pipeline.report import cell_text

    text = safe(" ".join(cell_text(value).split()))
    return text if len(text) <= 80 else text[:77] + "..."


if __name__ == "__main__":
    sys.exit(main())
