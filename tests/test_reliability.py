"""Fault tolerance, crash safety, locking and privacy, on real DuckDB files, processes and loopback servers."""

from __future__ import annotations

import signal
import stat
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors import FetchContext
from connectors.http import Http
from pipeline import steps, store
from pipeline.cli import main
from pipeline.config import Config, Privacy
from pipeline.errors import DatabaseLocked
from pipeline.models import COMMENT, POST, Community, Cursor, FetchResult, FetchSettings, Post
from pipeline.privacy import KEY_ENV, key_path, pseudonym
from pipeline.score import score_posts
from tests.faults import FaultServer, ok, status

ROOT = Path(__file__).resolve().parent.parent
BLOG = Community("blog", "rss", "hikers", url="https://blog.example.com/")
NOW = datetime.now(UTC).replace(microsecond=0)
MATCHER = steps.make_matcher(Config(communities=()))
FEED = """<?xml version="1.0"?><rss version="2.0"><channel><title>Camp</title><link>{base}/</link>
<item><title>Tent review</title><link>{base}/tent</link><guid>{base}/tent</guid>
<pubDate>{date}</pubDate><description>A sturdy, comfortable tent. I love it.</description></item>
</channel></rss>"""

# Loads batches of `size` posts in a loop, each with its cursor, printing the batch number after each commit.
LOADER = textwrap.dedent("""
    import sys
    from datetime import UTC, datetime
    from pipeline import store
    from pipeline.models import POST, Community, Cursor, Post, ScoredPost, Sentiment
    path, size, batches = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    big = Community("big", "rss", "s", url="http://x/")
    t = datetime(2026, 11, 1, tzinfo=UTC)
    with store.opened(path) as con:
        start = store.read_cursor(con, big).state.get("batches", 0)
        for n in range(start, start + batches):
            posts = [Post("big", "rss", f"{n}-{i}", f"http://x/{n}/{i}", f"{n}-{i}", None, POST, "a", "t",
                          "words " * 30, t) for i in range(size)]
            scored = [ScoredPost(p, Sentiment(0.5, 0.5, 0.5, 0.0), 1) for p in posts]
            cursor = Cursor(newest_id=str(n), state={"batches": n + 1})
            store.load_community(con, big, scored, cursor, store.RunRow(f"r{n}", "big", t, t, "ok", fetched=size))
            print(n, flush=True)
""")


def loader(db: Path, size: int, batches: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", LOADER, str(db), str(size), str(batches)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)


@pytest.fixture
def holder(db_path: Path) -> Iterator[subprocess.Popen]:
    """Another process holding the file open for writing until the test ends."""
    store.connect(db_path).close()
    code = "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('holding', flush=True); sys.stdin.read()"
    proc = subprocess.Popen([sys.executable, "-c", code, str(db_path)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    yield proc
    proc.stdin.close()
    proc.wait(10)


def post(n: int, author: str = "Jane Doe", body: str = "Great boots, really comfortable and I trust them.",
         published: datetime = NOW, kind: str = POST, on: int | None = None) -> Post:
    thread = f"https://blog.example.com/?p={on or n}"
    url = f"https://blog.example.com/{on}/#c{n}" if kind == COMMENT else f"https://blog.example.com/{n}/"
    return Post("blog", "rss", f"https://blog.example.com/?p={n}", url, thread, thread if on else None, kind,
                author, f"Post {n}" if kind == POST else "", body, published)


def load(db: Path, posts: list[Post], privacy: Privacy | None = None, run_id: str = "r1") -> store.RunRow:
    collected = steps.Collected(BLOG, FetchResult(posts, Cursor()), score_posts(posts, MATCHER), NOW)
    return steps.load(db, collected, run_id, privacy)


def table_counts(db: Path) -> tuple:
    _, rows = store.run_query(db, "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM post_sentiment), "
                                  "(SELECT count(*) FROM mentions)")
    return rows[0]


@pytest.mark.parametrize("delay", [0.05, 0.3])
def test_a_load_killed_mid_batch_leaves_a_consistent_file_and_the_next_run_resumes(db_path: Path, delay: float):
    size = 20_000
    proc = loader(db_path, size, batches=1000)
    assert proc.stdout.readline().strip() == "0"  # one batch committed; the next is loading
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)

    def state() -> tuple[int, int, int, int]:
        with store.opened(db_path, read_only=True) as con:
            batches = store.read_cursor(con, Community("big", "rss", "s", url="http://x/")).state["batches"]
            posts, scores, runs = con.execute(
                "SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM post_sentiment), "
                "(SELECT count(*) FROM runs)").fetchone()
        return batches, posts, scores, runs

    batches, posts, scores, runs = state()
    assert batches >= 1
    assert posts == scores == batches * size  # no half batch, and the cursor matches the data
    assert runs == batches
    resumed = loader(db_path, size, batches=1)
    assert resumed.communicate(timeout=60)[0].strip() == str(batches)
    assert state() == (batches + 1, (batches + 1) * size, (batches + 1) * size, batches + 1)


def test_a_second_writer_waits_the_bounded_time_then_fails_clearly(db_path: Path, holder: subprocess.Popen):
    started = time.monotonic()
    with pytest.raises(DatabaseLocked, match="in use by another process"):
        store.connect(db_path, wait=0.6)
    assert 0.6 <= time.monotonic() - started < 3


def test_the_lock_wait_comes_from_the_environment(db_path: Path, holder: subprocess.Popen,
                                                  monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("VOYAGE_LOCK_WAIT", "0.3")
    started = time.monotonic()
    with pytest.raises(DatabaseLocked):
        store.connect(db_path)
    assert time.monotonic() - started < 2


def test_voyage_sql_explains_a_lock_in_one_line(db_path: Path, holder: subprocess.Popen,
                                                capsys: pytest.CaptureFixture):
    assert main(["sql", "--db", str(db_path), "SELECT count(*) FROM posts"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "in use by another process" in err and "Traceback" not in err


def test_voyage_sql_refuses_writes_in_one_line(db_path: Path, capsys: pytest.CaptureFixture):
    load(db_path, [post(1)])
    assert main(["sql", "--db", str(db_path), "DELETE FROM posts"]) == 1
    assert "read-only" in capsys.readouterr().err
    assert table_counts(db_path)[0] == 1


def test_authors_are_pseudonymised_with_a_key_that_stays_out_of_the_file(db_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    load(db_path, [post(1, "Jane Doe"), post(2, "jane  DOE"), post(3, "Bob")])
    key = key_path(db_path)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    _, rows = store.run_query(db_path, "SELECT author, count(*) FROM posts GROUP BY ALL ORDER BY 2 DESC")
    assert rows == [(pseudonym("Jane Doe", key.read_text().strip().encode()), 2), (rows[1][0], 1)]
    assert all(author.startswith("anon-") for author, _ in rows)
    data = db_path.read_bytes()
    assert b"Jane Doe" not in data and b"Bob" not in data and key.read_text().strip().encode() not in data


def test_the_key_from_the_environment_is_used_and_no_key_file_is_made(db_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(KEY_ENV, "a-long-test-key-from-the-environment-0123456789")
    load(db_path, [post(1, "Jane Doe")])
    _, rows = store.run_query(db_path, "SELECT author FROM posts")
    assert rows == [(pseudonym("Jane Doe", b"a-long-test-key-from-the-environment-0123456789"),)]
    assert not key_path(db_path).exists()


def test_raw_author_names_are_stored_only_when_opted_in(db_path: Path):
    load(db_path, [post(1, "Jane Doe")], Privacy(store_authors=True))
    assert store.run_query(db_path, "SELECT author FROM posts")[1] == [("Jane Doe",)]


@pytest.mark.parametrize("store_authors", [False, True])
def test_forget_author_erases_their_posts_everywhere_and_they_do_not_come_back(
    db_path: Path, capsys: pytest.CaptureFixture, store_authors: bool
):
    posts = [post(1, "Jane Doe", "I trust this brand, reliable and safe."), post(2, "Bob"),
             post(3, "Jane Doe", "Uncomfortable and awful.", kind=COMMENT, on=2)]
    load(db_path, posts, Privacy(store_authors=store_authors))
    assert table_counts(db_path)[0] == 3
    assert main(["forget", "--db", str(db_path), "--author", "jane doe"]) == 0
    assert "2 posts and comments" in capsys.readouterr().out
    _, rows = store.run_query(db_path, "SELECT post_id FROM posts UNION ALL SELECT post_id FROM post_sentiment "
                                       "UNION ALL SELECT post_id FROM mentions")
    assert {r[0] for r in rows} == {"blog/rss:https://blog.example.com/?p=2"}
    assert b"I trust this brand" not in db_path.read_bytes()  # not even in the file's free blocks
    load(db_path, posts, Privacy(store_authors=store_authors), run_id="r2")  # the source still serves them
    assert table_counts(db_path)[0] == 1


def test_forget_url_erases_the_page_and_its_comments(db_path: Path, capsys: pytest.CaptureFixture):
    posts = [post(1), post(2, body="Another page."), post(3, "Bob", kind=COMMENT, on=1)]
    load(db_path, posts)
    assert main(["forget", "--db", str(db_path), "--url", "https://blog.example.com/1"]) == 0
    assert "2 posts and comments" in capsys.readouterr().out
    assert store.run_query(db_path, "SELECT post_id FROM posts")[1] == [("blog/rss:https://blog.example.com/?p=2",)]
    load(db_path, posts, run_id="r2")
    assert table_counts(db_path)[0] == 1


def test_retention_prunes_old_raw_text_but_keeps_the_sentiment(db_path: Path):
    aged = post(1, body="Aged words about comfort and trust, very reliable.", published=NOW - timedelta(days=40))
    load(db_path, [aged, post(2)])  # stored in full while there was no retention
    late = post(3, body="Late words: I love the comfort, so reliable.", published=NOW - timedelta(days=35))
    load(db_path, [late], Privacy(retain_days=30), run_id="r2")  # already too old when first fetched
    _, rows = store.run_query(db_path, "SELECT p.title, p.body, s.compound FROM posts p "
                                       "JOIN post_sentiment s USING (post_id) ORDER BY post_id")
    assert [row[:2] for row in rows] == [(None, None), ("Post 2", post(2).body), ("", "")]
    assert rows[0][2] > 0 and rows[2][2] > 0  # their sentiment stays
    query = "SELECT post_id, sentence FROM mentions WHERE post_id SIMILAR TO '.*p=(1|3)'"
    _, mentions = store.run_query(db_path, query)
    assert {m[0][-1] for m in mentions} == {"1", "3"} and all(sentence == "" for _, sentence in mentions)
    data = db_path.read_bytes()
    assert b"Aged words about comfort" not in data and b"Late words" not in data
    steps.rescore(db_path, MATCHER)  # a lexicon change later must not wipe what retention kept
    assert len(store.run_query(db_path, query)[1]) == len(mentions)


def test_every_failure_lands_in_its_run_row_and_the_exit_code_tells_some_from_all(db_path: Path):
    with FaultServer() as good, FaultServer() as gone, FaultServer() as down, FaultServer() as private:
        good.script("/feed", ok(FEED.format(base=good.base, date=NOW.strftime("%a, %d %b %Y %H:%M:%S +0000")),
                                "application/rss+xml"))
        good.script("/comments/feed/", ok('<rss version="2.0"><channel><title>c</title></channel></rss>',
                                          "application/rss+xml"))
        down.script("/feed", status(503))
        private.script("/robots.txt", ok("User-agent: *\nDisallow: /\n"))
        communities = [Community(name, "rss", "s", url=f"{server.base}/feed") for name, server in
                       [("good", good), ("gone", gone), ("down", down), ("private", private)]]
        config = Config(communities=tuple(communities), db_path=db_path)
        settings = FetchSettings(backoff=0.01, retries=2, rate_per_host=1000, burst=1000)
        with Http(settings) as http:
            rows = {r.community: r for r in steps.run_direct(config, communities, FetchContext(http))}
            assert down.count("/feed") == 3 and gone.count("/feed") == 1 and private.paths() == ["/robots.txt"]
            assert steps.exit_code(rows.values()) == 3
            assert steps.exit_code(steps.run_direct(config, communities[1:3], FetchContext(http))) == 4
    assert (rows["good"].status, rows["good"].new) == ("ok", 1), rows["good"].error
    assert (rows["gone"].status, rows["gone"].error_class) == ("failed", "Gone")  # a 404: SourceRejected's kind
    assert "HTTP 404" in rows["gone"].error
    assert (rows["down"].status, rows["down"].error_class) == ("failed", "SourceUnavailable")
    assert (rows["private"].status, rows["private"].error_class) == ("skipped", "RobotsDisallowed")
    _, stored = store.run_query(db_path, "SELECT community, status, error_class FROM runs ORDER BY ALL")
    assert ("private", "skipped", "RobotsDisallowed") in stored and len(stored) == 6


def test_a_bad_config_is_one_line_and_debug_shows_the_traceback(tmp_path: Path, capsys: pytest.CaptureFixture):
    config = tmp_path / "voyage.toml"
    config.write_text('[[community]]\nname = "x"\nkind = "rss"\nsegment = "s"\nurl = 3\n')
    assert main(["run", "--config", str(config), "--direct"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "url" in err and "Traceback" not in err
    with pytest.raises(Exception, match="url"):
        main(["--debug", "run", "--config", str(config), "--direct"])


SECRETS = {"praw_client_id": "FAKEID7c1d0e", "praw_client_secret": "FAKESECRET9f3a2b71c4",
           "praw_username": "FAKEUSER55e1", "praw_password": "FAKEPASS41d9aa",
           KEY_ENV: "FAKEAUTHORKEY0f9e8d7c6b5a4f3e2d1c"}
REDDIT = '\n[[community]]\nname = "r-gear"\nkind = "reddit"\nsubreddit = "BuyItForLife"\nsegment = "s"\n'


def test_no_secret_reaches_logs_output_the_file_or_prefect(
    prefect_api: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture,
    caplog: pytest.LogCaptureFixture,
):
    import base64

    from prefect.client.orchestration import get_client
    from prefect.logging.handlers import APILogWorker

    from flows.voyage import voyage
    from pipeline import demo

    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    db = tmp_path / "voyage.duckdb"
    with FaultServer() as reddit, demo.start_server() as sample:
        reddit.script("/api/v1/access_token", status(401, '{"error": "invalid_grant"}', "application/json"))
        monkeypatch.setenv("praw_reddit_url", reddit.base)
        monkeypatch.setenv("praw_oauth_url", reddit.base + "/")
        config = demo.write_config(sample, tmp_path, db)
        config.write_text(config.read_text() + REDDIT)
        state = voyage(config_path=str(config), return_state=True)
        sent = [hit.headers.get("authorization", "") for hit in reddit.hits]
    basic = base64.b64encode(f"{SECRETS['praw_client_id']}:{SECRETS['praw_client_secret']}".encode()).decode()
    assert any(basic in header for header in sent)  # the secrets were really used, and rejected
    rows = store.run_query(db, "SELECT * FROM runs")[1]
    failure = [row[10:12] for row in rows if row[1] == "r-gear"]
    assert failure[0][0] == "SourceRejected" and "rejected the credentials" in failure[0][1], failure
    assert any(row[4] == "ok" for row in rows)
    APILogWorker.drain_all(timeout=10)  # logs reach the API on a background worker: wait for this run's
    with get_client(sync_client=True) as client:
        artifacts = [str(a.data) for a in client.read_artifacts()]
        logs = [log.message for log in client.read_logs()]
    captured = capfd.readouterr()
    outputs = {"stdout": captured.out, "stderr": captured.err, "logging": caplog.text, "run rows": repr(rows),
               "state": repr(state) + str(state.message), "artifacts": "\n".join(artifacts), "prefect logs":
               "\n".join(logs), "duckdb": db.read_bytes().decode("latin-1")}
    assert artifacts and logs
    for where, text in outputs.items():
        for secret in [*SECRETS.values(), basic]:
            assert secret not in text, f"{secret} leaked into {where}"


HOSTILE = """<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>Caf&#233;</title>
<link>{base}/</link>
<item><title>Caf\xe9 review</title><link>{base}/a</link><guid>{base}/a</guid><pubDate>{date}</pubDate>
<description><![CDATA[<script>alert('pwned')</script><style>p {{ color: red }}</style>
<p>I love this caf\xe9 &#128525; &#1488;&#1504;&#1497; &#1488;&#1493;&#1492;&#1489; &#1488;&#1514; &#1494;&#1492;</p>]]>
</description></item>
<item><title>Broken & unescaped</title><link>{base}/b</link><guid>{base}/b</guid><pubDate>{date}</pubDate>
<description>Terrible service & rude staff</description></item>
</channel></rss>"""


def test_hostile_text_is_stored_clean_exact_and_once(db_path: Path):
    with FaultServer() as blog:
        feed = HOSTILE.format(base=blog.base, date=NOW.strftime("%a, %d %b %Y %H:%M:%S +0000")).encode("latin-1")
        blog.script("/feed", ok(feed, "text/xml"))  # latin-1, said only in the XML declaration; & unescaped
        community = Community("cafe", "rss", "s", url=f"{blog.base}/feed")
        config = Config(communities=(community,), db_path=db_path)
        with Http(FetchSettings(backoff=0.01, rate_per_host=1000, burst=1000)) as http:
            first = steps.run_direct(config, [community], FetchContext(http))
            again = steps.run_direct(config, [community], FetchContext(http))
    assert (first[0].status, first[0].new) == ("warning", 2), first  # the broken XML is noted, not fatal
    assert (again[0].new, again[0].updated) == (0, 0)
    _, rows = store.run_query(db_path, "SELECT title, body FROM posts ORDER BY url")
    title, body = rows[0]
    assert title == "Café review"
    assert "I love this café 😍 אני אוהב את זה" in body
    assert "alert" not in body and "color" not in body
    assert len(rows) == store.run_query(db_path, "SELECT count(DISTINCT post_id) FROM posts")[1][0][0]


def test_no_raw_author_name_from_the_demo_communities_reaches_the_file(tmp_path: Path):
    from pipeline import demo
    from pipeline.config import load_config

    db = tmp_path / "voyage.duckdb"
    with demo.start_server() as sample, demo.praw_environment(sample):
        config = load_config(demo.write_config(sample, tmp_path, db))
        ctx, matcher = steps.make_context(config), steps.make_matcher(config)
        collected = [steps.collect(c, Cursor(), ctx, matcher) for c in config.communities]
    for one in collected:
        steps.load(db, one, "r1")
    authors = {p.author for one in collected for p in one.result.posts if p.author and len(p.author) > 3}
    texts = " ".join(f"{p.title} {p.body}" for one in collected for p in one.result.posts)
    quoted = {a for a in authors if a in texts}  # a name that people write in their posts stays in the text
    assert len(authors) > 20 and len(quoted) < len(authors) / 4, (len(authors), quoted)
    data = db.read_bytes()
    leaked = {a for a in authors - quoted if a.encode() in data}
    assert not leaked


def test_a_failed_run_moves_no_cursor_and_the_next_run_loads_everything_once(db_path: Path):
    with FaultServer() as blog:
        feed = FEED.format(base=blog.base, date=NOW.strftime("%a, %d %b %Y %H:%M:%S +0000"))
        blog.script("/feed", status(503), status(503), status(503), ok(feed, "application/rss+xml"))
        blog.script("/comments/feed/", status(404))
        community = Community("camp", "rss", "s", url=f"{blog.base}/feed")
        config = Config(communities=(community,), db_path=db_path)
        with Http(FetchSettings(backoff=0.01, retries=2, rate_per_host=1000, burst=1000)) as http:
            runs = [steps.run_direct(config, [community], FetchContext(http))[0]]
            assert blog.count("/feed") == 3  # the first try and two retries, all 503
            runs += [steps.run_direct(config, [community], FetchContext(http))[0] for _ in range(2)]
    assert (runs[0].status, runs[0].error_class) == ("failed", "SourceUnavailable")
    assert [(r.new, r.updated) for r in runs] == [(0, 0), (1, 0), (0, 0)]
    assert store.run_query(db_path, "SELECT count(*) FROM posts")[1] == [(1,)]
