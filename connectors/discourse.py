"""Discourse forums through their JSON API: the topic listing, then each moved topic's post stream.

`/latest.json` (or a category's `/c/{slug}/{id}.json`) lists topics newest-bumped first; we page it
until topics fall behind the cursor minus the lag window. A topic is read again only when it was
bumped since the last run or had posts inside the lag window (so edits and likes land): `/t/{id}.json`
gives the first 20 posts and the ids of all of them; the new or recent ones come in chunks from
`/t/{id}/posts.json?post_ids[]=...`. `Cursor.state["topics"]` keeps per topic the bump time, the
highest post id seen and the first post id still inside the lag window. As everywhere in the store,
a thread is named by its first post: `thread_id` is the id of the topic's first post.

Options (keys of the `[[community]]` table): `category` ("slug/id", "slug" or "id"), `rate` (requests
per second; default the `[fetch]` rate, at most 2/s), `lag_hours`, `lookback_days`, `max_posts` (per run).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from connectors import FetchContext, horizon, on_site, setting, since
from connectors.html import html_to_text
from pipeline.errors import Gone, SourceRejected
from pipeline.models import COMMENT, POST, Community, Cursor, FetchResult, Post, ThreadResult, utc

CHUNK = 20  # Discourse's own post-stream chunk size
LIKE = 2  # the "like" post action type
MAX_PAGES = 50
MAX_RATE = 2.0  # requests/s unless `rate` is set: 120/min, well under Discourse's default 200/min per IP
MAX_LOOKUPS = 25  # reply targets outside this run's posts, looked up by number, per run
SMALL_ACTION = 3  # "closed this topic" and the like: no text of their own
_TOPIC_URL = re.compile(r"/t/(?:[^/]+/)?(\d+)(?:/\d+)?/?$")


def fetch(community: Community, cursor: Cursor, ctx: FetchContext) -> FetchResult:
    if not community.url:
        raise SourceRejected(f"{community.name}: a discourse community needs `url` (the forum's base URL)")
    reader = _Reader(community, cursor, ctx)
    start = ctx.http.thread_requests
    since = reader.since()
    known: Mapping[str, Any] = cursor.state.get("topics", {})
    topics_state: dict[str, Any] = {}
    posts: list[Post] = []
    warnings: list[str] = []
    for topic in reader.list_topics(since):
        key = str(topic["id"])
        previous = known.get(key)
        if previous and not reader.moved(topic, previous):
            topics_state[key] = previous
            continue
        try:
            got, topics_state[key] = reader.read_topic(topic, previous)
        except SourceRejected as exc:  # deleted or made private between the listing and now
            warnings.append(f"topic {key} skipped: {exc}")
            if previous:
                topics_state[key] = previous
            continue
        posts += got
    topics_state.update(_still_watched(known, topics_state, horizon(community, ctx)))
    warnings += reader.warnings
    if reader.older and not cursor.newest:  # each would cost a request: the lookback bounds the first run
        days = setting(community, ctx, "lookback_days")
        warnings.append(f"{reader.older} listed topics last active before the lookback ({days:g} days) not read")
    newest = max((p.published for p in posts), default=None)
    cursor = Cursor(
        newest=max(filter(None, (newest, cursor.newest)), default=None),
        newest_id=max([p.external_id for p in posts] + [cursor.newest_id or ""], key=lambda i: int(i or 0)) or None,
        validators=cursor.validators,
        state={**cursor.state, "topics": topics_state},
    )
    return FetchResult(posts, cursor, tuple(warnings), missed=reader.missed, requests=ctx.http.thread_requests - start)


def thread_ref(community: Community, url: str) -> str | None:
    """The topic id of a topic URL on this forum: /t/slug/123, /t/123, /t/slug/123/4 (a post in it)."""
    if not on_site(url, (community.url or "").rstrip("/") + "/"):
        return None
    match = _TOPIC_URL.search(urlsplit(url).path)
    return match.group(1) if match else None


def thread(community: Community, url: str, ctx: FetchContext) -> ThreadResult:
    """One topic read directly, all of its posts (up to `max_posts`), whatever the listing shows."""
    topic = thread_ref(community, url)
    if topic is None:
        raise SourceRejected(f"{url}: not a topic of {community.url}")
    reader = _Reader(community, Cursor(), ctx)
    start = ctx.http.thread_requests
    try:
        posts, _ = reader.read_topic({"id": int(topic)}, None)
    except Gone:
        return ThreadResult([], "vanished", f"topic {topic} is gone (deleted or made private)",
                            ctx.http.thread_requests - start)
    view, first = reader.view, next((p for p in posts if p.kind == POST), None)
    state = ("deleted" if view.get("deleted_at") or first is None or first.removed
             else "locked" if view.get("closed") or view.get("archived") else "live")
    note = {"deleted": "the topic was deleted", "locked": "the topic is closed to new replies"}.get(state)
    return ThreadResult(posts, state, note, ctx.http.thread_requests - start)


class _Reader:
    """One run over one forum: its settings, its HTTP calls and the posts it turns into `Post`s."""

    def __init__(self, community: Community, cursor: Cursor, ctx: FetchContext) -> None:
        options, settings = community.options, ctx.http.settings
        self.community, self.cursor, self.ctx = community, cursor, ctx
        self.base = community.url.rstrip("/") if community.url else ""
        self.rate = float(options["rate"]) if options.get("rate") else min(settings.rate_per_host, MAX_RATE)
        self.lag = timedelta(hours=setting(community, ctx, "lag_hours"))
        self.lookups = self.missed = self.older = 0
        self.budget = int(options.get("max_posts", settings.max_comments))
        self.warnings: list[str] = []
        self.view: dict[str, Any] = {}

    def since(self) -> datetime:
        return since(self.community, self.cursor, self.ctx)

    def get(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self.ctx.http.get(self.base + path, params=params, rate=self.rate).json()

    def list_topics(self, since: datetime) -> Iterable[dict[str, Any]]:
        """Topics bumped at or after `since`, newest first; pinned ones are judged one by one."""
        path = _listing_path(self.community.options.get("category"))
        seen: set[Any] = set()
        for page in range(MAX_PAGES):
            listing = self.get(path, {"page": page} if page else None).get("topic_list") or {}
            topics = listing.get("topics") or []
            if topics and all(t.get("id") in seen for t in topics):  # a server that ignores ?page
                self.warnings.append(f"{self.base}{path}: page {page} repeats earlier topics; listing stopped")
                return
            seen.update(t.get("id") for t in topics)
            fresh = [t for t in topics if _bumped(t) >= since]
            self.older += len(topics) - len(fresh)
            yield from fresh
            unpinned = [t for t in topics if not t.get("pinned")]
            if not listing.get("more_topics_url") or (unpinned and _bumped(unpinned[-1]) < since) or not topics:
                return

    def moved(self, topic: Mapping[str, Any], previous: Mapping[str, Any]) -> bool:
        """Bumped since we read it, or still holding posts inside the lag window."""
        return topic_key(topic) != previous.get("bumped") or previous.get("recent") is not None

    def read_topic(
        self, topic: Mapping[str, Any], previous: Mapping[str, Any] | None
    ) -> tuple[list[Post], dict[str, Any]]:
        view = self.view = self.get(f"/t/{topic['id']}.json")
        stream = view.get("post_stream") or {}
        ids: list[int] = stream.get("stream") or []
        raw = {p["id"]: p for p in stream.get("posts") or []}
        wanted = _wanted_ids(ids, previous)
        missing = [i for i in ids if i in wanted and i not in raw]
        if len(missing) > self.budget:  # keep the newest posts of a huge topic; count the rest as missed
            self.missed += len(missing) - self.budget
            missing = missing[len(missing) - self.budget:]
        self.budget -= len(missing)
        for start in range(0, len(missing), CHUNK):
            chunk = self.get(f"/t/{topic['id']}/posts.json", {"post_ids[]": missing[start:start + CHUNK]})
            raw.update({p["id"]: p for p in (chunk.get("post_stream") or {}).get("posts") or []})
        chosen = {i for i in ids if i in raw and (i in wanted or raw[i].get("post_number") == 1)}
        known = {int(k): v for k, v in ((previous or {}).get("depths") or {}).items()}
        posts, depths = self.to_posts(view, chosen, raw, ids, known)
        return posts, {**self.topic_state(topic, ids, posts, previous), "depths": _recent_depths(depths)}

    def to_posts(
        self, view: Mapping[str, Any], chosen: set[int], raw: Mapping[int, dict], ids: list[int],
        known: Mapping[int, int],
    ) -> tuple[list[Post], dict[int, int]]:
        """The chosen posts as Posts, with their depth in the reply tree. Depths come from every post in hand and
        from those remembered from earlier runs, so a reply whose parent is outside this run's window keeps its
        true depth (a rerun with nothing new changes no row)."""
        by_number = {p["post_number"]: p["id"] for p in raw.values()}
        first = by_number.get(1, ids[0] if ids else None)
        depths: dict[int, int] = dict(known)
        posts = []
        for item in sorted(raw.values(), key=lambda p: p["post_number"]):
            if item.get("post_type") == SMALL_ACTION or (item["id"] not in chosen and item["id"] in depths):
                continue
            if item["id"] not in chosen:  # in hand but not wanted: only its depth is worth having
                number = item.get("reply_to_post_number")
                parent = first if not number or number == 1 or number not in by_number else by_number[number]
                depths[item["id"]] = 0 if item["id"] == first else depths.get(parent, 1) + 1
                continue
            parent = None if item["id"] == first else self.parent(view["id"], item, by_number, first)
            depths[item["id"]] = 0 if parent is None else depths.get(parent, 1) + 1
            posts.append(self.to_post(view, item, parent, depths[item["id"]], first))
        return posts, depths

    def parent(
        self, topic_id: int, item: Mapping[str, Any], by_number: dict[int, int], first: int | None
    ) -> int | None:
        """The id of the post replied to, looked up by number when it is not among this run's posts."""
        number = item.get("reply_to_post_number")
        if not number or number == 1:
            return first
        if number not in by_number and self.lookups < MAX_LOOKUPS:
            self.lookups += 1
            try:
                by_number[number] = self.get(f"/posts/by_number/{topic_id}/{number}.json")["id"]
            except (SourceRejected, KeyError, TypeError):
                by_number[number] = first  # the post replied to is gone: hang it under the topic
        return by_number.get(number, first)

    def to_post(self, view: Mapping[str, Any], item: Mapping[str, Any], parent: int | None, depth: int,
                first: int | None) -> Post:
        is_first = item["id"] == first
        return Post(
            community=self.community.name, source="discourse", external_id=str(item["id"]),
            url=f"{self.base}/t/{view.get('slug') or 'topic'}/{view['id']}/{item['post_number']}",
            thread_id=str(first), parent_id=None if parent is None else str(parent),
            kind=POST if is_first else COMMENT, author=item.get("username"),
            title=html_to_text(view.get("title")), body=html_to_text(item.get("cooked")),
            published=_time(item["created_at"]), score=_likes(item),
            reply_count=max(0, int(view.get("posts_count") or 1) - 1) if is_first else item.get("reply_count"),
            depth=depth, removed=bool(item.get("deleted_at") or item.get("user_deleted") or item.get("hidden")),
        )

    def topic_state(self, topic: Mapping[str, Any], ids: list[int], posts: list[Post],
                    previous: Mapping[str, Any] | None) -> dict[str, Any]:
        horizon = self.ctx.now - self.lag
        recent = [int(p.external_id) for p in posts if p.published >= horizon]
        seen = max(ids, default=(previous or {}).get("seen", 0))
        return {"bumped": topic_key(topic), "seen": seen, "recent": min(recent) if recent else None}


def _recent_depths(depths: Mapping[int, int], keep: int = 500) -> dict[str, int]:
    """The reply depths of a topic's newest posts, remembered for the next run (bounded: replies land near
    the end of a topic, so the newest `keep` posts are the parents that matter)."""
    return {str(i): depths[i] for i in sorted(depths)[-keep:] if depths[i] > 0}


def topic_key(topic: Mapping[str, Any]) -> str:
    """What tells us a topic moved: its bump time and its highest post number."""
    return f"{topic.get('bumped_at') or topic.get('last_posted_at')}#{topic.get('highest_post_number')}"


def _wanted_ids(ids: list[int], previous: Mapping[str, Any] | None) -> set[int]:
    """All posts of a new topic; of a known one, those past the highest seen or inside the lag window."""
    if not previous:
        return set(ids)
    seen, recent = int(previous.get("seen") or 0), previous.get("recent")
    floor = min(seen + 1, int(recent)) if recent is not None else seen + 1
    return {i for i in ids if i >= floor}


def _still_watched(known: Mapping[str, Any], current: Mapping[str, Any], horizon: datetime) -> dict[str, Any]:
    """Topics not listed this run stay in the state until they age out of the lookback window."""
    kept = {}
    for key, value in known.items():
        if key in current:
            continue
        bumped = str(value.get("bumped", "")).split("#")[0]
        try:
            if _time(bumped) >= horizon:
                kept[key] = value
        except ValueError:
            continue
    return kept


def _listing_path(category: Any) -> str:
    if category is None or category == "":
        return "/latest.json"
    text = str(category).strip("/")
    return f"/c/{text}.json"


def _bumped(topic: Mapping[str, Any]) -> datetime:
    return _time(topic.get("bumped_at") or topic.get("last_posted_at") or topic["created_at"])


def _likes(item: Mapping[str, Any]) -> int | None:
    for action in item.get("actions_summary") or []:
        if action.get("id") == LIKE:
            return int(action.get("count") or 0)
    like_count = item.get("like_count")
    return int(like_count) if like_count is not None else 0


def _time(value: str) -> datetime:
    return utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
