"""The Reddit connector, with real praw talking to a loopback server that speaks Reddit's API shape."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors import FetchContext
from connectors.http import Http
from connectors.reddit import MISSING_CREDENTIALS, RedditLimiter, fetch, markdown_to_text, reddit_factory
from pipeline.errors import SourceRejected, SourceSkipped, SourceUnavailable
from pipeline.models import COMMENT, POST, Community, Cursor, FetchResult
from pipeline.sample.reddit import RedditFault, install_reddit
from pipeline.sample.server import SampleServer
from tests.conftest import FIXTURES

SUB = "CastIron"
THREAD = "1hq0001"  # a four-level tree plus a "more" stub that hides another stub


@pytest.fixture
def reddit_dir(tmp_path: Path) -> Path:
    """A private copy of the fixtures, so a test may edit threads between two fetches."""
    return Path(shutil.copytree(FIXTURES / "reddit", tmp_path / "reddit"))


@pytest.fixture
def faults() -> list[RedditFault]:
    return []


@pytest.fixture
def praw_kwargs(server: SampleServer, reddit_dir: Path, faults: list[RedditFault]) -> dict[str, Any]:
    return install_reddit(server, reddit_dir, faults=faults)


@pytest.fixture
def ctx(server: SampleServer, http: Http, praw_kwargs: dict[str, Any]) -> FetchContext:
    return context(server, http, praw_kwargs)


@pytest.fixture(autouse=True)
def no_praw_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Neither the developer's praw.ini nor praw_* variables leak into a test."""
    for name in ("client_id", "client_secret", "user_agent", "site", "oauth_url", "reddit_url"):
        monkeypatch.delenv(f"praw_{name}", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.chdir(tmp_path)
    yield


def context(server: SampleServer, http: Http, praw_kwargs: dict[str, Any]) -> FetchContext:
    factory = reddit_factory("WebVoyage tests", settings=http.settings, limiter=RedditLimiter(60_000), **praw_kwargs)
    return FetchContext(http=http, now=server.now, reddit=factory)


def castiron(**options: Any) -> Community:
    keywords = tuple(options.pop("keywords", ()))
    return Community("cast-iron", "reddit", "home cooks", subreddit=SUB, keywords=keywords, options=options)


def by_id(result: FetchResult) -> dict[str, Any]:
    return {post.external_id: post for post in result.posts}


def edit_thread(reddit_dir: Path, thread_id: str, change: Any) -> None:
    path = reddit_dir / SUB / "comments" / f"{thread_id}.json"
    text = path.read_text()
    path.write_text(change(text))


def test_a_first_run_brings_every_submission_in_the_lookback_with_its_whole_comment_tree(
        ctx: FetchContext, server: SampleServer) -> None:
    result = fetch(castiron(), Cursor(), ctx)
    posts = by_id(result)

    threads = {p.external_id for p in result.posts if p.kind == POST}
    assert threads == {"1hq0001", "1hq0002", "1hq0003", "1hq0004"}  # 1hq0005 is 45 days old
    tree = [p for p in result.posts if p.thread_id == THREAD and p.kind == COMMENT]
    assert len(tree) == 9 == posts[THREAD].reply_count
    assert all(p.parent_id in posts for p in tree)  # parents are Posts' external ids, prefixes stripped
    assert max(p.depth for p in tree) == 4
    assert posts["l0000s1"].parent_id == "l0000s0" and posts["l0000s1"].depth == 2  # behind two stubs
    assert server.count("/api/morechildren") == 2
    assert result.missed == 0 and result.warnings == ()


def test_a_submission_keeps_its_engagement_and_plain_text(ctx: FetchContext, server: SampleServer) -> None:
    post = by_id(fetch(castiron(), Cursor(), ctx))[THREAD]

    assert (post.score, post.upvote_ratio, post.reply_count, post.flair) == (412, 0.97, 9, "Restoration")
    assert post.source == "reddit" and post.author == "ferrous_wheel" and post.parent_id is None
    assert post.published.utcoffset().total_seconds() == 0
    assert post.url.startswith(server.base + "/r/CastIron/comments/1hq0001/")
    assert "**" not in post.body and ">" not in post.body and "https://" not in post.body
    assert "I read this guide but" in post.body


def test_comments_keep_score_author_flair_and_thread(ctx: FetchContext) -> None:
    comment = by_id(fetch(castiron(), Cursor(), ctx))["l0000rw"]

    assert (comment.kind, comment.thread_id, comment.parent_id) == (COMMENT, THREAD, "l0000rv")
    assert (comment.score, comment.author, comment.flair, comment.depth) == (4, "oil_and_iron", "Cast iron nerd", 4)


def test_deleted_and_removed_bodies_are_marked_and_never_kept_as_text(ctx: FetchContext) -> None:
    posts = by_id(fetch(castiron(), Cursor(), ctx))

    removed = [posts[i] for i in ("1hq0003", "l0002bd", "l0002bf")]
    assert all(p.removed and p.body == "" and p.text == "" for p in removed)
    assert all(p.author is None for p in removed)
    assert not posts["l0002be"].removed and posts["l0002be"].body == "What happened here?"


def test_the_comment_budget_counts_what_it_left_out(ctx: FetchContext, server: SampleServer) -> None:
    result = fetch(castiron(max_comments=6), Cursor(), ctx)

    tree = [p for p in result.posts if p.thread_id == THREAD and p.kind == COMMENT]
    assert len(tree) == 5  # the budget was spent on the first thread's visible comments
    assert result.missed == 3  # the stub hid three comments (and one more behind them, unknown yet)
    assert server.count("/api/morechildren") == 0
    assert any("3 comments left out" in w and "max_comments" in w for w in result.warnings)


def test_keywords_keep_only_matching_threads_without_fetching_the_others(
        ctx: FetchContext, server: SampleServer) -> None:
    result = fetch(castiron(keywords=["SKILLET"]), Cursor(), ctx)

    assert {p.thread_id for p in result.posts} == {"1hq0001", "1hq0004"}
    assert server.count("/comments/1hq0002") == 0
    assert result.cursor.newest_id == "1hq0001"


def test_a_rerun_rereads_the_lag_window_so_new_comments_and_scores_land(
        ctx: FetchContext, server: SampleServer, reddit_dir: Path) -> None:
    first = fetch(castiron(), Cursor(), ctx)
    edit_thread(reddit_dir, "1hq0002", lambda text: text.replace('"score": 57', '"score": 91').replace(
        '"body": "Drawer with blade guards is fine honestly."',
        '"body": "Drawer with blade guards is fine honestly.", "replies": {"kind": "Listing", "data": {'
        '"after": null, "children": [{"kind": "t1", "data": {"id": "lnew001", "name": "t1_lnew001", '
        '"parent_id": "t1_l0001jn", "link_id": "t3_1hq0002", "author": "new_voice", "score": 2, '
        '"body": "Guards work until you lose one.", "created_utc": ' + str(int(server.now.timestamp()) - 60)
        + ', "permalink": "/r/CastIron/comments/1hq0002/x/lnew001/"}}]}}').replace('"replies": "",\n   "id": "l0001jn"',
                                                                                '"id": "l0001jn"'))
    second = fetch(castiron(), first.cursor, ctx)
    posts = by_id(second)

    assert posts["1hq0002"].score == 91
    assert posts["lnew001"].parent_id == "l0001jn" and posts["lnew001"].depth == 2
    assert len(second.posts) == len(posts)  # nothing twice
    assert {p.thread_id for p in second.posts} == {"1hq0001", "1hq0002"}  # within 48 h of the newest
    assert server.count("/comments/1hq0004") == 1  # the 20-day-old thread was not read again
    assert second.cursor.newest == first.cursor.newest


def test_a_rerun_with_no_lag_reads_only_newer_submissions(
        ctx: FetchContext, server: SampleServer, reddit_dir: Path) -> None:
    first = fetch(castiron(), Cursor(), ctx)
    newer = (reddit_dir / SUB / "comments" / "1hq0001.json").read_text().replace("1hq0001", "1hq0009").replace(
        "{{epoch:-1d}}", "{{epoch:-1h}}")
    (reddit_dir / SUB / "comments" / "1hq0009.json").write_text(newer)
    second = fetch(castiron(lag_hours=0), first.cursor, ctx)

    assert {p.thread_id for p in second.posts} == {"1hq0009", "1hq0001"}  # the cursor's own time is inclusive
    assert second.cursor.newest_id == "1hq0009" and second.cursor.newest > first.cursor.newest


def test_a_first_run_says_when_the_listing_cap_cut_it_short(
        server: SampleServer, http: Http, reddit_dir: Path) -> None:
    ctx = context(server, http, install_reddit(server, reddit_dir, listing_cap=2))
    result = fetch(castiron(listing_cap=2), Cursor(), ctx)

    assert {p.thread_id for p in result.posts} == {"1hq0001", "1hq0002"}
    assert any("listing ends after 2 submissions" in w for w in result.warnings)


def test_requests_made_are_counted(ctx: FetchContext, server: SampleServer) -> None:
    result = fetch(castiron(), Cursor(), ctx)

    assert result.requests == len(server.hits) == 8  # token, one listing page, 4 threads, 2 stubs


def test_missing_credentials_skip_reddit_with_one_clear_line(http: Http, server: SampleServer) -> None:
    ctx = FetchContext(http=http, now=server.now, reddit=reddit_factory("WebVoyage tests"))
    with pytest.raises(SourceSkipped) as caught:
        fetch(castiron(), Cursor(), ctx)

    assert str(caught.value) == MISSING_CREDENTIALS
    assert not server.hits


def test_credentials_and_endpoints_come_from_praw_variables(
        monkeypatch: pytest.MonkeyPatch, server: SampleServer, http: Http, praw_kwargs: dict[str, Any]) -> None:
    for name in ("client_id", "client_secret", "oauth_url", "reddit_url"):
        monkeypatch.setenv(f"praw_{name}", praw_kwargs[name])
    factory = reddit_factory("WebVoyage tests", settings=http.settings, limiter=RedditLimiter(60_000))

    assert len(fetch(castiron(), Cursor(), FetchContext(http=http, now=server.now, reddit=factory)).posts) == 20


def test_a_praw_ini_site_chosen_by_praw_site_is_used(
        tmp_path: Path, server: SampleServer, praw_kwargs: dict[str, Any]) -> None:
    # praw reads praw.ini once per process, so this runs in a fresh one
    (tmp_path / "praw.ini").write_text(
        f"[voyage]\nclient_id = {praw_kwargs['client_id']}\nclient_secret = {praw_kwargs['client_secret']}\n")
    env = {**os.environ, "praw_site": "voyage", "praw_oauth_url": praw_kwargs["oauth_url"],
           "praw_reddit_url": praw_kwargs["reddit_url"], "PYTHONPATH": str(Path(__file__).parents[1]),
           "PRAW_ALLOW_ENDPOINT_OVERRIDE": "1"}
    script = (
        "from datetime import datetime; from connectors import FetchContext; from connectors.http import Http\n"
        "from connectors.reddit import fetch, reddit_factory, RedditLimiter\n"
        "from pipeline.models import Community, Cursor\n"
        f"ctx = FetchContext(http=Http(), now=datetime.fromisoformat({server.now.isoformat()!r}),\n"
        "                   reddit=reddit_factory('WebVoyage tests', limiter=RedditLimiter(60_000)))\n"
        f"print(len(fetch(Community('c', 'reddit', 's', subreddit={SUB!r}), Cursor(), ctx).posts))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)

    assert done.stdout.strip() == "20", done.stderr[-2000:]


def test_a_wrong_secret_is_rejected_once_and_stops_every_reddit_community(
        server: SampleServer, http: Http, praw_kwargs: dict[str, Any]) -> None:
    ctx = context(server, http, {**praw_kwargs, "client_secret": "not-the-secret"})
    with pytest.raises(SourceRejected, match="Reddit rejected the credentials"):
        fetch(castiron(), Cursor(), ctx)
    asked = len(server.hits)
    with pytest.raises(SourceRejected, match="Reddit rejected the credentials"):
        fetch(Community("other", "reddit", "x", subreddit="Parenting"), Cursor(), ctx)

    assert len(server.hits) == asked


@pytest.mark.parametrize(("fault", "message"), [
    (RedditFault(403, reason="private"), "r/CastIron is private (HTTP 403)"),
    (RedditFault(403, reason="quarantined"), "r/CastIron is quarantined (HTTP 403)"),
    (RedditFault(404, reason="banned"), "r/CastIron is banned (HTTP 404)"),
    (RedditFault(404), "r/CastIron does not exist (HTTP 404)"),
    (RedditFault(401), "Reddit rejected the credentials (HTTP 401)"),
])
def test_permanent_refusals_name_the_reason(
        fault: RedditFault, message: str, faults: list[RedditFault], ctx: FetchContext) -> None:
    faults.append(RedditFault(fault.status, path="/r/", reason=fault.reason))
    with pytest.raises(SourceRejected) as caught:
        fetch(castiron(), Cursor(), ctx)

    assert message in str(caught.value)


def test_an_unknown_subreddit_is_rejected_as_not_existing(ctx: FetchContext) -> None:
    community = Community("nope", "reddit", "x", subreddit="NoSuchSubredditHere")
    with pytest.raises(SourceRejected, match=r"r/NoSuchSubredditHere does not exist \(Reddit redirected to "):
        fetch(community, Cursor(), ctx)


def test_a_rate_limit_with_a_long_retry_after_gives_up_at_once_saying_when_to_come_back(
        faults: list[RedditFault], ctx: FetchContext, server: SampleServer) -> None:
    faults.append(RedditFault(429, path="/r/", retry_after="30"))
    with pytest.raises(SourceUnavailable, match=r"rate limit hit \(HTTP 429\), retry after 30s") as caught:
        fetch(castiron(), Cursor(), ctx)

    assert caught.value.retry_after == 30.0
    assert server.count("/r/") == 1


def test_a_rate_limit_without_retry_after_is_retried_with_backoff_then_reported(
        faults: list[RedditFault], ctx: FetchContext, server: SampleServer) -> None:
    faults.append(RedditFault(429, path="/r/"))
    with pytest.raises(SourceUnavailable, match="no Retry-After given") as caught:
        fetch(castiron(), Cursor(), ctx)

    assert caught.value.retry_after is None
    assert server.count("/r/") == 3  # the first try and two retries


def test_a_short_retry_after_is_honoured_and_the_fetch_goes_on(
        faults: list[RedditFault], ctx: FetchContext) -> None:
    faults.append(RedditFault(429, path="/comments/", times=1, retry_after="1"))
    started = time.monotonic()
    result = fetch(castiron(), Cursor(), ctx)

    assert time.monotonic() - started >= 1.0
    assert len(result.posts) == 20


def test_server_errors_are_retried_then_reported_as_unavailable(
        faults: list[RedditFault], ctx: FetchContext, server: SampleServer) -> None:
    faults.append(RedditFault(500, path="/r/"))
    with pytest.raises(SourceUnavailable, match=r"r/CastIron: Reddit server error \(HTTP 500\)"):
        fetch(castiron(), Cursor(), ctx)

    assert server.count("/r/") == 3


def test_a_server_error_that_passes_costs_nothing_but_a_retry(faults: list[RedditFault], ctx: FetchContext) -> None:
    faults.append(RedditFault(503, path="/api/morechildren", times=1))

    assert len(fetch(castiron(), Cursor(), ctx).posts) == 20


def test_the_client_secret_never_appears_in_errors_warnings_or_the_cursor(
        server: SampleServer, http: Http, reddit_dir: Path) -> None:
    secret = "hunter2-very-secret-value"
    faults: list[RedditFault] = []
    kwargs = install_reddit(server, reddit_dir, client_secret=secret, faults=faults, listing_cap=1)
    seen: list[str] = []
    result = fetch(castiron(max_comments=1, listing_cap=1), Cursor(), context(server, http, kwargs))
    seen += [*result.warnings, result.cursor.to_json(), *(json.dumps(p.body) for p in result.posts)]
    cases = [RedditFault(403, reason="private"), RedditFault(404), RedditFault(429, retry_after="30"),
             RedditFault(500), RedditFault(401)]
    for fault in cases:
        faults[:] = [RedditFault(fault.status, path="/r/", reason=fault.reason, retry_after=fault.retry_after)]
        with pytest.raises((SourceRejected, SourceUnavailable)) as caught:
            fetch(castiron(), Cursor(), context(server, http, kwargs))
        seen += [str(caught.value), repr(caught.value), *traceback.format_exception(caught.value)]
    with pytest.raises(SourceRejected) as caught:
        fetch(castiron(), Cursor(), context(server, http, {**kwargs, "client_secret": secret + "x"}))
    seen += [str(caught.value), *traceback.format_exception(caught.value)]

    assert result.warnings and len(seen) > 10
    assert not [text for text in seen if secret in text]


def test_the_shared_limiter_paces_past_its_burst() -> None:
    clock = [0.0]
    limiter = RedditLimiter(per_minute=60, burst=2, clock=lambda: clock[0],
                            sleep=lambda s: clock.__setitem__(0, clock[0] + s))
    for _ in range(4):
        limiter.acquire()

    assert clock[0] == pytest.approx(2.0)  # two at once, then one a second
    assert limiter.requests == 4


@pytest.mark.parametrize(("markdown", "text"), [
    ("See [the manual](https://example.com/a_(b)) first", "See the manual first"),
    ("> quoted line\n>> nested\n\nreply", "quoted line\nnested\n\nreply"),
    ("**bold** and *it* and __strong__ and ~~gone~~ and `code`", "bold and it and strong and gone and code"),
    ("# Heading\n\n* one\n* two\n\n---\n\n1. first", "Heading\n\none\ntwo\n\n1. first"),
    ("snake_case_name stays, >!spoiler!< opens, ^(tiny) text", "snake_case_name stays, spoiler opens, tiny text"),
    ("a &amp; b &gt; c\n\n&#x200B;\n\nd", "a & b > c\n\nd"),
    ("![a photo](https://i.example/x.jpg) of rust", "a photo of rust"),
])
def test_markdown_becomes_plain_text(markdown: str, text: str) -> None:
    assert markdown_to_text(markdown) == text


def test_voyage_scan_of_a_subreddit_loads_whole_trees_and_a_rerun_adds_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from pipeline import demo, store
    from pipeline.cli import main

    db = tmp_path / "scan.duckdb"
    with demo.start_server() as server, demo.praw_environment(server):
        assert main(["scan", "r/Parenting", "--db", str(db)]) == 0
        first = capsys.readouterr().out
        assert main(["scan", "r/Parenting", "--db", str(db)]) == 0
        again = capsys.readouterr().out

    _, kinds = store.run_query(db, "SELECT kind, count(*) FROM posts GROUP BY kind ORDER BY kind")
    assert dict(kinds) == {"comment": 48, "post": 8}  # the threads of the last 30 days, "more" stubs expanded
    assert re.search(r"r-parenting\s+ok\s+56\s+56\s+0\s+0", first)
    assert re.search(r"r-parenting\s+ok\s+\d+\s+0\s+0\s+0", again)  # the lag re-read changed nothing
    assert demo.DEMO_REDDIT_CLIENT["client_secret"].encode() not in db.read_bytes()


def test_a_run_without_reddit_credentials_skips_reddit_in_one_line_and_lands_the_rest(
        tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from pipeline import demo
    from pipeline.cli import main

    with demo.start_server() as server:
        config = demo.write_config(server, tmp_path, tmp_path / "v.duckdb")
        code = main(["run", "--direct", "--config", str(config)])
    out = capsys.readouterr().out

    assert code == 0
    assert re.search(r"buyitforlife\s+skipped", out) and re.search(r"parenting\s+skipped", out)
    assert re.search(r"sprouts\s+ok\s+[1-9]", out) and re.search(r"velovolt-riders\s+ok\s+[1-9]", out)
    assert [line for line in out.splitlines() if "credentials" in line and "|" not in line
            and line.startswith("skipped")] == [f"skipped buyitforlife, parenting: {MISSING_CREDENTIALS}"]


def write_big_thread(reddit_dir: Path, server: SampleServer, hidden: int) -> None:
    """A fresh thread whose comments all hide behind one "more" stub, as on a busy Reddit thread."""
    created = int(server.now.timestamp()) - 3600
    ids = [f"lbig{n:03d}" for n in range(hidden)]
    comments = [{"kind": "t1", "data": {"id": cid, "name": f"t1_{cid}", "parent_id": "t3_1hq0009",
                                        "link_id": "t3_1hq0009", "author": "someone", "score": 1, "replies": "",
                                        "body": f"Comment number {n}.", "created_utc": created + n}}
                for n, cid in enumerate(ids)]
    stub = {"kind": "more", "data": {"count": hidden, "name": f"t1_{ids[0]}", "id": ids[0], "depth": 0,
                                     "parent_id": "t3_1hq0009", "children": ids}}
    submission = {"kind": "t3", "data": {"id": "1hq0009", "name": "t3_1hq0009", "title": "Busy thread",
                                         "selftext": "", "author": "op", "score": 5, "num_comments": hidden,
                                         "created_utc": created, "permalink": "/r/CastIron/comments/1hq0009/x/"}}
    folder = reddit_dir / SUB
    page = [{"kind": "Listing", "data": {"children": [submission]}}, {"kind": "Listing", "data": {"children": [stub]}}]
    (folder / "comments" / "1hq0009.json").write_text(json.dumps(page))
    (folder / "more" / "1hq0009.json").write_text(json.dumps(comments))


def test_a_big_stub_is_expanded_a_page_at_a_time_within_the_budget(
        ctx: FetchContext, server: SampleServer, reddit_dir: Path) -> None:
    write_big_thread(reddit_dir, server, hidden=150)
    whole = fetch(castiron(lookback_days=0.5), Cursor(), ctx)
    assert len(whole.posts) == 151 and whole.missed == 0
    assert server.count("/api/morechildren") == 2  # 100, then the stub Reddit left for the other 50

    cut = fetch(castiron(lookback_days=0.5, max_comments=120), Cursor(), ctx)
    assert len(cut.posts) == 101 and cut.missed == 50


def write_deep_thread(reddit_dir: Path, server: SampleServer) -> None:
    """A thread deeper than Reddit shows: the third level sits behind a "continue this thread" stub."""
    created = int(server.now.timestamp()) - 7200

    def t1(cid: str, parent: str, replies: Any = "") -> dict[str, Any]:
        return {"kind": "t1", "data": {"id": cid, "name": f"t1_{cid}", "parent_id": parent, "replies": replies,
                                       "link_id": "t3_1hq0008", "author": "deep_diver", "score": 2,
                                       "body": f"Reply {cid}.", "created_utc": created + 60}}

    more = {"kind": "more", "data": {"count": 0, "name": "t1__", "id": "_", "parent_id": "t1_ldeep02",
                                     "depth": 2, "children": []}}
    chain = t1("ldeep01", "t3_1hq0008", {"kind": "Listing", "data": {"children": [
        t1("ldeep02", "t1_ldeep01", {"kind": "Listing", "data": {"children": [more]}})]}})
    submission = {"kind": "t3", "data": {"id": "1hq0008", "name": "t3_1hq0008", "title": "Deep thread",
                                         "selftext": "", "author": "op", "score": 5, "num_comments": 5,
                                         "created_utc": created, "permalink": "/r/CastIron/comments/1hq0008/x/"}}
    page = [{"kind": "Listing", "data": {"children": [submission]}}, {"kind": "Listing", "data": {"children": [chain]}}]
    hidden = [t1("ldeep03", "t1_ldeep02"), t1("ldeep04", "t1_ldeep03"), t1("ldeep05", "t1_ldeep02")]
    (reddit_dir / SUB / "comments" / "1hq0008.json").write_text(json.dumps(page))
    (reddit_dir / SUB / "more").mkdir(exist_ok=True)
    (reddit_dir / SUB / "more" / "1hq0008.json").write_text(json.dumps(hidden))


def test_continue_this_thread_stubs_bring_the_deeper_replies(
        ctx: FetchContext, server: SampleServer, reddit_dir: Path) -> None:
    write_deep_thread(reddit_dir, server)
    result = fetch(castiron(lookback_days=0.5), Cursor(), ctx)
    posts = by_id(result)

    assert {p.external_id: p.depth for p in result.posts if p.kind == COMMENT} == {
        "ldeep01": 1, "ldeep02": 2, "ldeep03": 3, "ldeep04": 4, "ldeep05": 3}
    assert posts["ldeep04"].parent_id == "ldeep03" and result.missed == 0
    assert server.count("/comments/1hq0008/_/ldeep02") == 1

    cut = fetch(castiron(lookback_days=0.5, max_comments=2), Cursor(), ctx)
    assert cut.missed == 1  # a "continue this thread" stub hides at least one reply


def test_a_thread_gone_since_the_listing_is_left_out_with_a_warning_not_a_failure(
        faults: list[RedditFault], ctx: FetchContext) -> None:
    faults.append(RedditFault(404, path="/comments/1hq0002"))
    result = fetch(castiron(), Cursor(), ctx)

    assert {p.thread_id for p in result.posts} == {"1hq0001", "1hq0003", "1hq0004"}
    assert result.warnings == ("r/CastIron: 1 threads could not be read and were left out: 1hq0002 (HTTP 404)",)


def test_a_thread_nested_past_the_parsers_recursion_fails_that_thread_alone(ctx: FetchContext,
                                                                             reddit_dir: Path) -> None:
    """A Reddit-compatible endpoint nesting replies hundreds deep: praw's parser recurses once per level."""
    def nested(depth: int) -> str:
        reply = '""'
        for level in range(depth, 0, -1):
            reply = ('{"kind": "Listing", "data": {"after": null, "children": [{"kind": "t1", "data": {'
                     f'"subreddit": "CastIron", "replies": {reply}, "id": "deep{level}", "name": "t1_deep{level}", '
                     f'"author": "a{level}", "parent_id": "t1_deep{level - 1}", "link_id": "t3_1hq0002", '
                     f'"score": 1, "body": "Level {level}.", "created_utc": {{{{epoch:-40h}}}}, "depth": {level}, '
                     '"permalink": "/r/CastIron/comments/1hq0002/x/deep/"}}], "before": null}}')
        return reply

    edit_thread(reddit_dir, "1hq0002", lambda text: text.replace('"replies": "",', f'"replies": {nested(150)},', 1))
    result = fetch(castiron(), Cursor(), ctx)
    assert "1hq0002" not in by_id(result) and THREAD in by_id(result)  # the others still land
    assert any("1hq0002 (replies nested too deep to read)" in w for w in result.warnings)
