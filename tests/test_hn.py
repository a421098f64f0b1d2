"""The Hacker News connector against a loopback HN Search: keyword hits, time slices, comment trees."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from connectors import FetchContext, hn
from connectors.http import Http
from pipeline.config import parse_config
from pipeline.errors import SourceRejected, SourceUnavailable
from pipeline.models import COMMENT, POST, Community, Cursor, Post
from pipeline.sample.forums import AlgoliaHNSample
from pipeline.sample.server import Reply, SampleServer
from tests.conftest import FIXTURES
from tests.test_discourse import scan_twice


@pytest.fixture
def algolia(server: SampleServer) -> AlgoliaHNSample:
    return AlgoliaHNSample.from_file(server, FIXTURES / "hn" / "items.json").install()


def community(server: SampleServer, keywords: tuple[str, ...] = ("hearthlink",), **options: Any) -> Community:
    return Community(name="hn-hearthlink", kind="hn", segment="enthusiasts", keywords=keywords,
                     options={"search_url": f"{server.base}/api/v1", **options})


def run(server: SampleServer, http: Http, cursor: Cursor | None = None, **kwargs: Any):
    return hn.fetch(community(server, **kwargs), cursor or Cursor(), FetchContext(http=http, now=server.now))


def by_id(posts: list[Post]) -> dict[str, Post]:
    return {p.external_id: p for p in posts}


def story(number: int, minutes_ago: int, now_epoch: int, comments: int = 0) -> dict[str, Any]:
    """An item in the items API's shape, with `comments` replies that mention the keyword too."""
    at = now_epoch - minutes_ago * 60
    item_id = 50_000_000 + number * 100
    children = [
        {"author": f"user{c}", "created_at": "", "created_at_i": at + 60 * (c + 1), "id": item_id + c + 1,
         "options": [], "parent_id": item_id, "points": None, "story_id": item_id, "title": None,
         "type": "comment", "url": None, "text": f"<p>My Acme widget number {c} broke.</p>", "children": []}
        for c in range(comments)
    ]
    return {"author": f"poster{number}", "created_at": "", "created_at_i": at, "id": item_id, "options": [],
            "parent_id": None, "points": number % 50, "story_id": item_id, "title": f"Acme widget review {number}",
            "type": "story", "url": f"https://example.com/{number}", "text": None, "children": children}


def test_matched_stories_come_with_their_whole_comment_tree(server, http, algolia):
    posts = by_id(run(server, http).posts)
    root = posts["41000001"]
    assert (root.kind, root.thread_id, root.parent_id, root.score, root.reply_count) == (POST, "41000001", None, 212, 4)
    assert root.url == "https://news.ycombinator.com/item?id=41000001"
    reply = posts["41000011"]
    assert (reply.kind, reply.parent_id, reply.thread_id, reply.depth) == (COMMENT, "41000010", "41000001", 2)
    assert reply.body == "Same. Local control was the whole point for me. It's been rock solid for a month."
    assert posts["41000020"].depth == 1 and posts["41000020"].body == "How do you handle the Zigbee radio? A USB stick?"
    assert posts["41000012"].removed  # deleted on HN: kept so the tree stays whole


def test_a_comment_matched_on_another_story_comes_with_the_path_down_to_it(server, http, algolia):
    posts = by_id(run(server, http).posts)
    comment = posts["41000102"]
    assert (comment.kind, comment.thread_id, comment.parent_id, comment.depth) == (COMMENT, "41000100", "41000101", 2)
    assert comment.title == "The state of smart home standards in 2026"
    story, parent = posts["41000100"], posts["41000101"]  # neither mentions the keyword: context only
    assert (story.kind, story.depth, parent.parent_id, parent.depth) == (POST, 0, "41000100", 1)


def test_stories_before_the_lookback_are_not_searched(server, http, algolia):
    assert "40000001" not in by_id(run(server, http).posts)


def test_one_search_and_one_items_request_per_story_for_a_small_keyword(server, http, algolia):
    result = run(server, http)
    assert server.count("/api/v1/search_by_date") == 1
    assert server.count("/api/v1/items/") == 2  # the matched story's tree, the matched comment's story
    assert result.requests == 4  # robots.txt too


def test_a_search_over_the_hit_cap_is_sliced_in_time_and_split_where_dense(server, http):
    now = int(server.now.timestamp())
    sparse = [story(n, minutes_ago=n * 600, now_epoch=now) for n in range(1, 30)]  # one every 10 h
    dense = [story(100 + n, minutes_ago=60 + n, now_epoch=now) for n in range(30)]  # 30 in half an hour
    AlgoliaHNSample(server, sparse + dense, max_hits=20).install()
    result = run(server, http, keywords=("acme",), max_hits=20, lookback_days=30)
    assert len(result.posts) == 59
    searches = [r for r in server.hits if r.path == "/api/v1/search_by_date"]
    assert len(searches) > 4 and result.missed == 0
    windows = {r.arg("numericFilters") for r in searches}
    assert len(windows) == len(searches)  # each slice asked once: no overlap, no repeat


def test_pages_inside_a_slice_are_followed(server, http):
    now = int(server.now.timestamp())
    AlgoliaHNSample(server, [story(n, n * 60, now) for n in range(1, 26)], max_hits=1000).install()
    result = run(server, http, keywords=("acme",), hits_per_page=10)
    assert len(result.posts) == 25 and server.count("/api/v1/search_by_date") == 3


def test_each_keyword_is_searched_and_hits_are_deduplicated(server, http, algolia):
    result = run(server, http, keywords=("hearthlink", "raspberry"))
    assert server.count("/api/v1/search_by_date") == 2
    assert len(result.posts) == len(by_id(result.posts))


def test_a_rerun_searches_only_from_the_cursor_minus_the_lag(server, http, algolia):
    first = run(server, http)
    server.hits.clear()
    second = run(server, http, first.cursor, lag_hours=1)
    (search,) = [r for r in server.hits if r.path == "/api/v1/search_by_date"]
    low = int(search.arg("numericFilters").split(",")[0].split(">=")[1])
    assert low == int((first.cursor.newest - timedelta(hours=1)).timestamp())
    assert sorted(p.external_id for p in second.posts) == ["41000100", "41000101", "41000102"]
    assert server.count("/api/v1/items/") == 1  # only the newest comment is inside the lag window


def test_a_story_gone_from_the_items_api_is_kept_from_its_hit(server, http, algolia):
    server.route("/api/v1/items/41000001", lambda r: Reply(404, '{"status":404,"error":"Not Found"}'))
    result = run(server, http)
    assert "41000001" in by_id(result.posts) and any("41000001" in w for w in result.warnings)


def test_keywords_are_required(server, http):
    with pytest.raises(SourceRejected, match="keywords"):
        run(server, http, keywords=())


def test_a_429_then_200_is_retried(server, http, algolia):
    calls = {"n": 0}

    def busy(request):
        calls["n"] += 1
        return Reply(429, "{}", {"Retry-After": "0"}) if calls["n"] == 1 else None

    server.route("/api/v1/search_by_date", busy)
    assert len(run(server, http).posts) == 8 and calls["n"] == 2  # a story and 4 comments; a comment with 2 above it


def test_a_search_service_that_stays_down_is_transient(server, http, algolia):
    server.route("/api/v1/search_by_date", lambda r: Reply(503, "down"))
    with pytest.raises(SourceUnavailable):
        run(server, http)


def test_scanning_hn_twice_into_duckdb_loads_the_threads_once(server, algolia, tmp_path):
    config = parse_config(server.render(f"""
[store]
path = "{(tmp_path / 'voyage.duckdb').as_posix()}"
[fetch]
rate_per_host = 1000.0
[[community]]
name = "hn-hearthlink"
kind = "hn"
keywords = ["hearthlink"]
search_url = "{{{{base}}}}/api/v1"
segment = "enthusiasts"
"""))
    (first, second), before, after = scan_twice(config, "hn-hearthlink")
    assert first.status == "ok" and first.new == 8
    assert (second.new, second.updated) == (0, 0)
    assert before == after and before[4] == 0  # every comment hangs under a stored parent and story


def test_a_probe_reads_a_story_whole_from_its_item_or_a_comment_url(server: SampleServer, http: Http,
                                                                    algolia: AlgoliaHNSample) -> None:
    hn_community = community(server)
    assert hn.thread_ref(hn_community, "https://news.ycombinator.com/item?id=41000001") == "41000001"
    assert hn.thread_ref(hn_community, f"{server.base}/api/v1/items/41000010") == "41000010"
    assert hn.thread_ref(hn_community, "https://example.org/item?id=1") is None
    ctx = FetchContext(http=http, now=server.now)
    whole = hn.thread(hn_community, "https://news.ycombinator.com/item?id=41000001", ctx)
    from_comment = hn.thread(hn_community, f"{server.base}/api/v1/items/41000010", ctx)  # reads its story
    assert whole.state == "live" and [p.kind for p in whole.posts][0] == POST and len(whole.posts) > 2
    assert [p.id for p in from_comment.posts] == [p.id for p in whole.posts]
    gone = hn.thread(hn_community, "https://news.ycombinator.com/item?id=999", ctx)
    assert (gone.state, gone.posts) == ("vanished", [])
