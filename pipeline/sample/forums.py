"""Loopback stand-ins for forum APIs: Discourse listings and post streams, Algolia HN search and items.

Data files hold each source's real response shape in one piece (a Discourse topic with all of its
posts, an HN story with its whole comment tree). These handlers page, chunk and filter them the way
the real APIs do, so connectors meet the same listing pages, post-stream chunks and hit caps.
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.sample.server import Reply, Request, SampleServer, conditional

DATA = Path(__file__).resolve().parent / "data"
_NUMERIC = re.compile(r"^\s*(\w+)\s*(>=|<=|>|<|=)\s*(-?\d+)\s*$")


def install_demo(server: SampleServer) -> DiscourseSample:
    """The demo's forums: VeloVolt Riders (Discourse) at /discourse, a phpBB board's feed at /forum/feed.php."""
    feed = DATA / "forum" / "bikepacking" / "feed.xml"

    def phpbb_feed(request: Request) -> Reply:
        body = server.render(feed.read_text(encoding="utf-8")).encode("utf-8")
        return conditional(request, body, "application/atom+xml; charset=UTF-8", server.now)

    server.route("/forum/feed.php", phpbb_feed)
    return DiscourseSample(server, DATA / "discourse", prefix="/discourse").install()


def _json(data: Any, status: int = 200) -> Reply:
    return Reply(status, json.dumps(data), content_type="application/json")


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class DiscourseSample:
    """A Discourse forum at `server.base + prefix`, from `t/*.json` topic files (and `categories.json`)."""

    per_page = 30
    chunk_size = 20

    def __init__(self, server: SampleServer, folder: Path, prefix: str = "") -> None:
        self.server, self.prefix = server, prefix.rstrip("/")
        self.topics: dict[int, dict[str, Any]] = {}
        for path in sorted(p for p in folder.glob("t/*.json") if ".phase" not in p.name):
            topic = json.loads(server.render(server.variant(path).read_text(encoding="utf-8")))
            self.topics[topic["id"]] = topic
        categories = folder / "categories.json"
        listing = json.loads(categories.read_text(encoding="utf-8")) if categories.is_file() else {}
        self.categories: list[dict[str, Any]] = listing.get("category_list", {}).get("categories", [])

    def install(self) -> DiscourseSample:
        self.server.route(self.prefix + "/", self.handle)
        return self

    def handle(self, request: Request) -> Reply | None:
        path = request.path[len(self.prefix):]
        if path == "/latest.json":
            return self._listing(request, None)
        if match := re.fullmatch(r"/c/(?:[\w\-]+/)?([\w\-]+)\.json", path):
            return self._category(request, match.group(1))
        if match := re.fullmatch(r"/t/(?:[\w\-]+/)?(\d+)\.json", path):
            return self._topic(int(match.group(1)))
        if match := re.fullmatch(r"/t/(\d+)/posts\.json", path):
            return self._posts(int(match.group(1)), request.query.get("post_ids[]", []))
        if match := re.fullmatch(r"/posts/by_number/(\d+)/(\d+)\.json", path):
            return self._by_number(int(match.group(1)), int(match.group(2)))
        return None

    def add_post(self, topic_id: int, username: str, cooked: str, *, reply_to: int | None = None,
                 created: datetime | None = None, likes: int = 0) -> dict[str, Any]:
        """A new reply, bumping the topic as Discourse does (for tests and live demos)."""
        topic = self.topics[topic_id]
        posts = topic["post_stream"]["posts"]
        number = topic["highest_post_number"] + 1
        when = _iso(created or datetime.now(UTC))
        post = make_post(topic, max(p["id"] for t in self.topics.values() for p in t["post_stream"]["posts"]) + 1,
                         number, username, cooked, when, reply_to=reply_to, likes=likes)
        posts.append(post)
        topic["post_stream"]["stream"].append(post["id"])
        topic.update(highest_post_number=number, posts_count=topic["posts_count"] + 1, last_posted_at=when,
                     bumped_at=when, reply_count=topic.get("reply_count", 0) + 1, last_poster_username=username)
        if reply_to:
            for other in posts:
                if other["post_number"] == reply_to:
                    other["reply_count"] += 1
        return post

    def _category(self, request: Request, key: str) -> Reply:
        for category in self.categories:
            if key in (str(category["id"]), category["slug"]):
                return self._listing(request, category["id"])
        return _json({"errors": ["The requested URL or resource could not be found."]}, 404)

    def _listing(self, request: Request, category: int | None) -> Reply:
        page = int(request.arg("page", "0") or 0)
        topics = [t for t in self.topics.values() if category is None or t.get("category_id") == category]
        pinned = [t for t in topics if t.get("pinned")]
        rest = sorted((t for t in topics if not t.get("pinned")),
                      key=lambda t: t.get("bumped_at") or t["last_posted_at"], reverse=True)
        ordered = pinned + rest
        chunk = ordered[page * self.per_page:(page + 1) * self.per_page]
        topic_list: dict[str, Any] = {"can_create_topic": False, "per_page": self.per_page,
                                      "topics": [_listed(t) for t in chunk]}
        if (page + 1) * self.per_page < len(ordered):
            topic_list["more_topics_url"] = f"{request.path.removesuffix('.json')}?page={page + 1}"
        users = sorted({p["username"] for t in chunk for p in t["post_stream"]["posts"][:1]})
        return _json({"users": [{"id": i + 1, "username": u, "name": None, "avatar_template": ""}
                                for i, u in enumerate(users)],
                      "primary_groups": [], "flair_groups": [], "topic_list": topic_list})

    def _topic(self, topic_id: int) -> Reply:
        topic = self.topics.get(topic_id)
        if topic is None:
            return _json({"errors": ["The requested URL or resource could not be found."],
                          "error_type": "not_found"}, 404)
        posts = topic["post_stream"]["posts"]
        view = {k: v for k, v in topic.items() if k not in ("post_stream", "bumped_at")}
        view["post_stream"] = {"posts": posts[: self.chunk_size], "stream": [p["id"] for p in posts]}
        view["chunk_size"] = self.chunk_size
        return _json(view)

    def _posts(self, topic_id: int, ids: list[str]) -> Reply:
        topic = self.topics.get(topic_id)
        if topic is None:
            return _json({"errors": ["The requested URL or resource could not be found."]}, 404)
        wanted = {int(i) for i in ids if i.isdigit()}
        posts = [p for p in topic["post_stream"]["posts"] if p["id"] in wanted]
        return _json({"post_stream": {"posts": posts}, "id": topic_id})

    def _by_number(self, topic_id: int, number: int) -> Reply:
        for post in self.topics.get(topic_id, {}).get("post_stream", {}).get("posts", []):
            if post["post_number"] == number:
                return _json(post)
        return _json({"errors": ["The requested URL or resource could not be found."]}, 404)


def _listed(topic: dict[str, Any]) -> dict[str, Any]:
    keys = ("id", "title", "fancy_title", "slug", "posts_count", "reply_count", "highest_post_number",
            "image_url", "created_at", "last_posted_at", "archetype", "pinned", "unpinned", "visible",
            "closed", "archived", "views", "like_count", "has_summary", "last_poster_username",
            "category_id", "pinned_globally", "featured_link", "tags")
    listed = {k: topic.get(k) for k in keys}
    listed.update(bumped=True, bumped_at=topic.get("bumped_at") or topic["last_posted_at"], unseen=False,
                  bookmarked=None, liked=None, posters=[])
    return listed


def make_post(topic: dict[str, Any], post_id: int, number: int, username: str, cooked: str, created: str,
              *, reply_to: int | None = None, likes: int = 0, reply_count: int = 0) -> dict[str, Any]:
    """One post in the shape `/t/{id}.json` returns it."""
    return {
        "id": post_id, "name": username.replace("_", " ").title(), "username": username,
        "avatar_template": f"/user_avatar/forum/{username}/{{size}}/1_2.png",
        "created_at": created, "cooked": cooked, "post_number": number, "post_type": 1,
        "updated_at": created, "reply_count": reply_count, "reply_to_post_number": reply_to,
        "quote_count": 0, "incoming_link_count": 0, "reads": 12 + likes * 3, "readers_count": 11 + likes * 3,
        "score": float(likes * 5), "yours": False, "topic_id": topic["id"], "topic_slug": topic["slug"],
        "display_username": username.replace("_", " ").title(), "primary_group_name": None,
        "flair_name": None, "version": 1, "can_edit": False, "can_delete": False, "can_recover": False,
        "can_wiki": False, "read": True, "user_title": None, "bookmarked": False,
        "actions_summary": [{"id": 2, "count": likes}] if likes else [],
        "moderator": False, "admin": False, "staff": False, "user_id": zlib.crc32(username.encode()) % 9000 + 2,
        "hidden": False, "trust_level": 1, "deleted_at": None, "user_deleted": False, "edit_reason": None,
        "can_view_edit_history": True, "wiki": False,
    }


class AlgoliaHNSample:
    """The HN Search API (`search_by_date`, `items/{id}`) over item trees from the items API's shape."""

    def __init__(self, server: SampleServer, items: list[dict[str, Any]], prefix: str = "/api/v1",
                 max_hits: int = 1000) -> None:
        self.server, self.prefix, self.max_hits = server, prefix.rstrip("/"), max_hits
        self.items = items

    @classmethod
    def from_file(cls, server: SampleServer, path: Path, **kwargs: Any) -> AlgoliaHNSample:
        return cls(server, json.loads(server.render(path.read_text(encoding="utf-8"))), **kwargs)

    def install(self) -> AlgoliaHNSample:
        self.server.route(self.prefix + "/", self.handle)
        return self

    def handle(self, request: Request) -> Reply | None:
        path = request.path[len(self.prefix):]
        if path in ("/search_by_date", "/search"):
            return self._search(request)
        if match := re.fullmatch(r"/items/(\d+)", path):
            for item in self._walk():
                if item["id"] == int(match.group(1)):
                    return _json(item)
            return _json({"status": 404, "error": "Not Found"}, 404)
        return None

    def _walk(self) -> Iterator[dict[str, Any]]:
        stack = list(self.items)
        while stack:
            item = stack.pop()
            yield item
            stack.extend(item.get("children") or [])

    def _search(self, request: Request) -> Reply:
        tags = (request.arg("tags", "") or "").strip("()").split(",")
        words = (request.arg("query", "") or "").lower().replace('"', "").split()
        filters = [f for f in (request.arg("numericFilters", "") or "").split(",") if f.strip()]
        per_page = min(int(request.arg("hitsPerPage", "20") or 20), 1000)
        page = int(request.arg("page", "0") or 0)
        hits = [h for h in (self._hit(i) for i in self._walk()) if h is not None]
        hits = [h for h in hits if _tagged(h, tags) and _matches(h, words) and _numeric(h, filters)]
        hits.sort(key=lambda h: h["created_at_i"], reverse=True)
        reachable = hits[: self.max_hits]
        shown = reachable[page * per_page:(page + 1) * per_page]
        return _json({
            "hits": shown, "nbHits": len(hits), "page": page, "nbPages": math.ceil(len(reachable) / per_page),
            "hitsPerPage": per_page, "exhaustiveNbHits": True, "exhaustiveTypo": True,
            "exhaustive": {"nbHits": True, "typo": True}, "query": request.arg("query", ""),
            "params": "&".join(f"{k}={v[0]}" for k, v in request.query.items()), "processingTimeMS": 1,
        })

    def _hit(self, item: dict[str, Any]) -> dict[str, Any] | None:
        if item.get("author") is None:
            return None  # deleted items are not in the search index
        story_id = item.get("story_id") or item["id"]
        common = {"author": item["author"], "created_at": item["created_at"], "created_at_i": item["created_at_i"],
                  "objectID": str(item["id"]), "updated_at": item["created_at"], "story_id": story_id,
                  "_tags": [item["type"], f"author_{item['author']}", f"story_{story_id}"],
                  "_highlightResult": {}}
        if item["type"] == "story":
            return {**common, "title": item.get("title"), "url": item.get("url"), "points": item.get("points"),
                    "story_text": item.get("text"), "num_comments": _count(item),
                    "children": [c["id"] for c in item.get("children") or []]}
        story = self._story(story_id)
        return {**common, "comment_text": item.get("text"), "parent_id": item.get("parent_id"), "points": None,
                "story_title": story.get("title") if story else None, "story_url": story.get("url") if story else None}

    def _story(self, story_id: int) -> dict[str, Any] | None:
        return next((i for i in self.items if i["id"] == story_id), None)


def _count(item: dict[str, Any]) -> int:
    return sum(1 + _count(c) for c in item.get("children") or [])


def _tagged(hit: dict[str, Any], tags: list[str]) -> bool:
    wanted = [t for t in tags if t]
    return not wanted or any(t in hit["_tags"] for t in wanted)


def _matches(hit: dict[str, Any], words: list[str]) -> bool:
    text = " ".join(str(hit.get(k) or "") for k in ("title", "story_text", "comment_text", "url")).lower()
    return all(w in text for w in words)


def _numeric(hit: dict[str, Any], filters: list[str]) -> bool:
    for spec in filters:
        match = _NUMERIC.match(spec)
        if not match:
            continue
        field, op, value = match.group(1), match.group(2), int(match.group(3))
        have = hit.get(field)
        if not isinstance(have, int):
            return False
        ok = {">": have > value, ">=": have >= value, "<": have < value, "<=": have <= value, "=": have == value}
        if not ok[op]:
            return False
    return True
