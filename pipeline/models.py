"""The values that flow through the pipeline: communities, posts, cursors, scores (stdlib only)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

POST = "post"
COMMENT = "comment"
LOCATION_OPTIONS = ("feeds", "category", "search_url", "item_url")  # per-community options that say where to read
_SECRET_PARAM = re.compile(r"(?i)(key|token|secret|password|passwd|auth|sig|signature|session)")


@dataclass(frozen=True, slots=True)
class FetchSettings:
    """How politely and how far we fetch; `[fetch]` in voyage.toml."""

    user_agent: str = "WebVoyage/0.1 (voice-of-customer research; +https://github.com/web-voyage/web-voyage)"
    rate_per_host: float = 1.0  # sustained requests per second to one host
    burst: int = 4
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 15_000_000
    max_redirects: int = 5
    retries: int = 3
    backoff: float = 1.0  # seconds; doubled per try, with jitter
    max_retry_after: float = 120.0  # a longer Retry-After fails the request as unavailable
    robots: bool = True
    lookback_days: int = 30  # how far back a first run reaches
    lag_hours: float = 48.0  # re-read window so edits, new comments and score changes land
    max_comments: int = 2000  # per community per run (e.g. Reddit "more comments" budget)


@dataclass(frozen=True, slots=True)
class Community:
    """One place where customers talk, as named in voyage.toml."""

    name: str
    kind: str
    segment: str
    url: str | None = None
    subreddit: str | None = None
    keywords: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def location(self) -> str:
        return self.url or (f"r/{self.subreddit}" if self.subreddit else "")

    @property
    def fingerprint(self) -> str:
        """Where this community is read from: a cursor is only valid for the fingerprint it was made for, so a
        changed url, feeds, subreddit, category or endpoint starts the community afresh."""
        where = {key: self.options.get(key) for key in LOCATION_OPTIONS if self.options.get(key)}
        place = json.dumps([self.kind, self.url, self.subreddit, where], sort_keys=True, default=str)
        return hashlib.sha256(place.encode()).hexdigest()[:32]  # a hash: a URL's credentials never reach the file

    @property
    def secrets(self) -> list[str]:
        """Credentials in the community's URLs (a password, a key- or token-like query value), longest first:
        they are replaced by placeholders wherever the store keeps URLs, and put back when they are read."""
        urls = [self.url or "", *(self.options.get("feeds") or ()), str(self.options.get("search_url") or "")]
        return sorted({s for url in urls for s in url_secrets(url) if len(s) >= 3}, key=len, reverse=True)


@dataclass(frozen=True, slots=True)
class Post:
    """A normalised post or comment. Ids are the source's own; `Post.id` is our stable key."""

    community: str
    source: str
    external_id: str
    url: str
    thread_id: str
    parent_id: str | None
    kind: str  # POST or COMMENT
    author: str | None
    title: str
    body: str  # plain text, HTML stripped
    published: datetime  # aware, UTC
    score: int | None = None
    reply_count: int | None = None
    depth: int = 0
    upvote_ratio: float | None = None
    flair: str | None = None
    removed: bool = False  # deleted or removed at the source: kept, never scored as text

    @property
    def id(self) -> str:
        return post_key(self.community, self.source, self.external_id)

    def key(self, external_id: str) -> str:
        """The stored key of another item of this post's community and source (its thread, its parent)."""
        return post_key(self.community, self.source, external_id)

    @property
    def text(self) -> str:
        """What gets scored: the title (for posts) and body."""
        if self.removed:
            return ""
        if self.title and self.kind == POST:
            return f"{self.title}.\n{self.body}" if self.body else self.title
        return self.body


def redact(url: str) -> str:
    """The URL as error messages, run rows and the store show it: no password, no key- or token-like query value."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable URL>"
    netloc = parts.netloc.rpartition("@")[2]
    if parts.username:
        netloc = f"{parts.username}:***@{netloc}" if parts.password else f"{parts.username}@{netloc}"
    query = [(k, "***" if _SECRET_PARAM.search(k) else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="*/:"), parts.fragment))


def url_secrets(url: str) -> list[str]:
    try:
        parts = urlsplit(url)
        found = [parts.password] if parts.password else []
    except ValueError:
        return []
    return found + [v for k, v in parse_qsl(parts.query) if v and _SECRET_PARAM.search(k)]


def post_key(community: str, source: str, external_id: str) -> str:
    """Our stable key: a post belongs to its community, since forums number their posts alike (each Discourse
    forum starts at 1) and one page may be followed by two communities, each counting it."""
    return f"{community}/{source}:{external_id}"


@dataclass(frozen=True, slots=True)
class Validator:
    """What we know about one URL to fetch it conditionally."""

    etag: str | None = None
    last_modified: str | None = None
    sha256: str | None = None
    fresh_until: datetime | None = None  # from Cache-Control max-age or a feed's <ttl>


@dataclass(frozen=True, slots=True)
class Cursor:
    """Incremental state of one community, stored as JSON by the store."""

    newest: datetime | None = None  # newest published time seen
    newest_id: str | None = None
    validators: Mapping[str, Validator] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)  # kind-specific, JSON-able
    location: str | None = None  # the Community.fingerprint it was made for

    def with_validator(self, url: str, validator: Validator) -> Cursor:
        return replace(self, validators={**self.validators, url: validator})

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, default=_json_default, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | None) -> Cursor:
        if not text:
            return cls()
        data = json.loads(text)
        validators = {
            url: Validator(**{**v, "fresh_until": _parse_dt(v.get("fresh_until"))})
            for url, v in data.get("validators", {}).items()
        }
        return cls(
            newest=_parse_dt(data.get("newest")),
            newest_id=data.get("newest_id"),
            validators=validators,
            state=data.get("state", {}),
            location=data.get("location"),
        )


@dataclass(frozen=True, slots=True)
class FetchResult:
    """What a connector hands back: the posts, the cursor to store with them, and what it noticed."""

    posts: list[Post]
    cursor: Cursor
    warnings: tuple[str, ...] = ()
    missed: int = 0  # items known to exist but left out (budget, listing cap)
    requests: int = 0


@dataclass
class ThreadResult:
    """One thread read directly (a probe's): its posts, and what became of it. `state` is live, locked (no new
    replies allowed), deleted (its opening post removed) or vanished (the thread is not there)."""

    posts: list[Post]
    state: str = "live"
    note: str | None = None
    requests: int = 0


@dataclass(frozen=True, slots=True)
class Sentiment:
    compound: float
    pos: float
    neu: float
    neg: float

    @property
    def label(self) -> str:
        return sentiment_label(self.compound)


def sentiment_label(compound: float) -> str:
    """VADER's standard thresholds."""
    if compound >= 0.05:
        return "positive"
    if compound <= -0.05:
        return "negative"
    return "neutral"


@dataclass(frozen=True, slots=True)
class Mention:
    """A value or brand term found in a sentence, carrying that sentence's sentiment."""

    post_id: str
    kind: str  # "value" or "brand"
    name: str  # the ACCEPT value or the brand
    term: str
    sentence_idx: int
    start: int  # character span within the sentence
    end: int
    sentence: str
    compound: float


@dataclass(frozen=True, slots=True)
class ScoredPost:
    post: Post
    sentiment: Sentiment | None  # None for removed posts and empty texts
    sentences: int = 0
    mentions: tuple[Mention, ...] = ()
    lang: str | None = None  # pipeline.language code; only "en" texts carry sentiment and mentions


def utc(dt: datetime) -> datetime:
    """An aware UTC datetime; naive input is taken as UTC."""
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _parse_dt(value: str | None) -> datetime | None:
    return utc(datetime.fromisoformat(value)) if value else None


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON-able: {type(value).__name__}")
