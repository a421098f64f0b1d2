"""Hacker News by keywords: Algolia HN Search sliced by time, and the comment trees of matched stories.

`search_by_date` finds stories and comments mentioning each keyword in `[since, now)`. Algolia serves
at most 1,000 hits of one query, so a time slice holding more is split in two until each half fits.
Every matched story's whole comment tree comes in one request from the items API; a comment matched
on another story comes with that story and the comments between them (one request per story), so
every comment hangs under a stored parent. The cursor is the newest
`created_at_i` seen; each run re-reads from there minus the lag window, so late comments and points land.

Options: `search_url` (default https://hn.algolia.com/api/v1), `item_url` (default `{search_url}/items`),
`max_hits` (the API's cap, 1000), `hits_per_page`, `rate` (default at most 2/s), `lag_hours`,
`lookback_days`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors import FetchContext, since
from connectors.html import html_to_text
from pipeline.errors import Gone, SourceRejected
from pipeline.models import COMMENT, POST, Community, Cursor, FetchResult, Post, ThreadResult

SEARCH_URL = "https://hn.algolia.com/api/v1"
PERMALINK = "https://news.ycombinator.com/item?id={}"
HIT_CAP = 1000  # Algolia's paginationLimitedTo for HN Search
TAGS = "(story,comment)"
MAX_RATE = 2.0  # requests/s unless `rate` is set; HN Search allows 10,000 an hour per IP


def fetch(community: Community, cursor: Cursor, ctx: FetchContext) -> FetchResult:
    if not community.keywords:
        raise SourceRejected(f"{community.name}: an hn community needs `keywords` to search for")
    search = _Search(community, ctx)
    start = ctx.http.thread_requests
    window = since(community, cursor, ctx)
    hits: dict[str, dict[str, Any]] = {}
    for keyword in community.keywords:
        for hit in search.hits(keyword, int(window.timestamp()), int(ctx.now.timestamp()) + 1):
            hits[str(hit["objectID"])] = hit
    posts: dict[str, Post] = {}
    warnings = list(search.warnings)
    for hit in sorted(hits.values(), key=lambda h: h["created_at_i"]):
        if _is_story(hit) and hit["objectID"] not in posts:
            posts.update(search.read_thread(hit, None, warnings))
    strays: dict[str, list[dict[str, Any]]] = {}
    for hit in hits.values():
        if str(hit["objectID"]) not in posts:
            strays.setdefault(str(hit.get("story_id")), []).append(hit)
    for story_hits in strays.values():  # comments matched on other stories: with the path down to them
        posts.update(search.read_thread(story_hits[0], {str(h["objectID"]) for h in story_hits}, warnings))
        posts.update((str(h["objectID"]), search.post_from_hit(h)) for h in story_hits
                     if str(h["objectID"]) not in posts)
    found = list(posts.values())
    newest = max((p.published for p in found), default=None)
    cursor = Cursor(newest=max(filter(None, (newest, cursor.newest)), default=None),
                    newest_id=cursor.newest_id, validators=cursor.validators, state=cursor.state)
    return FetchResult(found, cursor, tuple(warnings), missed=search.missed, requests=ctx.http.thread_requests - start)


def thread_ref(community: Community, url: str) -> str | None:
    """The item id of news.ycombinator.com/item?id=N, or of {item_url}/N."""
    parts = urlsplit(url)
    if (parts.hostname or "").endswith("ycombinator.com") and parts.path == "/item":
        found = (parse_qs(parts.query).get("id") or [""])[0]
        return found if found.isdigit() else None
    items = _item_url(community.options) + "/"
    rest = url[len(items):].strip("/") if url.startswith(items) else ""
    return rest if rest.isdigit() else None


def thread(community: Community, url: str, ctx: FetchContext) -> ThreadResult:
    """A story and its whole comment tree from the items API (a comment's URL reads its story)."""
    item_id = thread_ref(community, url)
    if item_id is None:
        raise SourceRejected(f"{url}: not a Hacker News item")
    search, start = _Search(community, ctx), ctx.http.thread_requests
    try:
        item = ctx.http.get(f"{search.item_url}/{item_id}", rate=search.rate).json()
        if item.get("story_id") and str(item.get("story_id")) != str(item.get("id")):
            item = ctx.http.get(f"{search.item_url}/{item['story_id']}", rate=search.rate).json()
    except Gone:
        return ThreadResult([], "vanished", f"item {item_id} is gone", ctx.http.thread_requests - start)
    title = html_to_text(item.get("title"))
    posts = [search.post_from_item(node, title, node.get("parent_id") if depth else None, depth, int(item["id"]))
             for node, depth in _walk(item)]
    deleted = item.get("author") is None
    return ThreadResult(posts, "deleted" if deleted else "live", "the story was deleted" if deleted else None,
                        ctx.http.thread_requests - start)


class _Search:
    """HTTP calls to HN Search and the items API, and their results as `Post`s."""

    def __init__(self, community: Community, ctx: FetchContext) -> None:
        options = community.options
        self.community, self.ctx = community, ctx
        self.search_url = str(options.get("search_url") or SEARCH_URL).rstrip("/")
        self.item_url = _item_url(options)
        self.cap = int(options.get("max_hits", HIT_CAP))
        self.per_page = min(self.cap, int(options.get("hits_per_page", self.cap)))
        self.rate = float(options["rate"]) if options.get("rate") else min(ctx.http.settings.rate_per_host, MAX_RATE)
        self.slices = self.missed = 0
        self.warnings: list[str] = []

    def hits(self, keyword: str, low: int, high: int) -> Iterator[dict[str, Any]]:
        """Every hit for `keyword` created in [low, high), splitting slices that hold too many."""
        pending = [(low, high)]
        while pending:
            low, high = pending.pop()
            self.slices += 1
            first = self.page(keyword, low, high, 0)
            total = int(first.get("nbHits") or 0)
            if total > self.cap and high - low > 1:
                middle = (low + high) // 2
                pending += [(low, middle), (middle, high)]
                continue
            if total > self.cap:
                self.missed += total - self.cap
                self.warnings.append(f"{total} hits for {keyword!r} within one second; kept {self.cap}")
            yield from first.get("hits") or []
            for number in range(1, int(first.get("nbPages") or 1)):
                yield from self.page(keyword, low, high, number).get("hits") or []

    def page(self, keyword: str, low: int, high: int, number: int) -> dict[str, Any]:
        params = {"query": keyword, "tags": TAGS, "hitsPerPage": self.per_page, "page": number,
                  "numericFilters": f"created_at_i>={low},created_at_i<{high}"}
        result = self.ctx.http.get(f"{self.search_url}/search_by_date", params=params, rate=self.rate).json()
        if not isinstance(result, dict) or "hits" not in result:
            raise SourceRejected(f"{self.search_url}/search_by_date: not an HN Search answer")
        return result

    def read_thread(self, hit: Mapping[str, Any], only: set[str] | None, warnings: list[str]) -> dict[str, Post]:
        """A story's thread from the items API: all of it, or `only` those comments and their ancestors."""
        story = int(hit.get("story_id") or hit["objectID"]) if only else int(hit["objectID"])
        try:
            item = self.ctx.http.get(f"{self.item_url}/{story}", rate=self.rate).json()
        except SourceRejected as exc:  # the story vanished between search and now
            warnings.append(f"story {story}: thread not read ({exc})")
            return {} if only else {str(hit["objectID"]): self.post_from_hit(hit)}
        title = html_to_text(item.get("title"))
        nodes = list(_walk(item))
        if only is not None:
            nodes = _paths(nodes, only)
        return {str(node["id"]): self.post_from_item(node, title, node.get("parent_id") if depth else None,
                                                     depth, story) for node, depth in nodes}

    def post_from_item(self, item: Mapping[str, Any], title: str, parent: Any, depth: int, story: int) -> Post:
        is_story = depth == 0
        children = item.get("children") or []
        return self._post(
            item["id"], story, parent, kind=POST if is_story else COMMENT, author=item.get("author"),
            title=title, body=item.get("text"), created=item.get("created_at_i"),
            score=item.get("points") if is_story else None,
            replies=_descendants(item) if is_story else len(children), depth=depth,
            removed=item.get("author") is None or (not is_story and item.get("text") is None),
        )

    def post_from_hit(self, hit: Mapping[str, Any]) -> Post:
        story = hit.get("story_id") or hit["objectID"]
        if _is_story(hit):
            return self._post(hit["objectID"], story, None, kind=POST, author=hit.get("author"),
                              title=html_to_text(hit.get("title")), body=hit.get("story_text"),
                              created=hit["created_at_i"], score=hit.get("points"),
                              replies=hit.get("num_comments"), depth=0, removed=False)
        parent = hit.get("parent_id")
        return self._post(hit["objectID"], story, parent, kind=COMMENT, author=hit.get("author"),
                          title=html_to_text(hit.get("story_title")), body=hit.get("comment_text"),
                          created=hit["created_at_i"], score=None, replies=None,
                          depth=1 if str(parent) == str(story) else 2, removed=False)

    def _post(self, item_id: Any, story: Any, parent: Any, *, kind: str, author: str | None, title: str,
              body: str | None, created: Any, score: Any, replies: Any, depth: int, removed: bool) -> Post:
        return Post(
            community=self.community.name, source="hn", external_id=str(item_id), url=PERMALINK.format(item_id),
            thread_id=str(story), parent_id=None if parent is None else str(parent), kind=kind, author=author,
            title=title, body=html_to_text(body), published=datetime.fromtimestamp(int(created or 0), UTC),
            score=None if score is None else int(score), reply_count=None if replies is None else int(replies),
            depth=depth, removed=removed,
        )


def _item_url(options: Mapping[str, Any]) -> str:
    """The items API: `item_url`, else `{search_url}/items`."""
    search = str(options.get("search_url") or SEARCH_URL).rstrip("/")
    return str(options.get("item_url") or f"{search}/items").rstrip("/")


def _is_story(hit: Mapping[str, Any]) -> bool:
    return "story" in (hit.get("_tags") or [])


def _walk(item: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], int]]:
    """An item tree depth-first, as (item, depth) with the story at depth 0."""
    stack = [(item, 0)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        stack += [(child, depth + 1) for child in reversed(node.get("children") or [])]


def _paths(nodes: list[tuple[Mapping[str, Any], int]], wanted: set[str]) -> list[tuple[Mapping[str, Any], int]]:
    """The wanted items of a tree and every item between them and the story."""
    by_id = {str(node["id"]): (node, depth) for node, depth in nodes}
    keep: set[str] = set()
    for item_id in wanted & by_id.keys():
        while item_id in by_id and item_id not in keep:
            keep.add(item_id)
            item_id = str(by_id[item_id][0].get("parent_id"))
    return [(node, depth) for node, depth in nodes if str(node["id"]) in keep]


def _descendants(item: Mapping[str, Any]) -> int:
    return sum(1 + _descendants(child) for child in item.get("children") or [])
