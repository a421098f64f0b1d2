"""Blogs: RSS 0.9x/1.0/2.0, Atom and JSON Feed, found from a homepage, with readers' comment feeds.

Articles come from the main feed; readers' comments from each article's `wfw:commentRss` feed, or
from the site-wide WordPress `/comments/feed/` when articles do not name their own. Every feed is
fetched conditionally (ETag/Last-Modified, then a content hash), so an unchanged blog costs a few
304s. Articles stay watched for new comments for `lookback_days` after they were published.
"""

from __future__ import annotations

import calendar
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import feedparser

from connectors import FetchContext, horizon, on_site, since
from connectors.html import html_to_text
from connectors.http import Response
from pipeline.errors import Gone, HostDown, SourceError, SourceRejected, one_line
from pipeline.models import COMMENT, POST, Community, Cursor, FetchResult, Post, ThreadResult, Validator, utc

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/json",
              "application/rdf+xml", "application/xml", "text/xml")
GUESSES = ("feed/", "feed", "rss.xml", "atom.xml", "index.xml", "feed.xml")
_COMMENT_TITLE = re.compile(r"^\s*(?:comment on|re:)\s+.*?(?:\s+by\s+.+)?$", re.I)
# WordPress titles each comment of a post's comment feed "By: <author>", in the site's language
_BY = re.compile(r"^\s*(?:by|von|par|por|di|da|door|av|af|przez|od|от|автор|kirjoittaja|tarafından|gönderen|"
                 r"írta|autor|napsal|από|作者|投稿者|작성자|oleh|bởi|โดย|מאת|بواسطة|توسط)\s*[:：]\s*\S", re.I)


def fetch(community: Community, cursor: Cursor, ctx: FetchContext) -> FetchResult:
    if not community.url:
        raise SourceRejected(f"{community.name}: no url")
    start_requests, warnings = ctx.http.thread_requests, []
    rate = rate_of(community)
    feed_url, response = cursor.state.get("feed_url"), None
    if not feed_url:  # a first run: discovery may already hold the feed itself, no need to ask for it again
        feed_url, response = find_feed(community.url, ctx, rate)
    cursor = replace(cursor, state={**cursor.state, "feed_url": feed_url})
    if response is not None:
        validator = ctx.http.validator(response)
    else:
        response, validator = ctx.http.get_conditional(feed_url, cursor.validators.get(feed_url), rate=rate)
    entries: list[tuple[Post, str | None]] = []
    if response is not None:
        feed = ctx.parse(parse_feed, response)
        validator = _with_ttl(validator, feed, ctx.now)
        warnings += _bozo_warning(feed, feed_url)
        entries = [(parse_entry(e, community, feed_url, ctx.now), e.get("wfw_commentrss")) for e in feed["entries"]]
        if cursor.newest:  # a first run loads everything the feed carries: it is in hand, no extra request
            window = since(community, cursor, ctx)
            entries = [(a, c) for a, c in entries if a.published >= window]
        entries = [(a, c) for a, c in entries if _wanted(a, community)]
    cursor = cursor.with_validator(feed_url, validator)
    articles = [article for article, _ in entries]
    oldest = horizon(community, ctx)
    unwatched = sum(1 for a, comments_url in entries if comments_url and a.published < oldest)
    if unwatched:  # each would cost a request per run: the lookback bounds what is watched for comments
        lookback = f"{(ctx.now - oldest).days} days"
        warnings.append(f"comments of {unwatched} articles older than the lookback ({lookback}) not fetched")
    watched = _watch(cursor, entries, oldest)
    cursor = replace(cursor, state={**cursor.state, "watched": watched})
    comments, cursor, more_warnings = _fetch_comments(community, cursor, watched, ctx)
    posts = articles + comments
    newest = max((p.published for p in articles), default=cursor.newest)
    cursor = replace(cursor, newest=max(filter(None, (newest, cursor.newest)), default=None))
    requests = ctx.http.thread_requests - start_requests
    return FetchResult(posts, cursor, tuple(warnings + more_warnings), requests=requests)


def thread_ref(community: Community, url: str) -> str | None:
    """A page of this blog below its home (an article), by its port- and scheme-free URL."""
    home = urlsplit(community.url or "").path
    home = home if home.endswith("/") else home.rsplit("/", 1)[0] + "/"
    if not on_site(url, community.url) or urlsplit(url).path.rstrip("/") + "/" == home:
        return None
    return stable_url_id(_strip_fragment(url))


def thread(community: Community, url: str, ctx: FetchContext) -> ThreadResult:
    """An article and its comments: the article from the blog's feed (so its id is the one runs store), else from
    its page; its comments from its own comment feed (wfw:commentRss, the page's comment feed link, or WordPress's
    {article}/feed/)."""
    wanted = thread_ref(community, url)
    if wanted is None:
        raise SourceRejected(f"{url}: not an article of {community.url}")
    start, rate = ctx.http.thread_requests, rate_of(community)
    feed_url, response = find_feed(community.url or url, ctx, rate)
    feed = ctx.parse(parse_feed, response or ctx.http.get(feed_url, rate=rate))
    entry = next((e for e in feed["entries"] if stable_url_id(_strip_fragment(e.get("link") or "")).rstrip("/")
                  == wanted.rstrip("/")), None)
    if entry is not None:
        root, comments_url = parse_entry(entry, community, feed_url, ctx.now), entry.get("wfw_commentrss")
    else:
        try:
            page = ctx.http.get(url, rate=rate)
        except Gone:
            return ThreadResult([], "vanished", "the article is gone (HTTP 404/410)", ctx.http.thread_requests - start)
        root = _page_post(page.text(), url, community, ctx.now)
        comment_links = [link for link in _alternate_links(page.text(), page.url) if "comment" in link.lower()]
        comments_url = comment_links[0] if comment_links else url.rstrip("/") + "/feed/"
    comments, note = [], None
    if comments_url:
        try:
            replies = ctx.http.get(comments_url, rate=rate)
            comments, _ = ctx.parse(_comment_posts, replies, {"*": root.external_id}, community, ctx.now)
        except SourceRejected as exc:
            note = f"comments not read: {one_line(exc, 200)}"
    return ThreadResult([root, *comments], "live", note, ctx.http.thread_requests - start)


def _page_post(page: str, url: str, community: Community, now: datetime) -> Post:
    """An article known only by its page: its title and description (meta tags), dated now if undated."""
    meta = {k: v for k, v in re.findall(r'<meta\s+(?:property|name)="([^"]+)"\s+content="([^"]*)"', page)}
    title = meta.get("og:title") or (re.search(r"<title[^>]*>(.*?)</title>", page, re.S | re.I) or [None, ""])[1]
    published = meta.get("article:published_time")
    return Post(community=community.name, source="rss", external_id=stable_url_id(_strip_fragment(url)), url=url,
                thread_id=stable_url_id(_strip_fragment(url)), parent_id=None, kind=POST, author=None,
                title=html_to_text(title), body=html_to_text(meta.get("og:description") or meta.get("description")),
                published=utc(datetime.fromisoformat(published)) if published else now.replace(microsecond=0))


def find_feed(url: str, ctx: FetchContext, rate: float | None = None) -> tuple[str, Response | None]:
    """The feed behind a URL (the URL itself, a `<link rel="alternate">` on the page, or a common path), and the
    feed's response when finding it fetched the feed itself, so that it is not asked for twice."""
    response = ctx.http.get(url, rate=rate)
    if _looks_like_feed(response):
        return response.url, response
    links = _alternate_links(response.text(), response.url)
    if links:
        return links[0], None
    for guess in GUESSES:
        candidate = urljoin(response.url.rstrip("/") + "/", guess)
        try:
            found = ctx.http.get(candidate, rate=rate)
        except SourceRejected:
            continue
        if _looks_like_feed(found):
            return candidate, found
    raise SourceRejected(f"{url}: no RSS, Atom or JSON feed found on the page or at the usual paths")


def parse_feed(response: Response) -> dict[str, Any]:
    """feedparser (or JSON Feed) over fetched bytes; raises SourceRejected when nothing is readable."""
    if _is_json_feed(response):
        return _parse_json_feed(response)
    headers = {"content-type": response.headers.get("content-type", ""), "content-location": response.url}
    feed = feedparser.parse(without_entities(response.content), response_headers=headers,
                            sanitize_html=False, resolve_relative_uris=False)
    if not feed.get("version") and not feed.get("entries"):
        reason = feed.get("bozo_exception") or "no RSS/Atom elements"
        raise SourceRejected(f"{response.url}: not a readable feed ({one_line(reason, 300)})")
    if feed.get("bozo_exception") is not None:  # the parser's exception holds the parser and a closed file: its
        feed["bozo_exception"] = one_line(feed["bozo_exception"], 300)  # text is all we use, and it travels
    return feed


_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.S | re.I)


def without_entities(content: bytes) -> bytes:
    """The feed without an internal DTD subset: entity declarations are refused before feedparser sees them, so
    a few kilobytes that expand to gigabytes ("billion laughs", or one entity repeated 20,000 times) stay
    kilobytes; the undefined references left behind only make the feed malformed (loaded, with a warning)."""
    if b"<!ENTITY" not in content[:65_536].upper():
        return content
    return _DOCTYPE.sub(b"", content, count=1)


def parse_entry(entry: Mapping[str, Any], community: Community, feed_url: str, now: datetime,
                kind: str = POST, thread: str | None = None) -> Post:
    link = entry.get("link") or ""
    external = _entry_id(entry, feed_url)
    title = html_to_text(entry.get("title"))
    author = _author(entry)
    if kind == COMMENT and (_COMMENT_TITLE.match(title) or _BY.match(title)
                            or (author and author.casefold() in title.casefold())):
        title = ""  # "By: Jane Doe", "Von: Jane Doe", "Comment on X by Jane": a name, never a title to keep
    return Post(
        community=community.name, source="rss", external_id=external, url=link or feed_url,
        thread_id=thread or external, parent_id=thread, kind=kind,
        author=author, title=title, body=html_to_text(_body(entry)),
        published=entry_time(entry) or now.replace(microsecond=0),
        reply_count=_int(entry.get("slash_comments")),
    )


def entry_time(entry: Mapping[str, Any]) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = entry.get(key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    return None


def _fetch_comments(
    community: Community, cursor: Cursor, watched: Mapping[str, Any], ctx: FetchContext
) -> tuple[list[Post], Cursor, list[str]]:
    """New comments of the watched articles. Once a run has read every comment feed, later runs ask the site-wide
    comments feed (WordPress's /comments/feed/) first: unchanged since then (a 304), or holding every comment since
    then, it answers for all articles and spares one request per article; otherwise each article's own comment feed
    is read (conditionally)."""
    comments: list[Post] = []
    warnings: list[str] = []
    feeds, site = _comment_feeds(cursor, watched), _site_comments(cursor)
    checked = cursor.state.get("site_checked")
    if site and checked and any(url != site for url in feeds):
        pages = {info["url"]: article_id for article_id, info in watched.items()}
        comments, cursor, answer = _read_comments(site, pages, community, cursor, ctx, warnings)
        if answer == "unchanged" or (answer is not None and answer <= datetime.fromisoformat(checked)):
            cursor = replace(cursor, state={**cursor.state, "site_checked": ctx.now.isoformat()})
            return comments, cursor, warnings  # nothing new since the last run, or all of it in the site feed
        feeds.pop(site, None)  # keep its comments of articles without a feed of their own; the rest come again:
        comments = [c for c in comments if not watched.get(c.thread_id, {}).get("comments")]
    for url, threads in feeds.items():
        found, cursor, answer = _read_comments(url, threads, community, cursor, ctx, warnings)
        comments += found
        site = site if answer is not None else None
    if site:  # every comment up to the run's start is in hand: next time the site feed may answer for all
        cursor = replace(cursor, state={**cursor.state, "site_checked": ctx.now.isoformat()})
    return comments, cursor, warnings


def _read_comments(url: str, threads: Mapping[str, str], community: Community, cursor: Cursor, ctx: FetchContext,
                   warnings: list[str]) -> tuple[list[Post], Cursor, Any]:
    """One comment feed, conditionally: its comments of the articles in `threads` (page URL or '*' -> article id),
    and what it said: None (not read), "unchanged" (304), or the time of its oldest comment."""
    try:
        response, validator = ctx.http.get_conditional(url, cursor.validators.get(url), rate=rate_of(community))
    except HostDown:
        return [], cursor, None  # counted by the client and named once in the run row
    except SourceError as exc:
        if url == _site_comments(cursor) and isinstance(exc, SourceRejected):  # none here: stop asking
            cursor = replace(cursor, state={**cursor.state, "site_comments": None})
        else:
            warnings.append(f"comments not fetched: {one_line(exc, 300)}")
        return [], cursor, None
    cursor = cursor.with_validator(url, validator)
    if response is None:
        return [], cursor, "unchanged"
    try:
        comments, oldest = ctx.parse(_comment_posts, response, threads, community, ctx.now)
    except SourceRejected as exc:
        warnings.append(f"comments not read: {one_line(exc, 300)}")
        return [], cursor, None
    return comments, cursor, oldest


def _comment_posts(response: Response, threads: Mapping[str, str], community: Community, now: datetime
                   ) -> tuple[list[Post], datetime]:
    """A comment feed's comments of the articles in `threads`, and the time of its oldest: parsed and turned into
    Posts in one go, so a worker process can do all of it."""
    comments, oldest = [], datetime.max.replace(tzinfo=UTC)
    for entry in parse_feed(response)["entries"]:
        oldest = min(oldest, entry_time(entry) or oldest)
        thread = threads.get("*") or threads.get(_strip_fragment(entry.get("link", "")))
        if thread:
            comments.append(parse_entry(entry, community, response.url, now, COMMENT, thread))
    return comments, oldest


def _watch(cursor: Cursor, entries: list[tuple[Post, str | None]], horizon: datetime) -> dict[str, Any]:
    """Articles still watched for comments: {article id: {"url", "comments", "published"}}."""
    watched = dict(cursor.state.get("watched", {}))
    for article, comments_url in entries:
        watched[article.external_id] = {
            "url": _strip_fragment(article.url), "comments": comments_url,
            "published": article.published.isoformat(),
        }
    return {k: v for k, v in watched.items() if datetime.fromisoformat(v["published"]) >= horizon}


def _comment_feeds(cursor: Cursor, watched: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Comment feed URL -> {article page URL or '*': article id}."""
    feeds: dict[str, dict[str, str]] = {}
    site = _site_comments(cursor)
    for article_id, info in watched.items():
        if info.get("comments"):
            feeds[info["comments"]] = {"*": article_id}
        elif site:
            feeds.setdefault(site, {})[info["url"]] = article_id
    return feeds


def _site_comments(cursor: Cursor) -> str | None:
    """The site-wide comments feed: as remembered (None once it proved missing), else guessed from the feed."""
    return cursor.state.get("site_comments", _site_comments_url(cursor.state.get("feed_url", "")))


def _site_comments_url(feed_url: str) -> str | None:
    """WordPress serves all recent comments at /comments/feed/ beside /feed/."""
    parts = urlsplit(feed_url)
    if not parts.path.rstrip("/").endswith("/feed") and parts.path.rstrip("/") != "/feed":
        return None
    base = parts.path.rstrip("/")[: -len("feed")]
    return urlunsplit((parts.scheme, parts.netloc, base + "comments/feed/", "", ""))


def _wanted(article: Post, community: Community) -> bool:
    if not community.keywords:
        return True
    text = f"{article.title}\n{article.body}".lower()
    return any(k.lower() in text for k in community.keywords)


def rate_of(community: Community) -> float | None:
    """A community's own `rate` (requests per second to its host), if voyage.toml sets one."""
    rate = community.options.get("rate")
    return float(rate) if rate is not None else None


def _with_ttl(validator: Validator, feed: Mapping[str, Any], now: datetime) -> Validator:
    ttl = _int(feed.get("feed", {}).get("ttl"))
    if not ttl:
        return validator
    return replace(validator, fresh_until=now + timedelta(minutes=min(ttl, 24 * 60)))


def _bozo_warning(feed: Mapping[str, Any], url: str) -> list[str]:
    if not feed.get("bozo"):
        return []
    return [f"{url}: malformed feed, loaded {len(feed['entries'])} readable entries "
            f"({one_line(feed.get('bozo_exception'), 300)})"]


def _looks_like_feed(response: Response) -> bool:
    if _is_json_feed(response):
        return True
    if response.content_type == "text/html":
        return False
    head = response.content[:1024].lstrip().lower()
    return any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<?xml"))


def _is_json_feed(response: Response) -> bool:
    """A JSON Feed names its version anywhere among its top-level keys: look for it in a JSON object."""
    if not response.content.lstrip()[:1] == b"{" or b"jsonfeed.org/version" not in response.content:
        return False
    try:
        return str(json.loads(response.content).get("version", "")).startswith("https://jsonfeed.org/version")
    except (ValueError, AttributeError):
        return False


def _parse_json_feed(response: Response) -> dict[str, Any]:
    try:
        data = json.loads(response.content)
    except ValueError as exc:
        raise SourceRejected(f"{response.url}: broken JSON Feed ({exc})") from exc
    entries = [
        {
            "id": item.get("id"), "link": item.get("url"), "title": item.get("title"),
            "summary": item.get("content_html") or item.get("content_text") or item.get("summary"),
            "author": ((item.get("authors") or [item.get("author") or {}])[0] or {}).get("name"),
            "published_parsed": _iso_struct(item.get("date_published") or item.get("date_modified")),
        }
        for item in data.get("items", [])
        if isinstance(item, dict)
    ]
    return {"version": "json", "entries": entries, "feed": {"title": data.get("title")}, "bozo": False}


def _iso_struct(value: str | None) -> Any:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC).timetuple()
    except ValueError:
        return None


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "link" and "alternate" in found.get("rel", "").lower().split():
            self.links.append(found)


def _alternate_links(page: str, base: str) -> list[str]:
    """Feed links on a page, main feeds before comment feeds."""
    finder = _LinkFinder()
    finder.feed(page)
    feeds = [link for link in finder.links if link.get("type", "").lower() in FEED_TYPES and link.get("href")]
    feeds.sort(key=lambda link: "comment" in (link.get("title", "") + link["href"]).lower())
    return [urljoin(base, link["href"]) for link in feeds]


def _entry_id(entry: Mapping[str, Any], feed_url: str) -> str:
    """A stable id that is unique across feeds: URL-like guids without scheme, `www.` or port (a blog moved to
    https, or a host served on another port, keeps its posts), bare ones under the feed's host."""
    raw = str(entry.get("id") or entry.get("link") or "").strip()
    if not raw:
        raw = f"{entry.get('title', '')}|{entry.get('published', '')}"
    if raw.startswith(("tag:", "urn:")):
        return raw
    if "://" in raw:
        return stable_url_id(raw)
    return f"{_host(feed_url)}/{raw}"


def stable_url_id(url: str) -> str:
    """'https://www.Example.com:8443/?p=12#c3' -> 'example.com/?p=12#c3'."""
    parts = urlsplit(url)
    rest = urlunsplit(("", "", parts.path, parts.query, parts.fragment))
    return _host(url) + (rest if rest.startswith("/") else "/" + rest)


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return host.removeprefix("www.")


def _body(entry: Mapping[str, Any]) -> str:
    """The full content (`content:encoded`, Atom `content`) when there is any, else the summary: an excerpt
    ("... [&#8230;]") can be a few characters longer than a short full text, and must never win over it."""
    contents: Iterable[Mapping[str, Any]] = entry.get("content") or []
    full = max((c.get("value") or "" for c in contents), key=len, default="")
    return full if full.strip() else entry.get("summary") or ""


def _author(entry: Mapping[str, Any]) -> str | None:
    author = entry.get("author") or (entry.get("author_detail") or {}).get("name")
    return html_to_text(author) or None


def _strip_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
