"""Hostile input, contention and leaks (issue 12): every payload is built here and served on loopback."""

from __future__ import annotations

import gzip
import json
import os
import re
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors import FetchContext, discourse, rss
from connectors.http import Http
from pipeline import demo, steps, store
from pipeline.accept import build_matcher
from pipeline.cli import main
from pipeline.config import load_config
from pipeline.errors import DatabaseLocked, SourceRejected
from pipeline.models import Community, Cursor, Post
from pipeline.sample.forums import DiscourseSample
from pipeline.sample.server import Reply, SampleServer
from pipeline.score import MAX_QUOTE, score_posts
from pipeline.tagger import build_tagger
from tests.conftest import FAST, FIXTURES
from tests.test_store import T0

RSS = """<?xml version="1.0"?>{doctype}<rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>{items}</channel></rss>"""


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def sample() -> Iterator[SampleServer]:
    with demo.start_server() as server:
        yield server


def item(n: int, body: str = "Sturdy and comfy.", extra: str = "") -> str:
    return (f"<item><title>Post {n}</title><link>http://x.example/{n}</link><guid>p{n}</guid>"
            f"<pubDate>Mon, 23 Nov 2026 10:00:00 +0000</pubDate><description>{body}</description>{extra}</item>")


def peak(fn: object) -> tuple[object, float]:
    tracemalloc.start()
    try:
        result = fn()  # type: ignore[operator]
        return result, tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


# 1. a busy file

def test_a_second_run_on_the_same_file_refuses_at_once_before_fetching(sample: SampleServer, tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture) -> None:
    config_path = demo.write_config(sample, tmp_path, tmp_path / "v.duckdb")
    sample.hits.clear()
    with store.run_lock(tmp_path / "v.duckdb"):
        started = time.monotonic()
        assert main(["run", "--direct", "--config", str(config_path)]) == 1
        assert time.monotonic() - started < 5
    assert "another voyage run (PID" in capsys.readouterr().err
    assert sample.hits == []  # nothing fetched twice


def test_a_run_waits_visibly_for_a_reader_and_loses_nothing(sample: SampleServer, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture) -> None:
    config_path = demo.write_config(sample, tmp_path, tmp_path / "v.duckdb")
    assert main(["run", "--direct", "--config", str(config_path), "--only", "sprouts"]) == 0
    code = ("import duckdb, sys, time; con = duckdb.connect(sys.argv[1], read_only=True); "
            "print('open', flush=True); time.sleep(12)")
    reader = subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "v.duckdb")], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert reader.stdout.readline().strip() == "open"
        capsys.readouterr()
        assert main(["run", "--direct", "--config", str(config_path), "--only", "gearlab", "trailnotes"]) == 0
    finally:
        reader.kill()
    out, err = capsys.readouterr()
    assert "waiting for" in err and f"PID {reader.pid}" in err
    assert re.search(r"gearlab\s+(ok|warning)", out) and re.search(r"trailnotes\s+(ok|warning)", out)
    _, rows = store.run_query(tmp_path / "v.duckdb", "SELECT count(DISTINCT community) FROM posts")
    assert rows == [(3,)]


def test_rescore_in_batches_gives_what_one_pass_gives(sample: SampleServer, tmp_path: Path) -> None:
    config = load_config(demo.write_config(sample, tmp_path, tmp_path / "v.duckdb"))
    steps.run_direct(config, [config.community("sprouts")], steps.make_context(config))
    tagger = steps.make_matcher(config)
    whole = steps.rescore(config.db_path, tagger, batch=100_000)
    rows = store.run_query(config.db_path, "SELECT * FROM mentions ORDER BY ALL")[1]
    assert steps.rescore(config.db_path, tagger, batch=7) == whole
    assert store.run_query(config.db_path, "SELECT * FROM mentions ORDER BY ALL")[1] == rows


def test_the_loader_releases_the_lock_error_as_a_row_not_a_crash(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "v.duckdb"
    store.connect(db).close()
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys; con = duckdb.connect(sys.argv[1]); "
                               "print('holding', flush=True); sys.stdin.read()", str(db)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        monkeypatch.setenv("VOYAGE_LOCK_WAIT", "0.5")
        row = steps.record_failure(db, Community("a", "rss", "s", url="http://a/"), "r1", T0, ValueError("x"))
    finally:
        holder.stdin.close()
        holder.wait(10)
    assert row.status == "failed" and "not recorded in the file" in row.error
    with pytest.raises(DatabaseLocked):
        with store.run_lock(db), store.run_lock(db):
            pass


# 2. bounded memory

def test_a_huge_sentence_of_value_words_is_scored_in_bounded_time_and_memory() -> None:
    text = "This comfy reliable easy stylish fun effective boot " * 2000  # ~100 KB, no full stop
    post = Post("c", "rss", "1", "u", "1", None, "post", None, "", text, T0)
    tagger = build_tagger(build_matcher())
    started = time.monotonic()
    (scored,), mb = peak(lambda: score_posts([post], tagger, workers=1))
    assert time.monotonic() - started < 20 and mb < 300
    assert scored.mentions and max(len(m.sentence) for m in scored.mentions) <= MAX_QUOTE + 2
    assert all(m.sentence[m.start:m.end].lower().startswith(m.term[:3].lower()) for m in scored.mentions
               if m.start != m.end)


def test_an_over_long_text_is_cut_and_marked() -> None:
    from pipeline.models import FetchResult

    long = Post("c", "rss", "1", "u", "1", None, "post", None, "", "word " * 40_000, T0)
    cleaned = steps._cleaned(FetchResult([long], Cursor()))
    assert len(cleaned.posts[0].body) < steps.MAX_TEXT + 100 and cleaned.posts[0].body.endswith("more characters)")
    assert "1 texts over 50,000 characters were cut" in cleaned.warnings


def test_entity_declarations_are_refused_before_feedparser_expands_them(server: SampleServer, http: Http) -> None:
    laugh = "ha" * 2000
    doctype = f'<!DOCTYPE rss [<!ENTITY lol "{laugh}">]>'
    feed = RSS.format(doctype=doctype, items=item(1, "&lol;" * 20_000))  # ~80 KB, 80 M characters expanded
    server.route("/bomb.xml", lambda request: Reply(200, feed, content_type="application/rss+xml"))
    blog = Community("b", "rss", "s", url=f"{server.base}/bomb.xml")
    result, mb = peak(lambda: rss.fetch(blog, Cursor(), FetchContext(http=http)))
    assert mb < 300 and all(len(p.body) < 200_000 for p in result.posts)


def test_stacked_content_codings_go_through_the_bounded_decoder(server: SampleServer, http: Http) -> None:
    bomb = gzip.compress(gzip.compress(b"\0" * 200_000_000))  # a few hundred KB, 200 MB when undone
    server.route("/stacked", lambda request: Reply(200, bomb, {"Content-Encoding": "gzip, gzip"},
                                                    content_type="application/rss+xml"))
    with pytest.raises(SourceRejected, match="cap"):
        _, mb = peak(lambda: http.get(f"{server.base}/stacked"))
    tracemalloc.start()
    with pytest.raises(SourceRejected):
        http.get(f"{server.base}/stacked")
    assert tracemalloc.get_traced_memory()[1] / 1e6 < 100
    tracemalloc.stop()
    fine = gzip.compress(gzip.compress(RSS.format(doctype="", items=item(1)).encode()))
    server.route("/fine", lambda request: Reply(200, fine, {"Content-Encoding": "gzip, gzip"},
                                                 content_type="application/rss+xml"))
    assert b"Post 1" in http.get(f"{server.base}/fine").content


# 3. nothing private stored

@pytest.mark.parametrize("prefix", ["By:", "Von:", "Par :", "Por:", "Door:", "Av:", "Przez:", "От:", "作者："])
def test_a_comment_title_naming_its_author_is_never_stored(prefix: str) -> None:
    entry = {"title": f"{prefix} Jane Q. Public", "author": "Jane Q. Public", "id": "c1", "summary": "Nice."}
    comment = rss.parse_entry(entry, Community("b", "rss", "s", url="http://b/"), "http://b/feed", T0,
                              kind="comment", thread="p1")
    assert comment.title == ""
    other = dict(entry, author=None)  # no author given: the localised "By:" form alone is enough
    assert rss.parse_entry(other, Community("b", "rss", "s", url="http://b/"), "http://b/feed", T0,
                           kind="comment", thread="p1").title == ""


def test_credentials_in_a_feed_url_reach_no_byte_of_the_file_or_the_output(server: SampleServer, tmp_path: Path,
                                                                           capsys: pytest.CaptureFixture) -> None:
    feed = RSS.format(doctype="", items=item(1))
    server.route("/private/feed", lambda request: Reply(200, feed, content_type="application/rss+xml"))
    host = server.base.removeprefix("http://")
    Path("voyage.toml").write_text(
        f'[fetch]\nrate_per_host = 100.0\n[[community]]\nname = "private"\nkind = "rss"\n'
        f'url = "http://reader:hunter2secret@{host}/private/feed?api_key=k3y-s3cr3t&x=1"\nsegment = "s"\n')
    assert main(["run", "--direct"]) == 0
    assert main(["run", "--direct"]) == 0  # the cursor's URLs are read back with their credentials
    assert main(["communities"]) == 0
    out = capsys.readouterr().out
    stored = b"".join(p.read_bytes() for p in tmp_path.glob("voyage.duckdb*") if p.is_file())
    for secret in ("hunter2secret", "k3y-s3cr3t"):
        assert secret.encode() not in stored and secret not in out
    assert re.search(r"private\s+(ok|warning)\s+0\s+0\s+0", out)  # the rerun used the stored validators


# 4. one bad item never fails its community

def test_lone_surrogates_are_replaced_and_the_item_is_loaded(tmp_path: Path) -> None:
    with SampleServer() as server:
        forum = DiscourseSample(server, FIXTURES / "discourse", prefix="/forum").install()
        forum.add_post(301, "eve", "<p>Half an emoji \ud83d and a reference \ud800 here.</p>")
        community = Community("hearth", "discourse", "s", url=f"{server.base}/forum",
                              options={"rate": 1000, "lookback_days": 3650})
        with Http(FAST) as http:
            collected = steps.collect(community, Cursor(), FetchContext(http=http, now=server.now), None)
        row = steps.load(tmp_path / "v.duckdb", collected, "r1")
    assert row.status == "warning" and any("lone surrogates" in w for w in collected.result.warnings)
    _, rows = store.run_query(tmp_path / "v.duckdb", "SELECT count(*) FROM posts WHERE body LIKE '%Half an emoji%'")
    assert rows == [(1,)]


# 5. nothing from a source reaches the terminal raw

def test_escape_sequences_from_a_source_are_neutralised_on_the_terminal_only(server: SampleServer, tmp_path: Path,
                                                                            capsys: pytest.CaptureFixture) -> None:
    evil = "Comfy \x1b]0;pwned\x07 boots \x1b[2J \x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\ \x1b]52;c;Zm9v\x07 end."
    feed = RSS.format(doctype="", items=item(1, evil.replace("\x1b", "&#27;").replace("\x07", "&#7;")))
    server.route("/evil", lambda request: Reply(200, feed, content_type="application/rss+xml"))
    assert main(["scan", f"{server.base}/evil", "--db", "v.duckdb"]) in (0, 3)
    capsys.readouterr()
    assert main(["sql", "--db", "v.duckdb", "SELECT body FROM posts"]) == 0
    table = capsys.readouterr().out
    assert "\x1b" not in table and "\x07" not in table and "Comfy" in table
    assert main(["sql", "--db", "v.duckdb", "--format", "json", "SELECT body FROM posts"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["body"].count("\x1b") >= 1  # JSON stays faithful, escaped


# 6. no orphans

def test_pool_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    mark = f"voyage-orphan-test-{os.getpid()}"
    code = ("import sys, os; sys.path.insert(0, os.getcwd()); from datetime import datetime, UTC;"
            "from pipeline.models import Post; from pipeline.score import score_posts;"
            "posts = [Post('c','rss',str(i),'u',str(i),None,'post',None,'', 'Great comfy boots. ' * 200, "
            "datetime.now(UTC)) for i in range(20000)]; print('go', flush=True); score_posts(posts, workers=2)")
    env = {**os.environ, "VOYAGE_ORPHAN_MARK": mark}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=Path(__file__).resolve().parent.parent, env=env,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "go"
    time.sleep(4)  # the workers are scoring
    assert len(marked(mark)) >= 2
    proc.kill()
    proc.wait(10)
    deadline = time.monotonic() + 10
    while marked(mark) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert marked(mark) == []


def marked(mark: str) -> list[int]:
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if mark.encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


# 7. voyage sql is read-only in fact

@pytest.mark.parametrize("statement", [
    "SELECT * FROM read_text('v.duckdb.author-key')",
    "COPY (SELECT 1) TO 'out.csv'",
    "ATTACH 'other.duckdb' AS other",
    "INSTALL httpfs",
    "SET enable_external_access = true",
])
def test_voyage_sql_touches_no_other_file_and_fetches_no_extension(statement: str, sample: SampleServer,
                                                                   capsys: pytest.CaptureFixture) -> None:
    assert main(["scan", f"{sample.base}/blogs/sprouts/", "--db", "v.duckdb"]) == 0
    capsys.readouterr()
    assert main(["sql", "--db", "v.duckdb", statement]) == 1
    assert capsys.readouterr().err.count("\n") == 1
    assert not Path("out.csv").exists() and not Path("other.duckdb").exists()


def test_exporting_is_its_own_command_and_writes_parquet_by_day(sample: SampleServer,
                                                                   capsys: pytest.CaptureFixture) -> None:
    import duckdb

    assert main(["scan", f"{sample.base}/blogs/sprouts/", "--db", "v.duckdb"]) == 0
    for _ in range(2):  # a second export replaces the first
        assert main(["export", "--db", "v.duckdb", "--out", "out"]) == 0
    assert "written to out/ as parquet" in capsys.readouterr().out
    days = sorted(p.name for p in Path("out/posts").iterdir())
    assert days and all(d.startswith("day=") for d in days)
    read = duckdb.sql("SELECT count(*) FROM read_parquet('out/posts/**/*.parquet', hive_partitioning = true)")
    assert read.fetchall() == store.run_query("v.duckdb", "SELECT count(*) FROM posts")[1]
    assert Path("out/value_grid.parquet").exists() and Path("out/mentions").is_dir()


# 8. smaller ones

def test_a_json_feed_whose_version_comes_late_is_read(server: SampleServer, http: Http) -> None:
    feed = {"title": "t", "description": "x" * 5000, "items": [
        {"id": "1", "url": "http://j/1", "content_text": "Comfy.", "date_published": "2026-11-20T10:00:00Z"}],
        "version": "https://jsonfeed.org/version/1.1"}
    server.route("/feed.json", lambda request: Reply(200, json.dumps(feed), content_type="application/feed+json"))
    result = rss.fetch(Community("j", "rss", "s", url=f"{server.base}/feed.json"), Cursor(), FetchContext(http=http))
    assert [p.body for p in result.posts] == ["Comfy."]


def test_a_discourse_that_ignores_page_is_listed_once(tmp_path: Path) -> None:
    with SampleServer() as server:
        DiscourseSample(server, FIXTURES / "discourse", prefix="/forum").install()
        with Http(FAST) as http:
            first = http.get(f"{server.base}/forum/latest.json").json()
        listing = dict(first)
        listing["topic_list"] = dict(first["topic_list"], more_topics_url="/latest?page=1")
        server.route("/forum/latest.json", lambda request: Reply(200, json.dumps(listing)))
        community = Community("f", "discourse", "s", url=f"{server.base}/forum",
                              options={"rate": 1000, "lookback_days": 3650})
        server.hits.clear()
        with Http(FAST) as http:
            result = discourse.fetch(community, Cursor(), FetchContext(http=http, now=server.now))
        assert server.count("/forum/latest.json") == 2  # page 0, and page 1 that repeats it: no 50 pages
    assert any("repeats earlier topics" in w for w in result.warnings)


def test_a_scan_piped_into_head_ends_quietly(sample: SampleServer) -> None:
    voyage = Path(sys.executable).with_name("voyage")
    scan = subprocess.Popen([str(voyage), "scan", f"{sample.base}/blogs/sprouts/", "--db", "v.duckdb"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    scan.stdout.readline()
    scan.stdout.close()  # as `| head -1` does
    _, err = scan.communicate(timeout=60)
    assert b"Broken pipe" not in err and b"Traceback" not in err, err
