"""Probes: a thread we posted, observed run after run on a loopback Discourse (and Reddit through praw, and a blog),
compared with its community's norm. The norm's percentile is checked by hand on a small stored fixture."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline import demo, probes, store
from pipeline.cli import main
from pipeline.models import COMMENT, POST, Community, Cursor, Post, ScoredPost, Sentiment, ThreadResult
from pipeline.sample.forums import DiscourseSample
from pipeline.sample.server import Reply, SampleServer
from tests.conftest import FIXTURES


@pytest.fixture
def forum(server: SampleServer) -> DiscourseSample:
    return DiscourseSample(server, FIXTURES / "discourse", prefix="/forum").install()


@pytest.fixture
def config(server: SampleServer, tmp_path: Path) -> Path:
    path = tmp_path / "voyage.toml"
    path.write_text(f'[store]\npath = "{(tmp_path / "v.duckdb").as_posix()}"\n[fetch]\nrate_per_host = 50.0\n'
                    f'[[community]]\nname = "hearthlink"\nkind = "discourse"\nsegment = "smart-home"\n'
                    f'url = "{server.base}/forum"\nlookback_days = 5\n', encoding="utf-8")
    return path


def cli(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def as_json(capsys: pytest.CaptureFixture, *argv: str) -> list[dict]:
    code, out = cli(capsys, *argv, "--format", "json")
    assert code == 0, out
    return json.loads(out)


def test_a_probe_is_read_at_once_and_each_observation_appends_to_its_curve(
        server: SampleServer, forum: DiscourseSample, config: Path, capsys: pytest.CaptureFixture) -> None:
    url = f"{server.base}/forum/t/which-motion-sensor-works-best/302"
    [first] = as_json(capsys, "probe", "add", url, "--topic", "motion sensors", "--config", str(config))
    assert (first["community"], first["state"], first["replies"], first["repliers"], first["poster_replies"]) == (
        "hearthlink", "live", 3, 2, 1)  # the poster's own reply is counted apart

    forum.add_post(302, "new_neighbour", "<p>The Lumo sensor has never missed me at night. Love it.</p>")
    forum.add_post(302, "drizzle_dan", "<p>Same here, although the app keeps losing it.</p>", reply_to=6)
    [second] = as_json(capsys, "probe", "observe", "--config", str(config))
    assert (second["replies"], second["repliers"], second["depth"]) == (5, 4, max(first["depth"], 2))
    code, out = cli(capsys, "run", "--direct", "--config", str(config))  # the daily run observes it too
    assert code == 0, out
    curve = as_json(capsys, "probe", "show", "1", "--config", str(config))
    assert [s["replies"] for s in curve] == [3, 5, 5]  # append-only: the first snapshot is kept as it was
    assert len({s["observed_at"] for s in curve}) == 3
    [listed] = as_json(capsys, "probe", "list", "--config", str(config))
    assert (listed["probe_id"], listed["status"], listed["snapshots"], listed["replies"]) == (1, "open", 3, 5)


def test_a_thread_older_than_the_listing_reaches_is_still_read(server: SampleServer, forum: DiscourseSample,
                                                               config: Path, capsys: pytest.CaptureFixture) -> None:
    code, out = cli(capsys, "run", "--direct", "--config", str(config))
    assert code == 0, out
    db = config.parent / "v.duckdb"
    stored = "SELECT count(*) FROM posts WHERE url LIKE '%/t/%/302/%'"
    assert store.run_query(db, stored)[1] == [(0,)]  # bumped 8 days ago: outside the 5-day lookback
    [snap] = as_json(capsys, "probe", "add", f"{server.base}/forum/t/which-motion-sensor/302", "--topic", "sensors",
                     "--config", str(config))
    assert (snap["state"], snap["replies"]) == ("live", 3)
    assert store.run_query(db, stored)[1] == [(5,)]


def test_a_deleted_a_locked_and_a_vanished_thread_are_recorded_as_such_never_as_zero_replies(
        server: SampleServer, forum: DiscourseSample, config: Path, capsys: pytest.CaptureFixture) -> None:
    for topic in (302, 303, 304):
        as_json(capsys, "probe", "add", f"{server.base}/forum/t/t/{topic}", "--topic", f"t{topic}",
                "--config", str(config))
    server.route("/forum/t/302", lambda request: Reply(404, json.dumps({"errors": ["not found"]})))
    forum.topics[303]["deleted_at"] = "2026-11-20T10:00:00.000Z"
    forum.topics[303]["post_stream"]["posts"][0]["deleted_at"] = "2026-11-20T10:00:00.000Z"
    observed = {s["probe_id"]: s for s in as_json(capsys, "probe", "observe", "--config", str(config))}
    assert (observed[1]["state"], observed[1]["replies"], observed[1]["repliers"]) == ("vanished", None, None)
    assert (observed[2]["state"], observed[2]["note"]) == ("deleted", "the topic was deleted")
    assert (observed[3]["state"], observed[3]["replies"], observed[3]["note"]) == (
        "locked", 1, "the topic is closed to new replies")  # 304 is closed; its other replies are deleted or notes
    code, out = cli(capsys, "probe", "report", "--config", str(config))
    assert code == 0 and "#1 hearthlink: the thread could not be read: topic 302 is gone" in out
    assert "(locked: the topic is closed to new replies)" in out
    curve = as_json(capsys, "probe", "show", "1", "--config", str(config))
    assert [s["replies"] for s in curve] == [3, None]  # what was seen before stays; the gone thread is not "0"


def test_a_url_no_connector_can_follow_is_refused_in_one_line(server: SampleServer, forum: DiscourseSample,
                                                              config: Path, capsys: pytest.CaptureFixture) -> None:
    for url in (f"{server.base}/forum/latest", "https://example.org/t/some-topic/12", "not a url"):
        code, out = cli(capsys, "probe", "add", url, "--topic", "x", "--config", str(config))
        assert code == 2 and out.count("\n") == 1 and "a Reddit permalink" in out, out
    code, out = cli(capsys, "probe", "add", f"{server.base}/forum/t/x/304", "--topic", "x", "--community", "nope",
                    "--config", str(config))
    assert code == 2 and "no community named 'nope' (known: hearthlink)" in out
    as_json(capsys, "probe", "add", f"{server.base}/forum/t/x/304", "--topic", "x", "--config", str(config))
    code, out = cli(capsys, "probe", "add", "http://127.0.0.1:9/forum/t/x/304", "--topic", "x", "--config", str(config))
    assert code == 2 and "already probe #1" in out  # the same thread on another port is the same probe


def test_close_and_remove(server: SampleServer, forum: DiscourseSample, config: Path,
                          capsys: pytest.CaptureFixture) -> None:
    for topic in (302, 304):
        as_json(capsys, "probe", "add", f"{server.base}/forum/t/x/{topic}", "--topic", "x", "--config", str(config))
    assert cli(capsys, "probe", "close", "1", "--config", str(config)) == (0, "probe #1 closed: runs observe it no "
                                                                             "more\n")
    assert [s["probe_id"] for s in as_json(capsys, "probe", "observe", "--config", str(config))] == [2]
    assert cli(capsys, "probe", "remove", "2", "--config", str(config))[0] == 0
    assert [(p["probe_id"], p["status"]) for p in as_json(capsys, "probe", "list", "--config", str(config))] == [
        (1, "closed")]
    code, out = cli(capsys, "probe", "remove", "7", "--config", str(config))
    assert code == 2 and "no probe #7 (probes: 1)" in out


def test_probes_declared_in_voyage_toml_are_observed_by_the_daily_run(server: SampleServer, forum: DiscourseSample,
                                                                       config: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:
    text = config.read_text() + f'[[probe]]\nurl = "{server.base}/forum/t/sensor/302"\ntopic = "motion sensors"\n'
    config.write_text(text, encoding="utf-8")
    assert cli(capsys, "run", "--direct", "--config", str(config))[0] == 0
    [probe] = as_json(capsys, "probe", "list", "--config", str(config))
    assert (probe["topic"], probe["replies"], probe["snapshots"]) == ("motion sensors", 3, 1)
    config.write_text(text + '[[probe]]\nurl = "https://elsewhere.example/t/x/1"\ntopic = "x"\n', encoding="utf-8")
    code, out = cli(capsys, "run", "--direct", "--config", str(config))
    assert code == 2 and "[[probe]] #2: no configured community can follow" in out


def test_reddit_and_blog_threads_are_probes_too(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    with demo.start_server() as server, demo.praw_environment(server):
        config = str(demo.write_config(server, tmp_path, tmp_path / "v.duckdb"))
        reddit = as_json(capsys, "probe", "add", f"{server.base}/r/BuyItForLife/comments/1gk2a01/x/",
                         "--topic", "cast iron", "--config", config)
        blog = as_json(capsys, "probe", "add", f"{server.base}/blogs/gearlab/summitline-zipper-failures/",
                       "--topic", "zippers", "--config", config)
    assert (reddit[0]["community"], reddit[0]["state"], reddit[0]["replies"] + reddit[0]["poster_replies"]) == (
        "buyitforlife", "live", 11)  # the submission's 11 comments, 3 of them by its own author
    assert (blog[0]["community"], blog[0]["state"], blog[0]["replies"]) == ("gearlab", "live", 6)


# ---- the norm, by hand ------------------------------------------------------------------------------------------

NOW = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
AGE = timedelta(hours=48)
# Replies by others within 48 hours of each baseline thread's start; each thread also gets one reply at +60 h
# (after the probe's age: not counted) and one by its own author (never counted).
BASELINE = [0, 1, 1, 2, 3, 3, 4, 5, 6, 8, 2, 4]


def thread(name: str, start: datetime, replies: int, late: int = 1, own: int = 1) -> list[ScoredPost]:
    def scored(post: Post, compound: float) -> ScoredPost:
        return ScoredPost(post, Sentiment(compound, 0.1, 0.8, 0.1), 1)

    root = Post("lab", "rss", name, f"https://lab.example/{name}", name, None, POST, "op-" + name, name, "Body.",
                start)
    posts = [scored(root, 0.0)]
    times = [start + timedelta(hours=1 + i) for i in range(replies)] + [start + timedelta(hours=60)] * late
    posts += [scored(Post("lab", "rss", f"{name}-r{i}", f"https://lab.example/{name}#r{i}", name, name, COMMENT,
                          f"u{i}", "", "Reply.", when), 0.5 if i % 2 else -0.5) for i, when in enumerate(times)]
    posts += [scored(Post("lab", "rss", f"{name}-own{i}", f"https://lab.example/{name}#own{i}", name, name, COMMENT,
                          "op-" + name, "", "Thanks!", start + timedelta(hours=2)), 0.9) for i in range(own)]
    return posts


def test_the_norm_places_a_probe_among_threads_of_the_same_age_as_worked_by_hand(db_path: Path) -> None:
    lab = Community("lab", "rss", "makers", url="https://lab.example/")
    batch = thread("probe", NOW - AGE, 4, late=0)
    for i, replies in enumerate(BASELINE):
        batch += thread(f"b{i}", NOW - timedelta(days=3 + i), replies)
    batch += thread("young", NOW - timedelta(hours=20), 9)  # not 48 hours old yet: no baseline for a 48-hour probe
    batch += thread("other-probe", NOW - timedelta(days=9), 12)  # another probe's thread: never the norm
    with store.opened(db_path) as con:
        store.load_community(con, lab, batch, Cursor(), store.RunRow("r", "lab", NOW, NOW, "ok"))
        for name in ("probe", "other-probe"):
            probe_id, _ = probes.register(con, lab, f"https://lab.example/{name}", name, now=NOW)
            posts = [s for s in batch if s.post.thread_id == name]
            probes.record(con, {"probe_id": probe_id, "thread_id": None}, ThreadResult([s.post for s in posts]),
                          posts, NOW)
        norm = store.query(con, "SELECT * FROM probe_norm WHERE probe_id = 1")
    row = dict(zip(norm[0], norm[1][0], strict=True))
    # 7 baseline threads had fewer than 4 replies at 48 h (0, 1, 1, 2, 3, 3, 2), 2 had exactly 4: (7 + 1) / 12
    assert (row["baseline_threads"], row["too_thin"], row["replies"], row["typical_replies"]) == (12, False, 4, 3.0)
    assert row["replies_percentile"] == round((7 + 0.5 * 2) / 12, 3)
    assert row["age_hours"] == 48.0


def test_a_thin_baseline_says_so(db_path: Path) -> None:
    lab = Community("lab", "rss", "makers", url="https://lab.example/")
    batch = thread("probe", NOW - AGE, 2) + thread("b0", NOW - timedelta(days=4), 1)
    with store.opened(db_path) as con:
        store.load_community(con, lab, batch, Cursor(), store.RunRow("r", "lab", NOW, NOW, "ok"))
        probe_id, _ = probes.register(con, lab, "https://lab.example/probe", "p", now=NOW)
        mine = [s for s in batch if s.post.thread_id == "probe"]
        probes.record(con, {"probe_id": probe_id, "thread_id": None}, ThreadResult([s.post for s in mine]), mine, NOW)
        columns, rows = store.query(con, store.sql("probe_report"), {"id": probe_id})
    verdict = dict(zip(columns, rows[0], strict=True))["verdict"]
    assert verdict == "too few of the community's threads (1) to compare with"
