"""The Discourse connector against a loopback Discourse: listing pages, post-stream chunks, incremental reruns."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from connectors import FetchContext, discourse
from connectors.http import Http
from pipeline import demo, steps, store
from pipeline.config import Config, load_config
from pipeline.errors import SourceRejected, SourceUnavailable
from pipeline.models import COMMENT, POST, Community, Cursor, Post
from pipeline.sample.forums import DiscourseSample
from pipeline.sample.server import Reply, Request, SampleServer
from tests.conftest import FIXTURES


@pytest.fixture
def forum(server: SampleServer) -> DiscourseSample:
    return DiscourseSample(server, FIXTURES / "discourse", prefix="/forum").install()


def community(server: SampleServer, **options: Any) -> Community:
    return Community(name="hearthlink", kind="discourse", segment="smart-home", url=f"{server.base}/forum",
                     options={"lag_hours": 24, **options})


def run(server: SampleServer, http: Http, cursor: Cursor | None = None, **options: Any):
    ctx = FetchContext(http=http, now=server.now)
    return discourse.fetch(community(server, **options), cursor or Cursor(), ctx)


def by_id(posts: list[Post]) -> dict[str, Post]:
    return {p.external_id: p for p in posts}


def topic(post: Post) -> str:
    """The Discourse topic a post belongs to, from its URL (/t/slug/{topic}/{number})."""
    return post.url.split("/")[-2]


def topic_hits(server: SampleServer) -> list[str]:
    return [r.path for r in server.hits if r.path.startswith("/forum/t/") or "/by_number/" in r.path]


def test_a_long_topic_is_read_through_every_post_stream_chunk(server, http, forum):
    result = run(server, http)
    long = [p for p in result.posts if topic(p) == "301"]
    assert len(long) == 65
    assert server.count("/forum/t/301/posts.json") == 3  # 65 posts: 20 with the topic, then 20 + 20 + 5
    assert [p.kind for p in long].count(POST) == 1


def test_the_first_post_carries_the_title_and_replies_hang_under_it(server, http, forum):
    posts = by_id(run(server, http).posts)
    first = posts["2001"]
    assert (first.kind, first.parent_id, first.thread_id, first.depth) == (POST, None, "2001", 0)
    assert first.title == "Which motion sensor works best with night mode?"
    assert first.reply_count == 4
    assert posts["2002"].parent_id == "2001" and posts["2002"].kind == COMMENT
    assert {p.thread_id for p in posts.values() if topic(p) == "302"} == {"2001"}
    assert posts["2004"].parent_id == "2002" and posts["2004"].depth == 2  # reply_to_post_number 2
    assert posts["2005"].parent_id == "2004" and posts["2005"].depth == 3
    assert posts["2002"].score == 5 and posts["2002"].body.startswith("The Aqara P1 has a pet mode")
    assert posts["2002"].url == f"{server.base}/forum/t/which-motion-sensor-works-best-with-night-mode/302/2"


def test_reply_parents_are_linked_across_chunks(server, http, forum):
    posts = by_id(run(server, http).posts)
    assert posts[str(1000 + 50 * 3)].parent_id == str(1000 + 4 * 3)  # post 50 replies to post 4
    assert posts[str(1000 + 45 * 3)].parent_id == str(1000 + 42 * 3)


def test_deleted_posts_are_kept_as_removed_and_small_actions_dropped(server, http, forum):
    posts = by_id(run(server, http).posts)
    assert posts["4002"].removed and posts["4002"].text == ""
    assert "4004" not in posts


def test_topics_older_than_the_lookback_are_not_read(server, http, forum):
    result = run(server, http)
    assert "5001" not in by_id(result.posts)  # a pinned welcome topic from 90 days ago
    assert server.count("/forum/t/305") == 0


def test_the_listing_is_paged_until_topics_fall_behind_the_cursor(server, http, forum):
    forum.per_page = 2
    result = run(server, http)
    assert {topic(p) for p in result.posts} == {"301", "302", "303", "304"}
    assert server.count("/forum/latest.json") == 3  # 303/304, 302/301, then 305 which is too old


def test_a_category_is_listed_from_its_own_page(server, http, forum):
    result = run(server, http, category="hubs-and-bridges/5")
    assert {topic(p) for p in result.posts} == {"301"}
    assert server.count("/forum/c/hubs-and-bridges/5.json") == 1


def test_an_unchanged_rerun_reads_only_topics_with_posts_inside_the_lag_window(server, http, forum):
    first = run(server, http)
    server.hits.clear()
    second = run(server, http, first.cursor)
    assert topic_hits(server) == ["/forum/t/303.json"]  # its last post is 10 minutes old
    assert {p.external_id for p in second.posts} == {"3001", "3003"}  # the first post and the recent one


def test_a_rerun_fetches_only_the_moved_topic_and_only_its_new_posts(server, http, forum):
    first = run(server, http)
    forum.add_post(301, "marta_k", "<p>4.2.2 fixed pairing for me, finally.</p>", reply_to=25,
                   created=server.now - timedelta(minutes=5))
    server.hits.clear()
    second = run(server, http, first.cursor)
    assert sorted(topic_hits(server)) == ["/forum/posts/by_number/301/25.json", "/forum/t/301.json",
                                          "/forum/t/301/posts.json", "/forum/t/303.json"]
    new = [p for p in second.posts if topic(p) == "301" and p.kind == COMMENT]
    assert [(p.body, p.parent_id) for p in new] == [("4.2.2 fixed pairing for me, finally.", str(1000 + 25 * 3))]
    assert second.requests == len(server.hits)


def test_cursor_state_survives_json(server, http, forum):
    first = run(server, http)
    restored = Cursor.from_json(first.cursor.to_json())
    server.hits.clear()
    run(server, http, restored)
    assert topic_hits(server) == ["/forum/t/303.json"]
    assert restored.newest == max(p.published for p in first.posts)


def test_a_topic_gone_since_the_listing_is_skipped_with_a_warning(server, http, forum):
    server.route("/forum/t/302.json", lambda r: Reply(404, '{"errors": ["not found"]}'))
    result = run(server, http)
    assert "302" not in {topic(p) for p in result.posts}
    assert any("topic 302 skipped" in w for w in result.warnings)


def test_a_topic_that_fails_on_a_rerun_keeps_its_state_for_the_next(server, http, forum):
    first = run(server, http)
    server.route("/forum/t/303.json", lambda r: Reply(403, '{"errors": ["private"]}'))
    second = run(server, http, first.cursor)
    assert second.cursor.state["topics"]["303"] == first.cursor.state["topics"]["303"]
    assert second.cursor.newest_id == first.cursor.newest_id


def test_a_missing_forum_is_rejected(server, http):
    with pytest.raises(SourceRejected, match="404"):
        run(server, http)


def test_429_with_retry_after_is_honoured_then_the_run_succeeds(server, http, forum):
    calls = {"n": 0}

    def busy(request: Request) -> Reply | None:
        calls["n"] += 1
        return Reply(429, '{"errors": ["slow down"]}', {"Retry-After": "1"}) if calls["n"] == 1 else None

    server.route("/forum/latest.json", busy)
    result = run(server, http)
    assert calls["n"] == 2 and len(result.posts) > 70


def test_a_429_that_never_ends_is_transient(server, http, forum):
    server.route("/forum/latest.json", lambda r: Reply(429, "{}", {"Retry-After": "0"}))
    with pytest.raises(SourceUnavailable):
        run(server, http)


def test_a_budget_keeps_the_newest_posts_of_a_huge_topic(server, http, forum):
    result = run(server, http, max_posts=10)
    assert result.missed > 0
    long = by_id([p for p in result.posts if topic(p) == "301"])
    assert str(1000 + 65 * 3) in long and str(1000 + 30 * 3) not in long


def test_requests_are_counted(server, http, forum):
    result = run(server, http)
    assert result.requests == len(server.hits) == 1 + 1 + 4 + 3  # robots, listing, four topics, three chunks


def paced_run(server: SampleServer, rate_per_host: float, **options: Any) -> float:
    """Seconds a first run takes under the rate limit, on a clock that only moves when the client sleeps."""
    clock = {"now": 0.0}

    def sleep(seconds: float) -> None:
        clock["now"] += max(seconds, 1e-6)  # a real sleep always lets some time pass

    settings = replace(Http().settings, robots=False, burst=1, rate_per_host=rate_per_host)
    with Http(settings, sleep=sleep, clock=lambda: clock["now"]) as paced:
        result = discourse.fetch(community(server, **options), Cursor(), FetchContext(http=paced, now=server.now))
    assert result.requests == 8
    return clock["now"]


def test_a_configured_rate_paces_the_requests(server, forum):
    assert paced_run(server, 1000.0, rate=3) == pytest.approx(7 / 3, abs=0.01)  # 3 per second after the first


def test_by_default_a_forum_gets_at_most_two_requests_a_second(server, forum):
    assert paced_run(server, 50.0) == pytest.approx(7 / 2, abs=0.01)
    assert paced_run(server, 1.0) == pytest.approx(7, abs=0.01)


def scan_twice(config: Config, name: str) -> tuple[list[store.RunRow], tuple, tuple]:
    """Scan one community into DuckDB twice the way `voyage scan NAME` does; the counts after each."""
    target = config.community(name)
    count = ("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM posts WHERE kind = 'comment'), "
             "(SELECT count(*) FROM post_sentiment), (SELECT count(*) FROM mentions), "
             "(SELECT count(*) FROM posts c WHERE c.kind = 'comment' AND ("
             " c.parent_id NOT IN (SELECT post_id FROM posts) OR "
             " c.thread_id NOT IN (SELECT post_id FROM posts WHERE kind = 'post')))")
    first = steps.run_direct(config, [target], steps.make_context(config))
    before = store.run_query(config.db_path, count)[1][0]
    second = steps.run_direct(config, [target], steps.make_context(config))
    return first + second, before, store.run_query(config.db_path, count)[1][0]


def test_scanning_the_demo_discourse_twice_loads_linked_threads_once(tmp_path):
    with demo.start_server() as sample:
        config = load_config(demo.write_config(sample, tmp_path, tmp_path / "voyage.duckdb"))
        (first, second), before, after = scan_twice(config, "velovolt-riders")
    assert first.status == "ok" and first.new == 85 and first.fetched == 85
    assert (second.new, second.updated) == (0, 0) and second.requests < first.requests / 3
    assert before == after and before[1] == 85 - 8 and before[4] == 0  # no comment without its parent


def test_a_rerun_scores_and_writes_only_the_posts_whose_source_changed(server: SampleServer, forum: DiscourseSample,
                                                                        http: Http, db_path) -> None:
    hearthlink = community(server)
    ctx = FetchContext(http=http, now=server.now)
    first = steps.collect(hearthlink, Cursor(), ctx, None)
    steps.load(db_path, first, "r1")
    cursors = steps.read_cursors(db_path, [hearthlink])
    known = steps.read_known(db_path, [hearthlink], cursors, ctx)["hearthlink"]
    assert len(known) >= 3
    forum.add_post(303, "newbie", "<p>Same here after the clock change.</p>")
    second = steps.collect(hearthlink, cursors["hearthlink"], ctx, None, known=known)
    assert len(second.result.posts) > 1  # the lag window brings the topic's recent posts again
    # only the new reply, and the opening post, whose reply count moved, are scored and written
    assert [(s.post.author, s.post.kind) for s in second.scored] == [("dev_ops_dan", POST), ("newbie", COMMENT)]
    row = steps.load(db_path, second, "r2")
    assert (row.fetched, row.new, row.updated) == (len(second.result.posts), 1, 1)
