"""The classic-forum feed connector against loopback phpBB, XenForo, vBulletin and SMF feeds."""

from __future__ import annotations

from typing import Any

import pytest

from connectors import FetchContext, forum
from connectors.http import Http
from pipeline import demo
from pipeline.config import load_config
from pipeline.errors import SourceRejected, SourceUnavailable
from pipeline.models import COMMENT, POST, Community, Cursor, Post
from pipeline.sample.server import Reply, Request, SampleServer, conditional
from tests.conftest import FIXTURES
from tests.test_discourse import scan_twice


def community(url: str, **options: Any) -> Community:
    return Community(name="owners-forum", kind="forum", segment="e-bike", url=url, options=options)


def run(server: SampleServer, http: Http, path: str, cursor: Cursor | None = None, **options: Any):
    ctx = FetchContext(http=http, now=server.now)
    return forum.fetch(community(server.base + path, **options), cursor or Cursor(), ctx)


def topic(post: Post) -> str | None:
    return forum.topic_id(post.url, post.external_id)


def by_author(posts: list[Post]) -> dict[str | None, Post]:
    return {p.author: p for p in posts}


@pytest.fixture
def broken_phpbb(server: SampleServer) -> str:
    """phpBB's feed.php as broken boards serve it: latin-1 bytes under a UTF-8 declaration, junk after </feed>."""
    text = (FIXTURES / "forum" / "phpbb_broken.xml").read_text(encoding="utf-8")

    def feed(request: Request) -> Reply:
        body = server.render(text).encode("latin-1", errors="replace")
        return conditional(request, body, "application/atom+xml; charset=UTF-8", server.now)

    server.route("/phpbb/feed.php", feed)
    return "/phpbb/feed.php"


def test_a_broken_phpbb_feed_loads_what_it_can_and_says_what_it_could_not(server, http, broken_phpbb):
    result = run(server, http, broken_phpbb)
    assert len(result.posts) == 4  # one entry has no readable date
    assert result.missed == 1
    assert any("malformed feed" in w and "junk after document element" in w for w in result.warnings)
    assert any("1 entries with no readable date" in w for w in result.warnings)
    joerg = by_author(result.posts)["Jörg Müller"]
    assert "Zürich" in joerg.body and "défaut" in joerg.body  # latin-1 bytes decoded, not mangled


def test_phpbb_replies_hang_under_the_first_post_of_their_topic(server, http, broken_phpbb):
    posts = by_author(run(server, http, broken_phpbb).posts)
    first, reply = posts["commuter_kate"], posts["hillclimber"]
    assert (first.kind, first.parent_id, first.thread_id) == (POST, None, first.external_id)
    assert first.title == "Winter range dropped by half"
    assert (reply.kind, reply.parent_id, reply.depth) == (COMMENT, first.external_id, 1)
    assert topic(reply) == topic(first) == "812" and reply.thread_id == first.external_id
    assert reply.title == "Winter range dropped by half"  # "Re: " stripped
    assert reply.source == "forum" and reply.body.endswith("at minus five.")  # phpBB's footer dropped


def test_xenforo_posts_group_by_the_thread_id_in_the_link(server, http):
    posts = run(server, http, "/forum/xenforo.rss").posts
    thread = [p for p in posts if topic(p) == "4412"]
    assert [p.kind for p in sorted(thread, key=lambda p: p.published)] == [POST, COMMENT, COMMENT]
    root = next(p for p in thread if p.kind == POST)
    assert all(p.parent_id == root.external_id for p in thread if p.kind == COMMENT)
    assert {topic(p) for p in posts} == {"4412", "4420"}
    assert by_author(posts)["wrenchwizard"].body.startswith("Usually the clutch bearing")


def test_vbulletin_thread_ids_come_from_plain_and_friendly_links(server, http):
    posts = by_author(run(server, http, "/forum/vbulletin.xml").posts)
    assert topic(posts["solder_sam"]) == topic(posts["voltage_vic"]) == "7788"
    assert posts["solder_sam"].thread_id == posts["voltage_vic"].thread_id == posts["voltage_vic"].external_id
    assert posts["solder_sam"].parent_id == posts["voltage_vic"].external_id
    assert topic(posts["smooth_operator"]) == "7801" and posts["smooth_operator"].kind == POST


def test_smf_topic_ids_group_replies_under_the_first_post(server, http):
    posts = run(server, http, "/forum/smf.xml").posts
    assert len(posts) == 3
    hinge = {p.kind: p for p in posts if topic(p) == "555"}
    assert hinge[COMMENT].parent_id == hinge[POST].external_id
    assert hinge[POST].title == "Hinge creaks after six months"


def test_a_reply_whose_topic_started_before_the_feed_leads_its_thread(server, http):
    (train,) = [p for p in run(server, http, "/forum/smf.xml").posts if topic(p) == "540"]
    assert (train.kind, train.title, train.parent_id) == (POST, "Does it fit on a train?", None)


def test_links_without_a_topic_id_group_by_title(server, http):
    posts = run(server, http, "/forum/phpbb33.xml").posts
    root = next(p for p in posts if p.kind == POST)
    assert {p.thread_id for p in posts} == {root.external_id} and forum.topic_id(root.url) is None
    assert root.author == "box_bike_bea" and root.title == "Kids seat recommendations"


@pytest.mark.parametrize(("link", "topic"), [
    ("https://f.example/viewtopic.php?f=2&t=123&p=456#p456", "123"),
    ("https://f.example/viewtopic.php?f=2&amp;t=124", "124"),
    ("https://f.example/threads/battery-drain.125/post-9", "125"),
    ("https://f.example/index.php?topic=126.msg1#msg1", "126"),
    ("https://f.example/index.php?topic=127.0", "127"),
    ("https://f.example/showthread.php?t=128", "128"),
    ("https://f.example/showthread.php?129-Slug-here&p=5#post5", "129"),
    ("https://f.example/topic/130-slug/", "130"),
    ("https://f.example/t/some-slug/131/4", "131"),
    ("https://f.example/viewtopic.php?p=456#p456", None),
])
def test_topic_ids_are_read_from_every_known_link_shape(link, topic):
    assert forum.topic_id(link) == topic


def test_an_unchanged_feed_costs_one_conditional_request(server, http):
    first = run(server, http, "/forum/xenforo.rss")
    server.hits.clear()
    second = run(server, http, "/forum/xenforo.rss", first.cursor)
    assert second.posts == [] and second.requests == 1
    assert server.hits[0].headers.get("if-none-match")


def test_a_reply_in_a_later_run_hangs_under_the_remembered_root(server, http):
    first = run(server, http, "/forum/xenforo.rss")
    root = next(p for p in first.posts if topic(p) == "4412" and p.kind == POST)
    later = [p for p in first.posts if topic(p) == "4412" and p.kind == COMMENT]
    restored = Cursor.from_json(first.cursor.to_json())
    linked, _ = forum.thread_posts(later, restored.state["threads"])
    assert all(p.parent_id == root.external_id and p.kind == COMMENT for p in linked)


def test_a_rerun_of_a_changed_feed_reads_back_only_the_lag_window(server, http):
    first = run(server, http, "/forum/vbulletin.xml")
    text = (FIXTURES / "forum" / "vbulletin.xml").read_text(encoding="utf-8").replace("60</ttl>", "30</ttl>")
    server.route("/vb2.xml", lambda r: Reply(200, server.render(text), content_type="application/rss+xml"))
    cursor = Cursor(newest=first.cursor.newest, state=first.cursor.state)
    second = forum.fetch(community(server.base + "/vb2.xml", lag_hours=30), cursor,
                         FetchContext(http=http, now=server.now))
    assert [p.author for p in second.posts] == ["smooth_operator"]


def test_an_html_page_is_rejected_in_one_line(server, http):
    server.route("/forum/index.php", lambda r: Reply(200, "<html><body>Board offline</body></html>",
                                                     content_type="text/html"))
    with pytest.raises(SourceRejected, match="not a readable feed") as caught:
        run(server, http, "/forum/index.php")
    assert "\n" not in str(caught.value)


def test_a_missing_feed_is_rejected(server, http):
    with pytest.raises(SourceRejected, match="404"):
        run(server, http, "/forum/feed-that-moved.php")


def test_429_then_200_loads_the_feed(server, http):
    calls = {"n": 0}

    def busy(request: Request) -> Reply | None:
        calls["n"] += 1
        return Reply(429, "slow down", {"Retry-After": "0"}, "text/plain") if calls["n"] == 1 else None

    server.route("/forum/smf.xml", busy)
    assert len(run(server, http, "/forum/smf.xml").posts) == 3 and calls["n"] == 2


def test_a_board_that_stays_down_is_transient(server, http):
    server.route("/forum/smf.xml", lambda r: Reply(503, "down", content_type="text/plain"))
    with pytest.raises(SourceUnavailable):
        run(server, http, "/forum/smf.xml")


def test_several_subforum_feeds_make_one_community(server, http):
    result = run(server, http, "/forum/smf.xml", feeds=[server.base + "/forum/vbulletin.xml"])
    assert {topic(p) for p in result.posts} == {"555", "540", "7788", "7801"}


def test_scanning_the_demo_forum_feed_twice_loads_linked_threads_once(tmp_path):
    with demo.start_server() as sample:
        config = load_config(demo.write_config(sample, tmp_path, tmp_path / "voyage.duckdb"))
        (first, second), before, after = scan_twice(config, "bikepacking-collective")
    assert first.status == "ok" and first.new == 15
    assert (second.new, second.updated, second.requests) == (0, 0, 2)  # robots.txt, a conditional GET: 304
    assert before == after and before[1] == 15 - 4 and before[4] == 0  # four threads, every reply linked


def test_keywords_keep_whole_threads_where_any_post_mentions_one(server, http):
    ctx = FetchContext(http=http, now=server.now)
    xf = Community("xf", "forum", "e-bike", url=server.base + "/forum/xenforo.rss", keywords=("warranty",))
    result = forum.fetch(xf, Cursor(), ctx)
    assert {topic(p) for p in result.posts} == {"4412"} and len(result.posts) == 3  # two of three posts say it
    later = [p for p in result.posts if p.kind == COMMENT and "warranty" not in p.body.lower()]
    kept, _ = forum.about(later, result.cursor.state["threads"], xf.keywords)
    assert kept == later  # the thread matched before: its replies stay in
