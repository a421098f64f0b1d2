"""Everyday use, as a new user meets it (issue 9): a second run, a changed config, two forums, a dead host,
Ctrl-C, config typos, erasure requests. Each test failed before its fix."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from connectors import FetchContext
from connectors.http import Http
from pipeline import demo, steps, store
from pipeline.cli import main
from pipeline.config import load_config, parse_config, resolve_target
from pipeline.errors import ConfigError
from pipeline.models import Community, Cursor
from pipeline.sample.forums import DiscourseSample
from pipeline.sample.server import Reply, SampleServer
from tests.conftest import FAST, FIXTURES

COUNTS = ("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM post_sentiment), "
          "(SELECT count(*) FROM mentions), (SELECT count(DISTINCT community) FROM posts)")


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PREFECT_API_URL", raising=False)


@pytest.fixture
def sample() -> Iterator[SampleServer]:
    with demo.start_server() as server:
        yield server


def counts(db: Path | str) -> tuple:
    return store.run_query(db, COUNTS)[1][0]


# 1. a second run, a changed location

def test_the_demo_runs_twice_in_a_row_on_new_ports_and_adds_only_what_arrived(
    prefect_api: None, capsys: pytest.CaptureFixture
) -> None:
    assert main(["demo"]) == 0
    first, out = counts("demo.duckdb"), capsys.readouterr().out
    assert main(["demo"]) == 0  # a new server, on a new port, whose two probe threads gained 3 + 2 replies
    second = capsys.readouterr().out
    assert counts("demo.duckdb")[0] == first[0] + 5 and counts("demo.duckdb")[3] == first[3] == 7
    assert "0 failed" in out and "0 failed" in second and "Connection refused" not in second
    new = {m.group(1): int(m.group(2)) for m in re.finditer(r"^(\S+)\s+ok\s+\d+\s+(\d+)", second, re.M)}
    assert new == {"bikepacking-collective": 0, "buyitforlife": 0, "gearlab": 2, "parenting": 0, "sprouts": 0,
                   "trailnotes": 0, "velovolt-riders": 3}  # only the replies that arrived, nothing twice
    assert store.run_query("demo.duckdb", "SELECT replies FROM probe_curves ORDER BY probe_id, observed_at")[1] == [
        (6,), (8,), (4,), (6,)]  # by others: each probe's curve moved between the two runs


def test_a_changed_url_starts_the_community_afresh_and_keeps_its_posts(sample: SampleServer, tmp_path: Path) -> None:
    config = load_config(demo.write_config(sample, tmp_path, tmp_path / "v.duckdb"))
    gearlab = config.community("gearlab")
    (first,) = steps.run_direct(config, [gearlab], steps.make_context(config))
    moved = Community("gearlab", "rss", gearlab.segment, url=f"{sample.base}/blogs/trailnotes/atom.xml")
    (second,) = steps.run_direct(config, [moved], steps.make_context(config))
    assert first.new > 0 and second.fetched > 0 and second.new == second.fetched  # the new feed was read
    _, rows = store.run_query(config.db_path, "SELECT count(*) FROM posts WHERE url LIKE '%/gearlab/%'")
    assert rows[0][0] == first.new  # the old location's posts stay


# 2. identity: two forums, a scan of a configured blog, names without case

def test_two_discourse_forums_that_number_posts_alike_keep_every_post(tmp_path: Path) -> None:
    with SampleServer() as server:
        for prefix in ("/one", "/two"):
            DiscourseSample(server, FIXTURES / "discourse", prefix=prefix).install()
        config = parse_config("\n".join(
            f'[[community]]\nname = "{name}"\nkind = "discourse"\nurl = "{server.base}/{name}"\nsegment = "s"\n'
            f"rate = 1000\nlookback_days = 3650\n" for name in ("one", "two")))
        config = replace(config, db_path=tmp_path / "v.duckdb", fetch=FAST)
        rows = steps.run_direct(config, list(config.communities), steps.make_context(config))
    assert [r.status for r in rows] == ["ok", "ok"] and rows[0].fetched == rows[1].fetched > 0
    assert all(r.new == r.fetched and r.updated == 0 for r in rows)  # the second never overwrote the first
    _, stored = store.run_query(config.db_path, "SELECT community, count(*) FROM posts GROUP BY 1 ORDER BY 1")
    assert stored == [("one", rows[0].fetched), ("two", rows[0].fetched)]


def test_a_scan_of_a_configured_blogs_url_runs_as_that_community(sample: SampleServer, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture) -> None:
    config_path = demo.write_config(sample, tmp_path, tmp_path / "v.duckdb")
    assert main(["run", "--direct", "--config", str(config_path), "--only", "sprouts"]) == 0
    before = counts(tmp_path / "v.duckdb")
    assert main(["scan", f"{sample.base}/blogs/sprouts", "--config", str(config_path)]) == 0
    assert re.search(r"^sprouts\s", capsys.readouterr().out, re.M)
    assert counts(tmp_path / "v.duckdb") == before  # nothing re-homed into an "ad hoc" community
    _, names = store.run_query(tmp_path / "v.duckdb", "SELECT name FROM communities")
    assert names == [("sprouts",)]


def test_a_scan_target_matches_a_configured_location_however_it_is_written() -> None:
    config = parse_config('[[community]]\nname = "gear"\nkind = "rss"\nurl = "https://www.gear.example.com/"\n')
    assert resolve_target(config, "http://gear.example.com").name == "gear"
    assert resolve_target(config, "GEAR").name == "gear"
    assert resolve_target(config, "https://other.example.com/").segment == "ad hoc"


def test_community_names_that_differ_only_in_case_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"line 6: duplicate community name 'sprouts'"):
        parse_config('[[community]]\nname = "Sprouts"\nkind = "rss"\nurl = "https://a.example/"\n'
                     '[[community]]\nname = "sprouts"\nkind = "rss"\nurl = "https://b.example/"\n')


# 3. every community failing on the Prefect path

def test_when_every_community_fails_the_prefect_run_prints_its_table_and_exits_4(
    prefect_api: None, capsys: pytest.CaptureFixture
) -> None:
    Path("voyage.toml").write_text('[fetch]\nretries = 0\n[[community]]\nname = "gone"\nkind = "rss"\n'
                                   'url = "http://127.0.0.1:9/feed.xml"\nsegment = "s"\n')
    assert main(["run"]) == 4
    out, err = capsys.readouterr()
    assert re.search(r"gone\s+failed", out) and "1 failed" in out
    assert "unexpected error" not in err


# 4. Ctrl-C

def slow_blog(server: SampleServer, name: str, articles: int = 40) -> None:
    """A blog whose every comment feed takes half a second: a long run to interrupt."""
    items = "".join(f"<item><title>Post {i}</title><link>{server.base}/{name}/{i}</link><guid>{name}-{i}</guid>"
                    f"<pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate><description>Comfy boots {i}.</description>"
                    f"<wfw:commentRss>{server.base}/{name}/{i}/comments</wfw:commentRss></item>"
                    for i in range(articles))
    feed = ('<?xml version="1.0"?><rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/">'
            f"<channel><title>{name}</title>{items}</channel></rss>")

    def handle(request: object) -> Reply:
        if request.path.endswith("/comments"):  # type: ignore[attr-defined]
            time.sleep(0.5)
            return Reply(200, '<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
                         content_type="application/rss+xml")
        return Reply(200, feed, content_type="application/rss+xml")

    server.route(f"/{name}/", handle)


@pytest.mark.parametrize("path", ["--direct", "prefect"])
def test_ctrl_c_stops_new_requests_keeps_what_is_loaded_and_exits_130(sample: SampleServer, tmp_path: Path,
                                                                      path: str) -> None:
    for name in ("slow-a", "slow-b"):
        slow_blog(sample, name)
    Path("voyage.toml").write_text(
        f'[fetch]\nrate_per_host = 100.0\nburst = 100\n[[community]]\nname = "gearlab"\nkind = "rss"\n'
        f'url = "{sample.base}/blogs/gearlab/"\nsegment = "s"\n'
        + "".join(f'[[community]]\nname = "{n}"\nkind = "rss"\nurl = "{sample.base}/{n}/feed"\nsegment = "s"\n'
                  for n in ("slow-a", "slow-b")))
    voyage = Path(sys.executable).with_name("voyage")
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen([str(voyage), "run", *(["--direct"] if path == "--direct" else [])], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 60
    while sample.count("/slow-a/3/comments") == 0 and time.monotonic() < deadline:  # well into the slow blogs
        time.sleep(0.1)
    asked = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # as a terminal does: the whole foreground group
    time.sleep(2)
    requests_at_2s = sample.count("/slow-a/") + sample.count("/slow-b/")
    out, err = proc.communicate(timeout=30)  # no hang: it loads what it has, reports and exits
    seconds = time.monotonic() - asked
    assert proc.returncode == 130, err
    # the in-flight request (0.5 s) may finish; nothing is asked for 2 s after Ctrl-C, or after the exit
    assert sample.count("/slow-a/") + sample.count("/slow-b/") == requests_at_2s
    assert seconds < 30, seconds
    assert re.search(r"slow-a\s+interrupted", out) and re.search(r"gearlab\s+(ok|warning)", out), out
    assert "EventsWorker" not in err and "Traceback" not in err
    _, rows = store.run_query(tmp_path / "voyage.duckdb", "SELECT community, status FROM runs ORDER BY 1")
    assert dict(rows)["slow-a"] == "interrupted" and dict(rows)["gearlab"] in ("ok", "warning")


# 5. a dead host

def test_a_blog_whose_comment_feeds_sit_on_a_dead_host_scans_in_seconds_with_its_articles(
    sample: SampleServer
) -> None:
    items = "".join(f"<item><title>Post {i}</title><link>{sample.base}/moved/{i}</link><guid>moved-{i}</guid>"
                    f"<pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate><description>Text {i}.</description>"
                    f"<wfw:commentRss>http://127.0.0.1:9/{i}/feed</wfw:commentRss></item>" for i in range(40))
    feed = ('<?xml version="1.0"?><rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/">'
            f"<channel><title>moved</title>{items}</channel></rss>")
    sample.route("/moved/feed", lambda request: Reply(200, feed, content_type="application/rss+xml"))
    blog = Community("moved", "rss", "s", url=f"{sample.base}/moved/feed")
    started = time.monotonic()
    with Http(FAST) as http:
        collected = steps.collect(blog, Cursor(), FetchContext(http=http), None)
        sent = http.requests
    assert time.monotonic() - started < 5
    assert len(collected.result.posts) == 40
    assert sent <= 2 + 1 + FAST.retries + 1  # robots + feed here, robots tried and retried there, nothing more
    (note,) = [w for w in collected.result.warnings if "gave up" in w]
    assert "127.0.0.1:9" in note and "39 more URLs not fetched" in note


# 7. config mistakes

@pytest.mark.parametrize("toml, message", [
    ('[[community]]\nname = "a"\nkind = "rss"\nurl = "https://a.example/"\nsegmnet = "x"\n',
     "line 5: community 'a': unknown key `segmnet` (did you mean `segment`?)"),
    ('[[community]]\nname = "a"\nkind = "rss"\nurl = "https://a.example/"\nkeyword = ["x"]\n',
     "line 5: community 'a': unknown key `keyword` (did you mean `keywords`?)"),
    ('[store]\npth = "x.duckdb"\n', "line 2: unknown setting store.pth (did you mean `path`?)"),
    ('[[brand]]\nname = "Acme"\nalias = ["ACME"]\n',
     "line 3: unknown key `alias` in [[brand]] (did you mean `aliases`?)"),
    ('[[community]]\nname = "a"\nkind = "rss"\nurl = "https://a.example/"\nrate = "fast"\n',
     "line 5: community 'a': `rate` must be a number of requests per second above 0 (got 'fast')"),
    ('[store]\npath = 5\n', "line 2: store.path must be a file path (got 5)"),
    ('[fetch]\nrate_per_hots = 2\n', "line 2: unknown setting fetch.rate_per_hots (did you mean `rate_per_host`?)"),
    ('[accept.add]\nTrsut = ["solid"]\n', "'Trsut' is not an ACCEPT value (did you mean `Trust`?)"),
])
def test_every_config_mistake_is_one_line_with_its_line_and_a_hint(toml: str, message: str,
                                                                    capsys: pytest.CaptureFixture) -> None:
    Path("voyage.toml").write_text(toml + ('[[community]]\nname = "z"\nkind = "rss"\nurl = "https://z.example/"\n'
                                           if "community" not in toml else ""))
    assert main(["run"]) == 2  # found before Prefect starts: no server, no traceback
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


# 8. forget

def test_forget_with_no_match_fails_with_hints_and_accepts_a_browsers_forms_of_a_url(
    sample: SampleServer, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    config_path = demo.write_config(sample, tmp_path, tmp_path / "v.duckdb")
    assert main(["run", "--direct", "--config", str(config_path), "--only", "velovolt-riders"]) == 0
    _, (url,) = store.run_query("v.duckdb", "SELECT url FROM posts WHERE kind = 'post' ORDER BY url LIMIT 1")
    capsys.readouterr()
    assert main(["forget", "--url", url[0].replace("/t/", "/t/x"), "--db", "v.duckdb"]) == 1
    err = capsys.readouterr().err
    assert "nothing stored matches" in err and "nearest stored pages" in err and url[0] in err
    thread = url[0].rsplit("/", 1)[0]  # the topic's page, without the post number
    before = counts("v.duckdb")[0]
    assert main(["forget", "--url", f"{thread}/3/?u=someone#post_3", "--db", "v.duckdb"]) == 0
    assert counts("v.duckdb")[0] < before
    assert main(["forget", "--author", "Nobody Atall", "--db", "v.duckdb"]) == 1


# 9. rows that change when nothing changed

def test_a_discourse_reply_keeps_its_depth_when_its_parent_is_outside_the_rerun_window(tmp_path: Path) -> None:
    with SampleServer() as server:
        forum = DiscourseSample(server, FIXTURES / "discourse", prefix="/forum").install()
        old = server.now - timedelta(days=3)
        chain = [forum.add_post(301, "a", "<p>First reply deep down.</p>", reply_to=40, created=old)]
        for word in ("second", "third"):
            chain.append(forum.add_post(301, "b", f"<p>The {word} level.</p>", reply_to=chain[-1]["post_number"],
                                        created=old))
        community = Community("hearth", "discourse", "s", url=f"{server.base}/forum",
                              options={"rate": 1000, "lag_hours": 24, "lookback_days": 3650})
        config = parse_config("")
        config = replace(config, db_path=tmp_path / "v.duckdb", fetch=FAST)
        (first,) = steps.run_direct(config, [community], steps.make_context(config))
        (again,) = steps.run_direct(config, [community], steps.make_context(config))
        reply = forum.add_post(301, "c", "<p>Replying to the third.</p>", reply_to=chain[-1]["post_number"])
        (third,) = steps.run_direct(config, [community], steps.make_context(config))
    assert first.new > 0 and (again.new, again.updated) == (0, 0)
    _, depths = store.run_query(config.db_path, "SELECT external_id, depth FROM posts WHERE external_id IN "
                                f"('{chain[-1]['id']}', '{reply['id']}') ORDER BY external_id")
    assert depths[1][1] == depths[0][1] + 1 >= 4, depths
    assert third.new == 1 and third.updated == 1  # the new reply, and its parent's reply count


# 10. smaller ones

def test_negative_posts_shows_a_comments_own_text(tmp_path: Path) -> None:
    from pipeline.score import score_posts
    from tests.test_store import BLOG, article, run_row

    post = article(1, "Fine.")
    comment = replace(article(2, "This broke and I hate it, terrible and awful."), kind="comment", thread_id="1",
                      parent_id="1", title="Thread title")
    with store.opened(tmp_path / "v.duckdb") as con:
        store.load_community(con, BLOG, score_posts([post, comment]), Cursor(), run_row("r1"))
    _, rows = store.run_query(tmp_path / "v.duckdb", "SELECT kind, text FROM negative_posts")
    assert rows == [("comment", "This broke and I hate it, terrible and awful.")]


def test_communities_lists_configured_ones_never_loaded_and_can_reset_and_remove(
    sample: SampleServer, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    config_path = demo.write_config(sample, tmp_path, tmp_path / "v.duckdb")
    assert main(["run", "--direct", "--config", str(config_path), "--only", "sprouts"]) == 0
    assert main(["scan", f"{sample.base}/blogs/nothing-here/", "--db", "v.duckdb"]) == 4  # an ad hoc failure
    capsys.readouterr()
    assert main(["communities", "--config", str(config_path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^gearlab\s.*not loaded yet", out, re.M) and "nothing-here" not in out
    assert main(["communities", "--config", str(config_path), "--reset", "sprouts"]) == 0
    with store.opened(tmp_path / "v.duckdb") as con:
        assert store.read_cursor(con, load_config(config_path).community("sprouts")).newest is None
    assert main(["communities", "--config", str(config_path), "--remove", "sprouts"]) == 0
    assert counts(tmp_path / "v.duckdb")[0] == 0
    assert main(["communities", "--config", str(config_path), "--remove", "nope"]) == 2


def test_a_plain_reader_holding_the_file_is_named_as_such(sample: SampleServer, capsys: pytest.CaptureFixture,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    assert main(["scan", f"{sample.base}/blogs/sprouts/", "--db", "v.duckdb"]) == 0
    reader = subprocess.Popen([sys.executable, "-c", "import duckdb, time; con = duckdb.connect('v.duckdb', "
                               "read_only=True); print('open', flush=True); time.sleep(30)"],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        monkeypatch.setenv("VOYAGE_LOCK_WAIT", "0.5")
        with pytest.raises(Exception, match=rf"PID {reader.pid}.*reading it such as a notebook"):
            store.connect("v.duckdb")
    finally:
        reader.kill()


def test_sql_without_a_query_says_what_to_give(capsys: pytest.CaptureFixture) -> None:
    assert main(["sql", ""]) == 2
    assert "give a query" in capsys.readouterr().err


def test_a_prefect_api_that_does_not_answer_says_how_to_go_on(tmp_path: Path) -> None:
    Path("voyage.toml").write_text('[[community]]\nname = "z"\nkind = "rss"\nurl = "https://z.example/"\n')
    env = {**os.environ, "PREFECT_API_URL": "http://127.0.0.1:9/api", "PREFECT_HOME": str(tmp_path / "prefect")}
    done = subprocess.run([str(Path(sys.executable).with_name("voyage")), "run"], env=env, capture_output=True,
                          text=True, timeout=120)  # its own process: the test session's Prefect API is live here
    assert done.returncode == 2, done.stderr
    assert "does not answer" in done.stderr and "--direct" in done.stderr and done.stderr.count("\n") == 1


def test_a_stored_file_from_before_community_keys_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    root = store.SQL / "schema"
    for name in ("000_migrations.sql", "001_core.sql", "010_privacy.sql"):
        con.execute((root / name).read_text())
    con.execute("INSERT INTO schema_migrations VALUES (1, '001_core', now()), (10, '010_privacy', now())")
    con.execute("INSERT INTO communities VALUES ('blog', 'rss', 'x', 's', [], now())")
    for port in (8001, 8002):  # the same page stored twice, once per port: one row after the migration
        con.execute(f"INSERT INTO posts VALUES ('rss:http://127.0.0.1:{port}/?p=1', 'blog', 'rss', "
                    f"'http://127.0.0.1:{port}/?p=1', 'u', 'rss:http://127.0.0.1:{port}/?p=1', NULL, 'post', NULL, "
                    f"'t', 'b', now(), NULL, NULL, 0, NULL, NULL, false, 'h', now(), now() + INTERVAL {port} SECOND)")
        con.execute(f"INSERT INTO post_sentiment VALUES ('rss:http://127.0.0.1:{port}/?p=1', 0.5, 0.5, 0.5, 0, "
                    "'positive', 1)")
    con.close()
    with store.opened(path) as con:
        assert con.execute("SELECT post_id, thread_id, external_id FROM posts").fetchall() == [
            ("blog/rss:127.0.0.1/?p=1", "blog/rss:127.0.0.1/?p=1", "127.0.0.1/?p=1")]
        assert con.execute("SELECT post_id FROM post_sentiment").fetchall() == [("blog/rss:127.0.0.1/?p=1",)]


def test_a_reddit_community_skipped_for_missing_credentials_is_not_a_failed_task(
    prefect_api: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.voyage import voyage

    for name in [k for k in os.environ if k.lower().startswith("praw_")]:
        monkeypatch.delenv(name)
    Path("voyage.toml").write_text('[[community]]\nname = "bifl"\nkind = "reddit"\nsubreddit = "BuyItForLife"\n'
                                   'segment = "s"\n')
    state = voyage(config_path="voyage.toml", return_state=True)
    assert state.is_completed() and [r["status"] for r in state.result()] == ["skipped"]
    with get_client(sync_client=True) as client:
        runs = client.read_task_runs(flow_run_filter=FlowRunFilter(
            id=FlowRunFilterId(any_=[state.state_details.flow_run_id])))
    assert [r.state.type.value for r in runs] == ["COMPLETED"]


def test_a_run_frees_each_communitys_texts_once_they_are_loaded(sample: SampleServer, tmp_path: Path) -> None:
    """Memory stays bounded by the communities in flight, not the whole run: when a community has landed, no
    collected batch of an earlier one is still alive (they were held by the run's futures until it ended)."""
    import gc

    config = load_config(demo.write_config(sample, tmp_path, tmp_path / "v.duckdb"))
    landed: list[str] = []
    kept: set[str] = set()

    class Watch:
        def stage(self, community: str, what: str) -> None: ...

        def landed(self, row: store.RunRow, done: int, total: int) -> None:
            landed.append(row.community)
            gc.collect()
            kept.update(o.community.name for o in gc.get_objects() if isinstance(o, steps.Collected)
                        and o.community.name in landed)

    rows = steps.run_direct(config, list(config.communities), steps.make_context(config), progress=Watch())
    assert len(rows) == len(landed) >= 3 and all(r.fetched for r in rows if r.status == "ok")
    assert not kept, f"still held after their load: {sorted(kept)}"
