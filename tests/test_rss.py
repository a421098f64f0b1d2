"""The blog connector against a loopback server serving recorded-shaped feeds of every flavour."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from connectors import FetchContext, rss
from connectors.http import Http
from pipeline.errors import SourceRejected
from pipeline.models import COMMENT, POST, Community, Cursor, FetchResult
from pipeline.sample.server import Reply, SampleServer


def blog(server: SampleServer, path: str, **options: object) -> Community:
    keywords = tuple(options.pop("keywords", ()))  # type: ignore[arg-type]
    return Community("blog", "rss", "readers", url=f"{server.base}/rss/{path}", keywords=keywords, options=options)


def fetch(server: SampleServer, http: Http, path: str, cursor: Cursor | None = None, **options: object) -> FetchResult:
    return rss.fetch(blog(server, path, **options), cursor or Cursor(), FetchContext(http=http))


def test_a_wordpress_feed_brings_articles_and_their_readers_comments(server: SampleServer, http: Http) -> None:
    result = fetch(server, http, "wordpress/feed.xml")
    articles = [p for p in result.posts if p.kind == POST]
    comments = [p for p in result.posts if p.kind == COMMENT]
    assert len(articles) == 3 and len(comments) >= 6
    ids = {a.external_id for a in articles}
    assert all(c.thread_id in ids and c.parent_id == c.thread_id for c in comments)
    assert all(a.body and "<" not in a.body for a in articles)
    assert all(p.published.tzinfo is UTC for p in result.posts)
    assert not any(c.title.lower().startswith("comment on") for c in comments)


def test_a_homepage_leads_to_its_main_feed_not_the_comments_feed(server: SampleServer, http: Http) -> None:
    result = fetch(server, http, "discovery/index.html")
    assert result.cursor.state["feed_url"].endswith("/rss/wordpress/feed.xml")
    assert any(p.kind == POST for p in result.posts)


def test_a_page_without_any_feed_fails_with_a_clear_reason(server: SampleServer, http: Http) -> None:
    with pytest.raises(SourceRejected, match="no RSS, Atom or JSON feed found"):
        fetch(server, http, "nofeed/index.html")


@pytest.mark.parametrize("path", ["atom/feed.xml", "rss1/feed.rdf", "rss091/feed.xml", "jsonfeed/feed.json"])
def test_every_feed_flavour_becomes_posts_with_stable_ids(server: SampleServer, http: Http, path: str) -> None:
    first = fetch(server, http, path, lookback_days=3650)
    assert first.posts and all(p.kind == POST and p.title and p.external_id for p in first.posts)
    again = fetch(server, http, path, lookback_days=3650)
    assert [p.external_id for p in again.posts] == [p.external_id for p in first.posts]


def test_a_malformed_feed_is_loaded_with_a_warning(server: SampleServer, http: Http) -> None:
    result = fetch(server, http, "malformed/feed.xml", lookback_days=3650)
    assert result.posts
    assert any("malformed feed" in w for w in result.warnings)


def test_an_unreadable_feed_fails_that_community_with_one_line(server: SampleServer, http: Http) -> None:
    with pytest.raises(SourceRejected, match="not a readable feed") as caught:
        fetch(server, http, "broken/feed.xml")
    assert "\n" not in str(caught.value)


def test_a_second_fetch_of_an_unchanged_blog_gets_304s_and_nothing_new(server: SampleServer, http: Http) -> None:
    first = fetch(server, http, "wordpress/feed.xml")
    requests_before = len(server.hits)
    second = fetch(server, http, "wordpress/feed.xml", first.cursor)
    assert second.posts == []
    conditional = [r for r in server.hits[requests_before:] if "if-none-match" in r.headers]
    assert len(conditional) == len(server.hits) - requests_before  # every request was conditional


def test_site_wide_wordpress_comments_are_hung_under_their_articles(server: SampleServer, http: Http) -> None:
    result = fetch(server, http, "sitecomments/feed/")
    articles = {p.external_id: p for p in result.posts if p.kind == POST}
    comments = [p for p in result.posts if p.kind == COMMENT]
    assert len(articles) == 2 and len(comments) == 3
    assert all(c.thread_id in articles for c in comments)


def test_keywords_keep_only_matching_articles_and_their_comments(server: SampleServer, http: Http) -> None:
    everything = fetch(server, http, "wordpress/feed.xml")
    word = everything.posts[0].title.split()[0]
    kept = fetch(server, http, "wordpress/feed.xml", keywords=[word])
    articles = [p for p in kept.posts if p.kind == POST]
    assert articles and all(word.lower() in (a.title + a.body).lower() for a in articles)
    assert {c.thread_id for c in kept.posts if c.kind == COMMENT} <= {a.external_id for a in articles}


def test_a_first_run_loads_every_article_the_feed_carries_and_names_what_the_lookback_left_out(
    server: SampleServer, http: Http
) -> None:
    everything = fetch(server, http, "wordpress/feed.xml")
    recent = fetch(server, http, "wordpress/feed.xml", lookback_days=0)  # a quiet blog: all older than it
    assert [p.id for p in recent.posts if p.kind == POST] == [p.id for p in everything.posts if p.kind == POST]
    assert [p for p in recent.posts if p.kind == COMMENT] == []  # their comment feeds would cost requests
    assert any("comments of 3 articles older than the lookback" in w for w in recent.warnings)
    assert recent.cursor.newest is not None and recent.cursor.newest <= datetime.now(UTC)


def test_the_full_content_wins_over_a_longer_excerpt() -> None:
    entry = {"content": [{"value": "<p>Short full text.</p>"}],
             "summary": "Short full text, cut off with the reader's teaser [&#8230;]"}
    assert rss._body(entry) == "<p>Short full text.</p>"
    assert rss._body({"summary": "Only an excerpt [&#8230;]"}) == "Only an excerpt [&#8230;]"


def test_a_post_id_does_not_change_with_the_scheme_www_or_port_of_its_host() -> None:
    ids = {rss._entry_id({"id": url}, "http://blog.example.com/feed") for url in
           ("http://blog.example.com/?p=12", "https://www.blog.example.com:8443/?p=12", "http://blog.example.com:80/?p=12")}
    assert ids == {"blog.example.com/?p=12"}
    bare = {rss._entry_id({"id": "12"}, f"http://127.0.0.1:{port}/feed") for port in (8001, 8002)}
    assert bare == {"127.0.0.1/12"}


def test_a_missing_site_wide_comments_feed_is_asked_for_once(server: SampleServer, http: Http) -> None:
    first = fetch(server, http, "sitecomments/feed/")
    server.route("/rss/sitecomments/comments/feed/", lambda request: Reply(404, "gone", content_type="text/plain"))
    second = fetch(server, http, "sitecomments/feed/", replace(first.cursor, validators={}))
    assert second.cursor.state["site_comments"] is None and second.warnings == ()
    asked = server.count("/rss/sitecomments/comments/feed/")
    fetch(server, http, "sitecomments/feed/", replace(second.cursor, validators={}))
    assert server.count("/rss/sitecomments/comments/feed/") == asked
