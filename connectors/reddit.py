"""Reddit communities through praw: new submissions and their whole comment trees (the only praw user).

Credentials and endpoints come only from praw's own configuration (praw.ini sites, `praw_*`
environment variables); the two endpoint variables praw 8 ignores, `praw_oauth_url` and
`praw_reddit_url`, are read here and handed to praw. Every request goes through one requestor
that paces all Reddit communities of a run with a shared token bucket, retries 429/5xx a couple
of times honouring Retry-After, and counts what it sends. prawcore errors become the project's
SourceError tree at this boundary, with messages that never carry a secret.
"""

from __future__ import annotations

import configparser
import heapq
import json
import math
import os
import re
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

import praw
import praw.exceptions
import prawcore
from praw.models import MoreComments

from connectors import since
from pipeline.errors import ConfigError, SourceError, SourceRejected, SourceSkipped, SourceUnavailable
from pipeline.models import COMMENT, POST, Community, Cursor, FetchResult, FetchSettings, Post, ThreadResult

if TYPE_CHECKING:
    from connectors import FetchContext

SOURCE = "reddit"
LISTING_CAP = 1000  # Reddit's listings end after about this many items, however far back they go
MORECHILDREN_PAGE = 100  # comments one /api/morechildren answer brings at most
REQUESTS_PER_MINUTE = 100.0  # the free tier's allowance per OAuth client
MISSING_CREDENTIALS = ("Reddit credentials missing: set praw_client_id and praw_client_secret "
                       "(or a praw.ini site via praw_site)")
_REMOVED = {"[deleted]", "[removed]"}
_PERMALINK = re.compile(r"/r/([A-Za-z0-9_]{2,21})/comments/([a-z0-9]+)", re.I)
T = TypeVar("T")
_SERVER_ERRORS = {500, 502, 503, 504, 520, 522}


class RedditLimiter:
    """One token bucket shared by every Reddit community of a run; also counts requests sent.

    The bucket holds a minute's allowance: Reddit accounts over ten-minute windows, so a burst of
    one minute is within its rules while the sustained rate stays at `per_minute`.
    """

    def __init__(self, per_minute: float = REQUESTS_PER_MINUTE, burst: float | None = None, *,
                 clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep) -> None:
        self.rate = per_minute / 60.0
        self.capacity = burst if burst is not None else per_minute
        self.requests = 0
        self.fetching = threading.Lock()  # praw objects are not thread-safe: one community at a time
        self._tokens, self._updated = self.capacity, clock()
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()

    def acquire(self) -> None:
        while True:
            with self._lock:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    self.requests += 1
                    return
                wait = (1 - self._tokens) / self.rate
            self._sleep(wait)


_SHARED = RedditLimiter()


@dataclass
class _Client:
    """What we keep beside one praw.Reddit: its limiter, and whether Reddit refused its credentials."""

    limiter: RedditLimiter | None  # None for a praw.Reddit built elsewhere: then not paced or counted by us
    rejected: str | None = None  # once set, the run's other Reddit communities stop without asking again


_CLIENTS: weakref.WeakKeyDictionary[praw.Reddit, _Client] = weakref.WeakKeyDictionary()


class PoliteRequestor(prawcore.Requestor):
    """praw's requestor, paced by a RedditLimiter, retrying 429/5xx with Retry-After in mind."""

    def __init__(self, *args: Any, limiter: RedditLimiter, settings: FetchSettings,
                 sleep: Callable[[float], None] = time.sleep, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limiter, self._settings, self._pause = limiter, settings, sleep

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        retries = min(self._settings.retries, 2)
        attempt = 0
        while True:
            self._limiter.acquire()
            response = super().request(*args, timeout=timeout, **kwargs)
            status = response.status_code
            if (status != 429 and status not in _SERVER_ERRORS) or attempt >= retries:
                break
            wait = retry_after(response.headers)
            wait = self._settings.backoff * 2**attempt if wait is None else wait
            if wait > self._settings.max_retry_after:
                break
            self._pause(wait)
            attempt += 1
        if status in _SERVER_ERRORS:
            # retried here already; raising stops prawcore from retrying again with its own pauses
            raise prawcore.ServerError(response)
        return response


def reddit_factory(user_agent: str, /, *, settings: FetchSettings | None = None,
                   limiter: RedditLimiter | None = None, **praw_kwargs: Any) -> Callable[[], praw.Reddit]:
    """A zero-argument callable that builds the read-only praw.Reddit once, on first use, thread-safely.

    `praw_kwargs` (e.g. from the sample server) win over praw.ini and the environment. Raises
    SourceSkipped when no client id and secret are configured.
    """
    lock = threading.Lock()
    built: list[praw.Reddit] = []

    def get() -> praw.Reddit:
        with lock:
            if not built:
                built.append(build_reddit(user_agent, settings=settings, limiter=limiter, **praw_kwargs))
            return built[0]

    return get


def build_reddit(user_agent: str, /, *, settings: FetchSettings | None = None,
                 limiter: RedditLimiter | None = None, **praw_kwargs: Any) -> praw.Reddit:
    settings = settings or FetchSettings()
    limiter = limiter or _SHARED
    kwargs = {**_endpoints_from_env(), "check_for_updates": False,
              "timeout": max(1, math.ceil(settings.read_timeout)), **praw_kwargs}
    if not os.getenv("praw_user_agent"):
        kwargs.setdefault("user_agent", user_agent)
    try:
        reddit = praw.Reddit(requestor_class=PoliteRequestor,
                             requestor_kwargs={"limiter": limiter, "settings": settings}, **kwargs)
    except praw.exceptions.MissingRequiredAttributeException as exc:
        raise SourceSkipped(MISSING_CREDENTIALS) from exc
    except configparser.NoSectionError as exc:
        raise ConfigError(f"praw.ini has no site [{exc.section}] (chosen by praw_site)") from None
    if not reddit.config.client_secret:
        raise SourceSkipped(MISSING_CREDENTIALS)
    reddit.read_only = True
    _CLIENTS[reddit] = _Client(limiter)
    return reddit


def _endpoints_from_env() -> dict[str, str]:
    # praw 8 reads every other praw_* variable itself but ignores these two
    found = {key: os.getenv(f"praw_{key}") for key in ("oauth_url", "reddit_url")}
    return {key: value for key, value in found.items() if value}


@dataclass(frozen=True, slots=True)
class _Options:
    max_comments: int
    listing_cap: int

    @classmethod
    def of(cls, community: Community, settings: FetchSettings) -> _Options:
        opts = community.options
        try:
            return cls(max_comments=int(opts.get("max_comments", settings.max_comments)),
                       listing_cap=int(opts.get("listing_cap", LISTING_CAP)))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"community {community.name!r}: bad Reddit option ({exc})") from None


def fetch(community: Community, cursor: Cursor, ctx: FetchContext) -> FetchResult:
    """New submissions of `community.subreddit` since the cursor (minus the lag), with their comment trees."""
    if not community.subreddit:
        raise ConfigError(f"community {community.name!r}: kind 'reddit' needs `subreddit`")
    options = _Options.of(community, ctx.http.settings)
    cutoff = since(community, cursor, ctx)
    result, requests = _calling(ctx, community.subreddit,
                                lambda reddit: _fetch_subreddit(reddit, community, cursor, cutoff, options))
    return FetchResult(result.posts, result.cursor, result.warnings, result.missed, requests)


def thread_ref(community: Community, url: str) -> str | None:
    """The submission id of a permalink into this community's subreddit: .../r/{subreddit}/comments/{id}/..."""
    match = _PERMALINK.search(urlsplit(url).path)
    if not match or not community.subreddit or match.group(1).lower() != community.subreddit.lower():
        return None
    return match.group(2)


def thread(community: Community, url: str, ctx: FetchContext) -> ThreadResult:
    """One submission and its whole comment tree (up to `max_comments`), read directly."""
    submission_id = thread_ref(community, url)
    if submission_id is None:
        raise SourceRejected(f"{url}: not a submission of r/{community.subreddit}")
    budget = _Options.of(community, ctx.http.settings).max_comments

    def read(reddit: praw.Reddit) -> ThreadResult:
        base = str(reddit.config.reddit_url).rstrip("/")
        submission = reddit.submission(id=submission_id)
        try:
            comments, _ = _thread(submission, community.name, base, budget)
        except (prawcore.NotFound, prawcore.Forbidden) as exc:
            return ThreadResult([], "vanished", f"submission {submission_id}: HTTP {exc.response.status_code}")
        data = vars(submission)
        root = parse_submission(data, community.name, base)
        state = ("deleted" if root.removed or data.get("author") is None
                 else "locked" if data.get("locked") or data.get("archived") else "live")
        note = {"deleted": "the submission was deleted or removed", "locked": "the submission is locked"}.get(state)
        return ThreadResult([root, *comments], state, note)

    result, requests = _calling(ctx, community.subreddit, read)
    return replace(result, requests=requests)


def _calling(ctx: FetchContext, subreddit: str, work: Callable[[praw.Reddit], T]) -> tuple[T, int]:
    """Run `work` with the shared praw client under its limiter; praw's errors become SourceErrors, and refused
    credentials stop every later call of the run at once. Returns the result and the requests it cost."""
    settings = ctx.http.settings
    reddit = (ctx.reddit or reddit_factory(settings.user_agent, settings=settings))()
    client = _CLIENTS.setdefault(reddit, _Client(None))
    limiter = client.limiter
    with limiter.fetching if limiter else nullcontext():
        if client.rejected:
            raise SourceRejected(client.rejected)
        sent = limiter.requests if limiter else 0
        try:
            result = work(reddit)
        except (prawcore.PrawcoreException, praw.exceptions.PRAWException) as exc:
            error = translate(exc, subreddit)
            if credentials_refused(exc):
                client.rejected = str(error)
            raise error from exc
    return result, limiter.requests - sent if limiter else 0


def _fetch_subreddit(reddit: praw.Reddit, community: Community, cursor: Cursor, cutoff: datetime,
                     options: _Options) -> FetchResult:
    base = str(reddit.config.reddit_url).rstrip("/")
    budget, missed, seen, reached_cutoff = options.max_comments, 0, 0, False
    newest, newest_id = cursor.newest, cursor.newest_id
    posts: dict[str, Post] = {}
    unreadable: list[str] = []
    for submission in reddit.subreddit(community.subreddit).new(limit=None):
        seen += 1
        created = _time(vars(submission)["created_utc"])
        if created < cutoff:
            reached_cutoff = True
            break
        if newest is None or created > newest:
            newest, newest_id = created, submission.id
        if not matches(community.keywords, submission.title, vars(submission).get("selftext", "")):
            continue
        try:
            comments, left_out = _thread(submission, community.name, base, budget)
        except (prawcore.NotFound, prawcore.Forbidden) as exc:  # removed since the listing: not the subreddit
            unreadable.append(f"{submission.id} (HTTP {exc.response.status_code})")
            continue
        except RecursionError:  # a reply tree nested past what praw's parser can recurse through
            unreadable.append(f"{submission.id} (replies nested too deep to read)")
            continue
        budget -= len(comments)
        missed += left_out
        posts[submission.id] = parse_submission(vars(submission), community.name, base)
        posts.update((post.external_id, post) for post in comments)
    warnings = _warnings(community.subreddit, seen, reached_cutoff, options, missed, cutoff)
    if unreadable:
        warnings += (f"r/{community.subreddit}: {len(unreadable)} threads could not be read and were left out: "
                     f"{', '.join(unreadable[:10])}",)
    return FetchResult(list(posts.values()), Cursor(newest=newest, newest_id=newest_id), warnings, missed)


def _warnings(subreddit: str, seen: int, reached_cutoff: bool, options: _Options, missed: int,
              cutoff: datetime) -> tuple[str, ...]:
    found = []
    if not reached_cutoff and seen >= options.listing_cap:
        found.append(f"r/{subreddit}: Reddit's listing ends after {seen} submissions, so older ones back to "
                     f"{cutoff:%Y-%m-%d} could not be reached")
    if missed:
        found.append(f"r/{subreddit}: {missed} comments left out by the comment budget "
                     f"(max_comments = {options.max_comments})")
    return tuple(found)


def _thread(submission: Any, community: str, base: str, budget: int) -> tuple[list[Post], int]:
    """The submission's whole comment tree, expanding "more" stubs (largest first) that fit the budget.

    This is praw's `replace_more` loop, done here so the budget counts comments rather than stubs and
    what it leaves out is counted: the sum of the skipped stubs' counts.
    """
    forest = submission.comments  # one GET /comments/{id}; also refreshes score and comment count
    tree = _Tree(submission, community, base)
    tree.take(forest)
    room, left = budget - tree.comments, []
    while tree.stubs:
        stub = heapq.heappop(tree.stubs)
        hidden = max(stub.count, 1)  # a "continue this thread" stub (count 0) hides at least one
        if min(hidden, MORECHILDREN_PAGE) > room:  # Reddit answers at most a page, stubbing the rest
            left.append(hidden)
            continue
        before = tree.comments
        tree.take(stub.comments())  # one POST /api/morechildren
        room -= tree.comments - before
    return list(tree.posts.values()), sum(left)


class _Tree:
    """Comments collected as Posts with their depth; the "more" stubs still unexpanded, on a heap."""

    def __init__(self, submission: Any, community: str, base: str) -> None:
        self.submission, self.community, self.base = submission, community, base
        self.posts: dict[str, Post] = {}
        self.depths: dict[str, int] = {submission.id: 0}
        self.stubs: list[MoreComments] = []  # MoreComments sort largest-first for heapq
        self.expanded: set[tuple[str, ...]] = set()

    @property
    def comments(self) -> int:
        return len(self.posts)

    def take(self, items: Iterable[Any]) -> None:
        for item in items:
            if isinstance(item, MoreComments):
                key = (item.parent_id, *item.children)
                if key not in self.expanded:  # a server repeating a stub must not loop us
                    self.expanded.add(key)
                    item.submission = self.submission  # as replace_more sets it, so .comments() can ask
                    heapq.heappush(self.stubs, item)
                continue
            data = vars(item)
            depth = self.depths.get(bare_id(data.get("parent_id") or ""), 0) + 1
            self.depths[data["id"]] = depth
            self.posts[data["id"]] = parse_comment(data, self.community, self.base, self.submission.id, depth)
            self.take(item.replies)


def parse_submission(data: dict[str, Any], community: str, base: str) -> Post:
    """A Post from a submission's listing fields (read from the dict so praw never refetches)."""
    selftext = data.get("selftext") or ""
    removed = selftext.strip() in _REMOVED or bool(data.get("removed_by_category"))
    return Post(
        community=community, source=SOURCE, external_id=data["id"], url=base + data.get("permalink", ""),
        thread_id=data["id"], parent_id=None, kind=POST, author=_author(data.get("author")),
        title=data.get("title") or "", body="" if removed else markdown_to_text(selftext),
        published=_time(data["created_utc"]), score=data.get("score"), reply_count=data.get("num_comments"),
        depth=0, upvote_ratio=data.get("upvote_ratio"), flair=data.get("link_flair_text") or None,
        removed=removed,
    )


def parse_comment(data: dict[str, Any], community: str, base: str, thread_id: str, depth: int) -> Post:
    body = data.get("body") or ""
    removed = body.strip() in _REMOVED
    return Post(
        community=community, source=SOURCE, external_id=data["id"], url=base + data.get("permalink", ""),
        thread_id=thread_id, parent_id=bare_id(data.get("parent_id") or thread_id), kind=COMMENT,
        author=_author(data.get("author")), title="", body="" if removed else markdown_to_text(body),
        published=_time(data["created_utc"]), score=data.get("score"), depth=depth,
        flair=data.get("author_flair_text") or None, removed=removed,
    )


def bare_id(fullname: str) -> str:
    """`t1_abc` or `t3_abc` -> `abc`: parent ids then equal the external ids of Posts."""
    return re.sub(r"^t\d_", "", fullname)


def matches(keywords: Iterable[str], *texts: str) -> bool:
    """Whether any keyword occurs as a whole word or phrase, ignoring case; no keywords keeps everything."""
    words = [k for k in keywords if k.strip()]
    if not words:
        return True
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(k.strip())}(?!\w)" for k in words), re.IGNORECASE)
    return any(pattern.search(text or "") for text in texts)


_MD_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"```.*?\n(.*?)```", re.S), r"\1"),                      # fenced code: keep the code
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),                      # images -> alt text
    (re.compile(r"\[([^\]]+)\]\((?:[^()\s]|\([^)]*\))*(?:\s+\"[^\"]*\")?\)"), r"\1"),  # [text](url)
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),                        # <autolinks>
    (re.compile(r">!(.*?)!<", re.S), r"\1"),                             # >!spoilers!<
    (re.compile(r"^ {0,3}(?:>[ \t]?)+", re.M), ""),                      # > quote markers
    (re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t]*#*[ \t]*$", re.M), r"\1"),        # # headings
    (re.compile(r"^ {0,3}(?:[-*_][ \t]*){3,}$", re.M), ""),              # --- rules
    (re.compile(r"^([ \t]*)[-*+][ \t]+", re.M), r"\1"),                  # - bullets
    (re.compile(r"^[ \t]*\|?(?:[ \t]*:?-{3,}:?[ \t]*\|?)+[ \t]*$", re.M), ""),         # table separators
    (re.compile(r"^[ \t]*\|(.*?)\|?[ \t]*$", re.M), r"\1"),              # | table row |
    (re.compile(r"[ \t]*\|[ \t]*"), " | "),                              # table cells
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", re.S), r"\2"),         # **bold**
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])", re.S), r"\1"),  # *italic*
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)", re.S), r"\1"),     # _italic_
    (re.compile(r"~~(.+?)~~", re.S), r"\1"),                             # ~~strike~~
    (re.compile(r"`([^`]+)`"), r"\1"),                                   # `code`
    (re.compile(r"\^\(([^)]*)\)|\^(?=\S)"), r"\1"),                      # ^superscript
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>~|^])"), r"\1"),               # backslash escapes
    (re.compile(r"&#x200[Bb];|\u200b|&nbsp;"), " "),                     # Reddit's blank-line filler
]


def markdown_to_text(markdown: str | None) -> str:
    """Reddit markdown reduced to readable plain text: markup dropped, link texts and line breaks kept."""
    if not markdown:
        return ""
    text = markdown.replace("\r\n", "\n").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    for pattern, replacement in _MD_RULES:
        text = pattern.sub(replacement, text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def retry_after(headers: Any) -> float | None:
    """Seconds to wait from Retry-After, else from x-ratelimit-reset once the quota is spent."""
    value = headers.get("retry-after")
    if value is None and _number(headers.get("x-ratelimit-remaining")) == 0:
        value = headers.get("x-ratelimit-reset")
    seconds = _number(value)
    return None if seconds is None else max(0.0, seconds)


def translate(exc: Exception, subreddit: str) -> SourceError:
    """prawcore/praw errors -> the project's tree. Messages are ours: no header or secret leaks in."""
    where = f"r/{subreddit}"
    if isinstance(exc, prawcore.OAuthException):
        return SourceRejected(f"Reddit rejected the credentials ({exc.error}): "
                              "check praw_client_id and praw_client_secret")
    if isinstance(exc, prawcore.Redirect):
        return SourceRejected(f"{where} does not exist (Reddit redirected to {exc.path})")
    if isinstance(exc, prawcore.RequestException):
        return SourceUnavailable(f"{where}: could not reach Reddit ({type(exc.original_exception).__name__})")
    if isinstance(exc, prawcore.ResponseException):
        return _translate_status(exc, where)
    return SourceRejected(f"{where}: Reddit answered unexpectedly ({type(exc).__name__})")


def credentials_refused(exc: Exception) -> bool:
    """Reddit refused our client id/secret: true for every community, so stop asking this run."""
    if isinstance(exc, prawcore.OAuthException | prawcore.InvalidToken):
        return True
    return isinstance(exc, prawcore.ResponseException) and exc.response.status_code == 401


def _translate_status(exc: prawcore.ResponseException, where: str) -> SourceError:
    response = exc.response
    status = response.status_code
    reason = _reason(response)
    if credentials_refused(exc):
        return SourceRejected("Reddit rejected the credentials (HTTP 401): "
                              "check praw_client_id and praw_client_secret")
    if status == 429:
        wait = retry_after(response.headers)
        hint = f"retry after {wait:g}s" if wait is not None else "no Retry-After given"
        return SourceUnavailable(f"{where}: Reddit rate limit hit (HTTP 429), {hint}", retry_after=wait)
    if status >= 500:
        wait = retry_after(response.headers)
        return SourceUnavailable(f"{where}: Reddit server error (HTTP {status})", retry_after=wait)
    if status in (403, 404) and reason in ("private", "quarantined", "banned", "gold_only"):
        return SourceRejected(f"{where} is {reason.replace('_', ' ')} (HTTP {status})")
    if status == 404:
        return SourceRejected(f"{where} does not exist (HTTP 404)")
    if status == 403:
        return SourceRejected(f"{where}: Reddit refused access (HTTP 403)")
    if status == 451:
        return SourceRejected(f"{where} is unavailable for legal reasons (HTTP 451)")
    return SourceRejected(f"{where}: Reddit answered HTTP {status}")


def _reason(response: Any) -> str:
    try:
        body = json.loads(response.text or "{}")
    except ValueError:
        return ""
    return str(body.get("reason") or "").lower() if isinstance(body, dict) else ""


def _author(value: Any) -> str | None:
    name = str(value) if value is not None else None
    return None if not name or name in _REMOVED else name


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(float(epoch), tz=UTC)


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
