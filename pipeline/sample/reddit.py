"""A Reddit-API-shaped route handler for SampleServer, so real praw runs against loopback.

Data layout under `data_dir` (JSON in Reddit's own shapes, templated like every sample file):

    <Subreddit>/about.json              the `t5` thing `/r/<sub>/about` answers
    <Subreddit>/comments/<id>.json      what `/comments/<id>` answers: [Listing(t3), Listing(t1 | more)]
    <Subreddit>/more/<id>.json          the comments hidden behind that thread's "more" stubs: a JSON
                                        array of `t1`/`more` things, parents before children

`/r/<sub>/new` is built from the t3 of every thread, newest first, paginated with `after` and cut at
`listing_cap` items as Reddit's listings are. Files are read on every request, so a test may edit
them between two fetches. Faults (`RedditFault`) switch error replies on for tests.
"""

from __future__ import annotations

import base64
import json
import math
import re
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.sample.server import Reply, Request, SampleServer

_NEW = re.compile(r"^/r/([A-Za-z0-9_]+)/(new|about)(?:\.json)?/?$")
_COMMENTS = re.compile(r"^/comments/([a-z0-9]+)/?")
_CONTINUE = re.compile(r"^/comments/([a-z0-9]+)/_/([a-z0-9]+)/?$")  # "continue this thread"
MORECHILDREN_PAGE = 100
_REASONS = {403: "Forbidden", 404: "Not Found", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable", 401: "Unauthorized"}


@dataclass
class RedditFault:
    """An error reply for requests whose path starts with `path`; `times=None` means every time.

    `reason` goes into the JSON body as Reddit does (`private`, `quarantined`, `banned`);
    `retry_after` becomes a Retry-After header.
    """

    status: int
    path: str = "/"
    times: int | None = None
    reason: str | None = None
    retry_after: str | None = None

    def reply(self) -> Reply:
        body: dict[str, Any] = {"message": _REASONS.get(self.status, "Error"), "error": self.status}
        if self.reason:
            body["reason"] = self.reason
        headers = {"Retry-After": self.retry_after} if self.retry_after else {}
        if self.status == 401:
            headers["www-authenticate"] = 'Bearer realm="reddit", error="invalid_token"'
        return Reply(self.status, json.dumps(body), headers)


class RedditSample:
    """The state behind the routes: credentials, issued tokens, faults, and a rate-limit window."""

    def __init__(self, server: SampleServer, data_dir: Path, *, client_id: str, client_secret: str,
                 faults: list[RedditFault], listing_cap: int, window_seconds: float, quota: int) -> None:
        self.server, self.data_dir = server, data_dir
        self.client_id, self.client_secret = client_id, client_secret
        self.faults, self.listing_cap = faults, listing_cap
        self.window_seconds, self.quota = window_seconds, quota
        self.tokens: set[str] = set()
        self._cache: dict[Path, tuple[tuple[int, int], Any]] = {}
        self._lock = threading.Lock()
        self._window_start = time.monotonic()
        self._used = 0

    def handle(self, request: Request) -> Reply | None:
        fault = self._fault(request.path)
        if request.path.startswith("/api/v1/access_token"):
            reply = fault.reply() if fault else self._token(request)
            if request.headers.get("connection", "").lower() == "close":
                # prawcore asks to close after the token; saying so keeps the client from reusing the socket
                reply.headers["Connection"] = "close"
            return reply
        if not self._authorized(request):
            return RedditFault(401).reply()
        reply = fault.reply() if fault else self._api(request)
        if reply is not None:
            reply.headers.update(self._ratelimit_headers())
        return reply

    def _api(self, request: Request) -> Reply | None:
        if request.path.startswith("/api/morechildren"):
            return self._morechildren(request)
        if match := _CONTINUE.match(request.path):
            return self._continue(*match.groups())
        if match := _COMMENTS.match(request.path):
            return self._thread(match.group(1))
        if match := _NEW.match(request.path):
            sub, what = match.groups()
            return self._about(sub) if what == "about" else self._new(sub, request)
        return None

    def _fault(self, path: str) -> RedditFault | None:
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path) and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    def _token(self, request: Request) -> Reply:
        expected = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") != f"Basic {expected}":
            return Reply(401, json.dumps({"message": "Unauthorized", "error": 401}))
        if request.arg("grant_type") != "client_credentials":
            return Reply(200, json.dumps({"error": "unsupported_grant_type"}))
        token = secrets.token_urlsafe(18)
        with self._lock:
            self.tokens.add(token)
        return Reply(200, json.dumps({"access_token": token, "token_type": "bearer", "expires_in": 86400,
                                      "scope": "*"}))

    def _authorized(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            return scheme.lower() == "bearer" and token in self.tokens

    def _ratelimit_headers(self) -> dict[str, str]:
        with self._lock:
            now = time.monotonic()
            if now - self._window_start >= self.window_seconds:
                self._window_start, self._used = now, 0
            self._used += 1
            reset = max(0, math.ceil(self._window_start + self.window_seconds - now))
            return {"x-ratelimit-used": str(self._used), "x-ratelimit-remaining": f"{self.quota - self._used:.1f}",
                    "x-ratelimit-reset": str(reset)}

    def _load(self, path: Path) -> Any:
        """The rendered JSON of a data file (read-only), cached until the file changes, as tests edit files."""
        stat = path.stat()
        key = (stat.st_mtime_ns, stat.st_size)
        cached = self._cache.get(path)
        if cached is None or cached[0] != key:
            cached = (key, json.loads(self.server.render(path.read_text(encoding="utf-8"))))
            self._cache[path] = cached
        return cached[1]

    def _subreddit_dir(self, name: str) -> Path | None:
        for candidate in self.data_dir.iterdir():
            if candidate.is_dir() and candidate.name.lower() == name.lower():
                return candidate
        return None

    def _not_found(self, name: str) -> Reply:
        # Reddit answers an unknown subreddit's listing with a redirect to its search page
        return Reply(302, b"", {"Location": f"{self.server.base}/subreddits/search.json?q={name}"})

    def _about(self, name: str) -> Reply:
        folder = self._subreddit_dir(name)
        if folder is None:
            return self._not_found(name)
        return Reply(200, json.dumps(self._load(folder / "about.json")))

    def _new(self, name: str, request: Request) -> Reply:
        folder = self._subreddit_dir(name)
        if folder is None:
            return self._not_found(name)
        things = [self._load(path)[0]["data"]["children"][0] for path in (folder / "comments").glob("*.json")]
        things.sort(key=lambda thing: thing["data"]["created_utc"], reverse=True)
        things = things[: self.listing_cap]
        after = request.arg("after")
        start = next((i + 1 for i, t in enumerate(things) if t["data"]["name"] == after), 0) if after else 0
        limit = min(100, int(request.arg("limit") or 25))
        page = things[start: start + limit]
        more = start + limit < len(things)
        return Reply(200, json.dumps(_listing(page, after=page[-1]["data"]["name"] if more and page else None)))

    def _thread(self, thread_id: str) -> Reply:
        path = self._thread_path(thread_id, "comments")
        if path is None:
            return Reply(404, json.dumps({"message": "Not Found", "error": 404}))
        return Reply(200, json.dumps(self._load(path)))

    def _continue(self, thread_id: str, comment_id: str) -> Reply:
        """A deep comment with the replies hidden under its "continue this thread" stub, as its own page."""
        path, more = self._thread_path(thread_id, "comments"), self._thread_path(thread_id, "more")
        if path is None:
            return Reply(404, json.dumps({"message": "Not Found", "error": 404}))
        page, hidden = self._load(path), self._load(more) if more else []
        found = _find(page[1]["data"]["children"], comment_id) or next(
            (t for t in hidden if t["kind"] == "t1" and t["data"]["id"] == comment_id), None)
        if found is None:
            return Reply(404, json.dumps({"message": "Not Found", "error": 404}))
        root = {"kind": "t1", "data": {**found["data"], "replies": ""}}
        nodes = {root["data"]["name"]: root}
        for thing in hidden:
            parent = nodes.get(thing["data"]["parent_id"])
            if parent is not None and thing["kind"] == "t1":
                node = nodes[thing["data"]["name"]] = {"kind": "t1", "data": {**thing["data"], "replies": ""}}
                parent["data"]["replies"] = parent["data"]["replies"] or _listing([])
                parent["data"]["replies"]["data"]["children"].append(node)
        return Reply(200, json.dumps([page[0], _listing([root])]))

    def _thread_path(self, thread_id: str, kind: str) -> Path | None:
        for folder in self.data_dir.iterdir():
            path = folder / kind / f"{thread_id}.json"
            if path.is_file():
                return path
        return None

    def _morechildren(self, request: Request) -> Reply:
        link_id = (request.arg("link_id") or "").removeprefix("t3_")
        wanted = set(filter(None, (request.arg("children") or "").split(",")))
        path = self._thread_path(link_id, "more")
        hidden = self._load(path) if path else []
        things: list[dict[str, Any]] = []
        for thing in hidden:
            data = thing["data"]
            # a hidden "more" stub comes along with its parent, as Reddit nests them
            wanted_here = _bare(data["parent_id"]) in wanted if thing["kind"] == "more" else data["id"] in wanted
            if wanted_here:
                things.append(thing)
        comments = [t for t in things if t["kind"] == "t1"]
        if len(comments) > MORECHILDREN_PAGE:  # Reddit answers at most ~100 and leaves a stub for the rest
            rest = comments[MORECHILDREN_PAGE:]
            kept = {t["data"]["id"] for t in rest}
            things = [t for t in things if t["data"]["id"] not in kept and _bare(t["data"]["parent_id"]) not in kept]
            things.append(_more_stub(rest))
        return Reply(200, json.dumps({"json": {"errors": [], "data": {"things": things}}}))


def install_reddit(server: SampleServer, data_dir: Path, *, client_id: str = "sample-client",
                   client_secret: str | None = None, faults: list[RedditFault] | None = None,
                   listing_cap: int = 1000, window_seconds: float = 1.0, quota: int = 1000,
                   user_agent: str = "WebVoyage sample client") -> dict[str, Any]:
    """Serve Reddit's API shape from `data_dir` on `server`; return the praw kwargs that reach it.

    The window is short by default so praw's header-based pacing never sleeps on loopback; give
    `window_seconds=600` to see Reddit's real 1,000-per-10-minutes pacing.
    """
    sample = RedditSample(server, data_dir, client_id=client_id,
                          client_secret=client_secret or secrets.token_urlsafe(16),
                          faults=faults if faults is not None else [], listing_cap=listing_cap,
                          window_seconds=window_seconds, quota=quota)
    for prefix in ("/api/v1/access_token", "/api/morechildren", "/r/", "/comments/"):
        server.route(prefix, sample.handle)
    return {"client_id": client_id, "client_secret": sample.client_secret, "user_agent": user_agent,
            "oauth_url": server.base + "/", "reddit_url": server.base + "/", "check_for_updates": False}


def _find(things: list[dict[str, Any]], comment_id: str) -> dict[str, Any] | None:
    for thing in things:
        if thing["kind"] != "t1":
            continue
        if thing["data"]["id"] == comment_id:
            return thing
        replies = thing["data"].get("replies")
        found = _find(replies["data"]["children"], comment_id) if replies else None
        if found:
            return found
    return None


def _more_stub(rest: list[dict[str, Any]]) -> dict[str, Any]:
    first = rest[0]["data"]
    ids = [t["data"]["id"] for t in rest]
    return {"kind": "more", "data": {"count": len(ids), "name": "t1_" + ids[0], "id": ids[0],
                                     "parent_id": first["parent_id"], "depth": first.get("depth", 0), "children": ids}}


def _listing(children: list[dict[str, Any]], after: str | None = None) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": after, "dist": len(children), "modhash": "", "geo_filter": "",
                                        "children": children, "before": None}}


def _bare(fullname: str) -> str:
    return fullname.split("_", 1)[1] if "_" in fullname[:3] else fullname
