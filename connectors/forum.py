"""Classic forums through their feeds: phpBB, XenForo, vBulletin, Simple Machines and alike.

Each feed entry is one post. Posts are grouped into threads by the topic id in their link or guid
(`t=123`, `topic=123.0`, `threads/slug.123`, `showthread.php?123-slug`, ...), else by their title
without "Re:". A thread's earliest post is the post (and names the thread: `thread_id` is its id);
the others are comments under it, and the
thread's root is remembered in `Cursor.state["threads"]` so later replies still hang under it after
it has scrolled off the feed. Feeds are fetched conditionally. Broken feeds are common: whatever
feedparser can read is loaded, and the rest (an undated entry, junk after the closing tag) is
reported as a warning; a body with no feed at all is rejected. With `keywords`, only threads where
some post mentions one are kept (all of their posts, so replies stay linked).

Options: `feeds` (more feed URLs of the same forum, e.g. one per sub-forum), `lag_hours`, `lookback_days`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import unquote, urlsplit

from connectors import FetchContext, horizon, on_site, since
from connectors.rss import parse_entry, parse_feed, rate_of
from pipeline.errors import Gone, SourceRejected, one_line
from pipeline.models import COMMENT, POST, Community, Cursor, FetchResult, Post, ThreadResult

_TOPIC = (
    re.compile(r"[?&;]t=(\d+)"),  # phpBB viewtopic.php?t=, vBulletin showthread.php?t=
    re.compile(r"[?&;]topic=(\d+)"),  # Simple Machines index.php?topic=123.msg456
    re.compile(r"/threads/(?:[^/?#]*\.)?(\d+)(?:[/?#]|$)"),  # XenForo threads/slug.123/
    re.compile(r"showthread\.php\?(\d+)"),  # vBulletin 4 friendly URLs: showthread.php?123-slug
    re.compile(r"/(?:topic|t)/(?:[^/?#]*?[/-])?(\d+)(?:[-/?#.]|$)"),  # /topic/123-slug, /t/slug/123
)
_PHPBB_FOOTER = re.compile(r"\s*Statistics: Posted by .*\Z", re.S)  # phpBB appends it to every entry
_REPLY = re.compile(r"^\s*(?:re|aw|sv|vs|odp|rif)\s*(?:\[\d+\])?\s*:\s*", re.I)


def fetch(community: Community, cursor: Cursor, ctx: FetchContext) -> FetchResult:
    if not community.url:
        raise SourceRejected(f"{community.name}: a forum community needs `url` (the forum's feed)")
    start = ctx.http.thread_requests
    posts: list[Post] = []
    warnings: list[str] = []
    missed = 0
    for url in feed_urls(community):
        response, validator = ctx.http.get_conditional(url, cursor.validators.get(url), rate=rate_of(community))
        cursor = cursor.with_validator(url, validator)
        if response is None:
            continue
        feed = ctx.parse(parse_feed, response)
        entries, undated = _dated(feed.get("entries") or [])
        warnings += _problems(feed, url, len(entries), undated)
        missed += undated
        posts += [_as_forum_post(parse_entry(e, community, url, ctx.now)) for e in entries]
    if cursor.newest:  # a first run loads everything the feeds carry: it is in hand, no extra request
        window = since(community, cursor, ctx)
        posts = [p for p in posts if p.published >= window]
    posts, threads = thread_posts(posts, cursor.state.get("threads", {}))
    if community.keywords:
        posts, threads = about(posts, threads, community.keywords)
    newest = max((p.published for p in posts), default=None)
    oldest = horizon(community, ctx).isoformat()
    cursor = replace(
        cursor, newest=max(filter(None, (newest, cursor.newest)), default=None),
        state={**cursor.state, "threads": {k: v for k, v in threads.items() if v["at"] >= oldest}},
    )
    return FetchResult(posts, cursor, tuple(warnings), missed=missed, requests=ctx.http.thread_requests - start)


def thread_ref(community: Community, url: str) -> str | None:
    """The topic id in a thread URL of this forum (viewtopic.php?t=123, threads/slug.123/, topic/123-slug, ...)."""
    return topic_id(url) if any(on_site(url, feed) for feed in feed_urls(community)) else None


def thread(community: Community, url: str, ctx: FetchContext) -> ThreadResult:
    """One thread from the forum's feeds: phpBB's own topic feed (feed.php?t=N) when the forum is phpBB, then the
    configured feeds; a classic forum's feeds only carry recent posts, so an older thread may show only its tail."""
    topic = thread_ref(community, url)
    if topic is None:
        raise SourceRejected(f"{url}: not a thread of {community.url}")
    start, posts = ctx.http.thread_requests, []
    urls = feed_urls(community)
    if community.url and urlsplit(community.url).path.endswith("feed.php"):
        urls.insert(0, f"{community.url.split('?')[0]}?t={topic}")
    for feed_url in urls:
        try:
            feed = ctx.parse(parse_feed, ctx.http.get(feed_url, rate=rate_of(community)))
        except Gone:
            continue
        entries, _ = _dated(feed.get("entries") or [])
        posts += [p for p in (_as_forum_post(parse_entry(e, community, feed_url, ctx.now)) for e in entries)
                  if topic_id(p.url, p.external_id) == topic]
        if posts:
            break
    requests = ctx.http.thread_requests - start
    if not posts:
        return ThreadResult([], "vanished", f"no post of topic {topic} in the forum's feeds (deleted, or older than "
                            "they reach)", requests)
    linked, _ = thread_posts(posts, {})
    return ThreadResult(linked, "live", None, requests)


def feed_urls(community: Community) -> list[str]:
    """The community's feed, plus any in `options["feeds"]` (e.g. one per sub-forum)."""
    extra = community.options.get("feeds") or []
    return list(dict.fromkeys([community.url, *extra])) if community.url else list(extra)


def topic_id(*candidates: str | None) -> str | None:
    """The forum's own topic id, from the first link or guid that shows one."""
    for candidate in candidates:
        if not candidate:
            continue
        text = unquote(candidate).replace("&amp;", "&")
        for pattern in _TOPIC:
            if match := pattern.search(text):
                return match.group(1)
    return None


def strip_reply(title: str) -> str:
    """'Re: Re: Battery drain' and phpBB's 'Forum name • Re: Battery drain' -> 'Battery drain'."""
    title = title.rsplit(" \u2022 ", 1)[-1]
    while match := _REPLY.match(title):
        title = title[match.end():]
    return title.strip()


def thread_posts(posts: Iterable[Post], known: Mapping[str, Any]) -> tuple[list[Post], dict[str, Any]]:
    """Posts linked into threads: the earliest (or the remembered root) is the post, the rest comment on it."""
    groups: dict[str, list[Post]] = {}
    for post in sorted({p.external_id: p for p in posts}.values(), key=lambda p: p.published):
        groups.setdefault(_thread_key(post), []).append(post)
    threads = {k: dict(v) for k, v in known.items()}
    linked: list[Post] = []
    for key, members in groups.items():
        root = threads.get(key, {}).get("root") or members[0].external_id
        at = max([m.published.isoformat() for m in members] + [threads.get(key, {}).get("at", "")])
        threads[key] = {"root": root, "at": at}
        linked += [_linked(post, root) for post in members]
    return linked, threads


def about(posts: list[Post], threads: dict[str, Any], keywords: Iterable[str]) -> tuple[list[Post], dict]:
    """Only threads where some post mentions a keyword; once a thread matched, its later replies stay in."""
    words = [k.lower() for k in keywords]
    matched = {v["root"] for v in threads.values() if v.get("on")}
    matched |= {p.thread_id for p in posts if any(w in f"{p.title}\n{p.body}".lower() for w in words)}
    threads = {k: {**v, "on": True} if v["root"] in matched else v for k, v in threads.items()}
    return [p for p in posts if p.thread_id in matched], threads


def _as_forum_post(post: Post) -> Post:
    return replace(post, source="forum", body=_PHPBB_FOOTER.sub("", post.body))


def _linked(post: Post, root: str) -> Post:
    title = strip_reply(post.title)
    if post.external_id == root:
        return replace(post, thread_id=root, parent_id=None, kind=POST, title=title, depth=0)
    return replace(post, thread_id=root, parent_id=root, kind=COMMENT, title=title, depth=1)


def _thread_key(post: Post) -> str:
    found = topic_id(post.url, post.external_id)
    return found if found else "title:" + strip_reply(post.title).lower()


def _dated(entries: list[Any]) -> tuple[list[Any], int]:
    """Entries with a readable date, and how many had none (they cannot be placed in a thread)."""
    dated = [e for e in entries if any(e.get(k) for k in ("published_parsed", "updated_parsed", "created_parsed"))]
    return dated, len(entries) - len(dated)


def _problems(feed: Mapping[str, Any], url: str, loaded: int, undated: int) -> list[str]:
    found = []
    if feed.get("bozo"):
        reason = one_line(feed.get("bozo_exception"), 200)
        found.append(f"{url}: malformed feed, loaded the {loaded} readable entries ({reason})")
    if undated:
        found.append(f"{url}: skipped {undated} entries with no readable date")
    return found

