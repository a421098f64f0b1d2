"""The blog connector against a loopback server serving recorded-shaped feeds of every flavour."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from connectors import FetchContext, rss
from connectors.http import Http
from pipeline.errors import SourceRejected
from pipeline.models import COMMENT, POST, Community, Cursor, FetchResult
from pipeline.sample.server import Reply, Request, SampleServer


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


class WordPress:
    """A WordPress blog in miniature: two articles with their own comment feeds, and the site-wide comments feed
    (its latest `site_size` comments, newest first), all answering conditional requests."""

    def __init__(self, server: SampleServer, site_size: int = 10) -> None:
        self.base, self.site_size = f"{server.base}/wp", site_size
        self.comments: dict[str, list[tuple[str, int]]] = {"a1": [("Ana", 3 * 1440)], "a2": [("Ben", 2 * 1440)]}
        for path in ("/wp/feed/", "/wp/a1/feed/", "/wp/a2/feed/", "/wp/comments/feed/"):
            server.route(path, self.answer)
        self.server = server

    def add(self, article: str, author: str, minutes_ago: int) -> None:
        self.comments[article].append((author, minutes_ago))

    def answer(self, request: Request) -> Reply:
        from pipeline.sample.server import conditional

        if request.path == "/wp/feed/":
            items = "".join(f"<item><title>Article {a}</title><link>{self.base}/{a}/</link><guid>{self.base}/?p={a}"
                            f"</guid><pubDate>{{{{rfc822:-5d}}}}</pubDate><description>About {a}.</description>"
                            f"<wfw:commentRss>{self.base}/{a}/feed/</wfw:commentRss></item>" for a in self.comments)
        else:
            every = [(a, i, who, when) for a, notes in self.comments.items() for i, (who, when) in enumerate(notes)]
            if request.path == "/wp/comments/feed/":
                every = sorted(every, key=lambda c: c[3])[: self.site_size]  # newest first
            else:
                every = [c for c in every if f"/{c[0]}/" in request.path]
            items = "".join(f"<item><title>By: {who}</title><link>{self.base}/{a}/#comment-{i}</link>"
                            f"<guid>{self.base}/?p={a}#comment-{i}</guid><pubDate>{{{{rfc822:-{when}m}}}}</pubDate><dc:creator>{who}</dc:creator>"
                            f"<description>{who} says the {a} thing is lovely.</description></item>"
                            for a, i, who, when in every)
        body = self.server.render('<?xml version="1.0"?><rss version="2.0" xmlns:wfw="http://wellformedweb.org/Com'
                                  'mentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>wp</title>'
                                  f"{items}</channel></rss>")
        return conditional(request, body.encode(), "application/rss+xml", self.server.now)


def test_the_site_wide_comments_feed_spares_one_request_per_article_on_a_rerun(server: SampleServer,
                                                                              http: Http) -> None:
    wp = WordPress(server)
    first = fetch(server, http, "../wp/feed/")
    assert sorted(p.author for p in first.posts if p.kind == COMMENT) == ["Ana", "Ben"]
    asked = {path: server.count(path) for path in ("/wp/a1/feed/", "/wp/a2/feed/", "/wp/comments/feed/")}
    assert asked["/wp/comments/feed/"] == 0  # a first run reads every article's own feed, nothing more
    again = fetch(server, http, "../wp/feed/", first.cursor)  # the site feed holds all since: it answers for all
    first_ids = {p.id for p in first.posts if p.kind == COMMENT}
    assert {p.id for p in again.posts if p.kind == COMMENT} <= first_ids
    assert server.count("/wp/a1/feed/") == asked["/wp/a1/feed/"] and server.count("/wp/a2/feed/") == asked[
        "/wp/a2/feed/"]
    wp.add("a2", "Cleo", 1)  # a new comment: in the site feed, which holds all since the last run
    third = fetch(server, http, "../wp/feed/", again.cursor)
    assert [(p.author, p.thread_id) for p in third.posts if p.kind == COMMENT and p.author == "Cleo"] == [
        ("Cleo", next(p.external_id for p in first.posts if p.kind == POST and "a2" in p.url))]
    assert server.count("/wp/a2/feed/") == asked["/wp/a2/feed/"]  # no per-article request
    fourth = fetch(server, http, "../wp/feed/", third.cursor)  # nothing new: the site feed answers 304
    assert [p for p in fourth.posts if p.kind == COMMENT] == [] and server.count("/wp/a1/feed/") == asked[
        "/wp/a1/feed/"]


def test_more_new_comments_than_the_site_feed_holds_are_read_from_each_article(server: SampleServer,
                                                                              http: Http) -> None:
    wp = WordPress(server, site_size=2)
    first = fetch(server, http, "../wp/feed/")
    for i in range(3):
        wp.add("a1", f"Dee{i}", 5)
    asked = server.count("/wp/a1/feed/")
    later = replace(first.cursor, state={**first.cursor.state, "site_checked": "2020-01-01T00:00:00+00:00"})
    more = fetch(server, http, "../wp/feed/", later)  # the site feed's oldest comment is newer than the last check
    assert sorted(p.author for p in more.posts if p.kind == COMMENT and p.author.startswith("Dee")) == [
        "Dee0", "Dee1", "Dee2"]
    assert server.count("/wp/a1/feed/") == asked + 1


def test_a_malformed_feed_parsed_in_the_runs_worker_processes_comes_back_whole(server: SampleServer,
                                                                              http: Http) -> None:
    """feedparser's exception for a malformed feed holds its parser and a closed file: it used to fail the whole
    community when the feed was parsed in a worker process ("I/O operation on closed file")."""
    from functools import partial

    from pipeline.config import Config
    from pipeline.score import RunScorer
    from pipeline.steps import make_matcher

    with RunScorer(partial(make_matcher, Config(communities=())), workers=2, eager=True) as scorer:
        ctx = FetchContext(http=http, offload=scorer.offload)
        result = rss.fetch(blog(server, "malformed/feed.xml", lookback_days=3650), Cursor(), ctx)
    inline = fetch(server, http, "malformed/feed.xml", lookback_days=3650)
    assert [p.id for p in result.posts] == [p.id for p in inline.posts] and result.posts
    assert result.warnings == inline.warnings and any("malformed feed" in w for w in result.warnings)


def test_a_first_run_asks_for_a_feed_once_when_its_url_is_the_feed(server: SampleServer, http: Http) -> None:
    first = fetch(server, http, "wordpress/feed.xml")
    assert server.count("/rss/wordpress/feed.xml") == 1  # discovery's response is the feed: not fetched again
    assert first.cursor.validators.get(first.cursor.state["feed_url"]) is not None  # and its validator is kept
    again = fetch(server, http, "wordpress/feed.xml", first.cursor)
    assert server.count("/rss/wordpress/feed.xml") == 2 and not [p for p in again.posts if p.kind == POST]
