"""The one polite HTTP client every connector fetches through.

Per-host token buckets, pauses on Retry-After, retries with backoff for transient failures only,
robots.txt, conditional GET checked by content hash, timeouts and a body-size cap enforced while
streaming. httpx errors are translated to the project's SourceError tree here and nowhere else.
"""

from __future__ import annotations

import codecs
import email.utils
import fnmatch
import hashlib
import json
import random
import re
import threading
import time
import urllib.robotparser
import zlib
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from pipeline.errors import (
    ConfigError,
    Gone,
    HostDown,
    Interrupted,
    RobotsDisallowed,
    SourceRejected,
    SourceUnavailable,
    one_line,
)
from pipeline.models import FetchSettings, Validator, redact

TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504, 520, 521, 522, 523, 524}
MAX_FRESH = timedelta(days=1)  # never trust a max-age or <ttl> for longer than this
MAX_BACKOFF = 60.0
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([\w\-.:]+)""", re.I)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-.:]+)""", re.I)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_\-.:]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_NO_SUCH_HOST = re.compile(r"name or service not known|nodename nor servname|no address associated|"
                           r"name resolution|getaddrinfo failed|name does not resolve|no such host", re.I)
T = TypeVar("T")
# Set by the CLI on the first Ctrl-C: every client stops sending requests (and waiting) at once.
INTERRUPT = threading.Event()


class _ConnectFailed(SourceUnavailable):
    """The host refused or did not answer the connection: retried, then the host is given up for the run."""


@dataclass(frozen=True, slots=True)
class Response:
    url: str
    status: int
    headers: Mapping[str, str]
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    def text(self) -> str:
        """Decoded with the header's charset, else the document's own, else UTF-8 (lossless on bad bytes)."""
        return self.content.decode(self.charset() or "utf-8", errors="replace")

    def charset(self) -> str | None:
        """The charset a byte-order mark, the Content-Type header or the document itself declares."""
        for bom, name in _BOMS:
            if self.content.startswith(bom):
                return name
        match = _HEADER_CHARSET.search(self.headers.get("content-type", ""))
        found = match.group(1) if match else None
        if not found:
            head = self.content[:2048]
            sniff = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
            found = sniff.group(1).decode("ascii") if sniff else None
        try:
            return codecs.lookup(found).name if found else None
        except LookupError:
            return None

    def json(self) -> Any:
        try:
            return json.loads(self.content)
        except ValueError as exc:
            raise SourceRejected(f"{redact(self.url)}: not valid JSON ({exc})") from exc


@dataclass
class _Host:
    tokens: float
    updated: float
    not_before: float = 0.0  # monotonic time before which nobody may call this host (Retry-After)
    crawl_delay: float = 0.0  # seconds between requests that the host's robots.txt asks for
    lock: threading.Lock = field(default_factory=threading.Lock)
    robots_lock: threading.Lock = field(default_factory=threading.Lock)


class Http:
    """A shared, thread-safe, polite HTTP client. Pass `transport=` to point it anywhere in tests."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = s = _checked(settings or FetchSettings())
        self._client = httpx.Client(
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "gzip, deflate"},
            timeout=httpx.Timeout(s.read_timeout, connect=s.connect_timeout),
            follow_redirects=True,
            max_redirects=s.max_redirects,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
            transport=transport,
        )
        self._sleep, self._clock, self._now = sleep, clock, now
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[str, urllib.robotparser.RobotFileParser] = {}
        self._lock = threading.Lock()
        self.requests = 0  # every request sent, retries and robots.txt included
        self._mine = threading.local()  # the same count per thread: one community's share of a shared client
        self._down: dict[str, str] = {}  # host -> why it was given up on for the rest of the run

    @property
    def thread_requests(self) -> int:
        """Requests sent from the calling thread: what one community (fetched on one thread) cost."""
        return getattr(self._mine, "requests", 0)

    @property
    def thread_left_out(self) -> dict[str, int]:
        """URLs of given-up hosts that the calling thread did not ask for, per host (a copy)."""
        return dict(getattr(self._mine, "left_out", {}))

    def down_reason(self, host: str) -> str:
        return self._down.get(host, "")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Http:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        rate: float | None = None,
        accept: Collection[str] | None = None,
    ) -> Response:
        """GET with robots.txt, rate limit and retries; a 304 comes back as a Response with status 304.

        `rate` overrides the per-host requests per second (a community's own setting); `accept` lists
        the media types the caller can use (shell patterns such as "*xml*"), anything else is rejected.
        """
        if params:
            url = str(httpx.URL(url).copy_merge_params(params))
        self._check_alive(url)
        if self.settings.robots and not self.allowed(url):
            raise RobotsDisallowed(f"{redact(url)}: disallowed by robots.txt for our user agent")
        return self._retrying(url, lambda: self._once(url, headers, rate, accept))

    def get_conditional(
        self, url: str, previous: Validator | None, **kwargs: Any
    ) -> tuple[Response | None, Validator]:
        """Fetch unless unchanged: returns (None, validator) on a fresh cache, a 304, or an identical body."""
        now = self._now()
        if previous and previous.fresh_until and previous.fresh_until > now:
            return None, previous
        headers = dict(kwargs.pop("headers", None) or {})
        if previous and previous.etag:
            headers["If-None-Match"] = previous.etag
        if previous and previous.last_modified:
            headers["If-Modified-Since"] = previous.last_modified
        response = self.get(url, headers=headers, **kwargs)
        if response.status == 304 and previous:
            return None, _validator(response, previous.sha256, now, previous)
        validator = self.validator(response, now)
        if previous and previous.sha256 == validator.sha256:
            return None, validator  # servers that ignore validators still send the same bytes
        return response, validator

    def validator(self, response: Response, now: datetime | None = None) -> Validator:
        """What to send next time for a response in hand (as get_conditional records it)."""
        return _validator(response, response.sha256, now or self._now())

    def allowed(self, url: str) -> bool:
        """Whether robots.txt of the URL's host lets our user agent fetch it (fetched once per host)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._host(parts.netloc).robots_lock:  # one robots.txt fetch per host, however many threads
            parser = self._robots.get(origin)
            if parser is None:
                parser = self._retrying(origin, lambda: self._fetch_robots(origin))
                self._robots[origin] = parser
        return parser.can_fetch(self.settings.user_agent, url)

    def _retrying(self, url: str, attempt_once: Callable[[], T]) -> T:
        """Retry transient failures with exponential backoff and jitter; anything else fails at once. A host
        that still refuses the connection after the retries is given up on for the rest of the run."""
        attempt = 0
        while True:
            try:
                return attempt_once()
            except SourceUnavailable as exc:
                attempt += 1
                if attempt > self.settings.retries:
                    if isinstance(exc, _ConnectFailed):
                        raise self._give_up(url, str(exc)) from exc
                    raise
                self._wait(self._backoff(url, attempt, exc.retry_after))

    def _check_alive(self, url: str) -> None:
        _stop_if_interrupted()
        host = urlsplit(url).netloc
        if host in self._down:
            left = self._mine.__dict__.setdefault("left_out", {})
            left[host] = left.get(host, 0) + 1
            raise HostDown(f"{redact(url)}: not fetched, {host} was given up on earlier in this run "
                           f"({self._down[host]})")

    def _give_up(self, url: str, reason: str) -> HostDown:
        host = urlsplit(url).netloc
        self._down.setdefault(host, reason.split(": ", 1)[-1][:200])
        return HostDown(f"{reason}; {host} is not tried again this run")

    def _wait(self, seconds: float) -> None:
        """Sleep, unless Ctrl-C comes first (a real sleep only: tests pass their own clock and sleep)."""
        if self._sleep is time.sleep:
            INTERRUPT.wait(seconds)
            _stop_if_interrupted()
        else:
            self._sleep(seconds)

    def _fetch_robots(self, origin: str) -> urllib.robotparser.RobotFileParser:
        """RFC 9309: a 4xx allows everything; a 5xx or no answer is transient (raised, not cached)."""
        parser = urllib.robotparser.RobotFileParser(f"{origin}/robots.txt")
        try:
            response = self._once(f"{origin}/robots.txt", None, None, None)
        except HostDown:
            raise
        except SourceRejected:  # 4xx, redirect loop, over the cap: "unavailable", so no rules
            parser.allow_all = True
            return parser
        parser.parse(response.text().splitlines())
        delay = parser.crawl_delay(self.settings.user_agent)
        if delay:
            self._host(urlsplit(origin).netloc).crawl_delay = min(float(delay), 60.0)
        return parser

    def _once(
        self,
        url: str,
        headers: Mapping[str, str] | None,
        rate: float | None,
        accept: Collection[str] | None,
    ) -> Response:
        host = urlsplit(url).netloc
        if rate is not None and rate <= 0:
            raise ConfigError(f"a community's rate must be above 0 requests per second (got {rate!r})")
        self._wait_turn(host, rate or self.settings.rate_per_host)
        with self._lock:
            self.requests += 1
        self._mine.requests = self.thread_requests + 1
        deadline = self._clock() + self.settings.total_timeout
        try:
            with self._client.stream("GET", url, headers=headers) as reply:
                self._check_status(reply, url, host)
                _check_type(reply, url, accept)
                content = self._read_capped(reply, url, deadline)
                return Response(str(reply.url), reply.status_code, _lower(reply.headers), content)
        except httpx.TooManyRedirects as exc:
            raise SourceRejected(f"{redact(url)}: more than {self.settings.max_redirects} redirects") from exc
        except httpx.ConnectError as exc:
            if _NO_SUCH_HOST.search(str(exc)):  # DNS says no: permanent for this run, no retries
                raise self._give_up(url, f"{redact(url)}: no such host ({one_line(exc, 200)})") from exc
            raise _ConnectFailed(f"{redact(url)}: {type(exc).__name__} {exc}".rstrip()) from exc
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise SourceUnavailable(f"{redact(url)}: {type(exc).__name__} {exc}".rstrip()) from exc
        except httpx.DecodingError as exc:
            raise SourceRejected(f"{redact(url)}: undecodable body ({exc})") from exc
        except (httpx.HTTPError, httpx.InvalidURL) as exc:
            raise SourceRejected(f"{redact(url)}: {type(exc).__name__} {exc}") from exc

    def _check_status(self, reply: httpx.Response, url: str, host: str) -> None:
        status = reply.status_code
        if status in TRANSIENT_STATUS:
            retry_after = _retry_after(reply.headers.get("retry-after"), self._now())
            if retry_after is not None:
                self._pause(host, retry_after)
            raise SourceUnavailable(f"{redact(url)}: HTTP {status} {reply.reason_phrase}".rstrip(), retry_after)
        if status in (404, 410):
            raise Gone(f"{redact(url)}: HTTP {status} {reply.reason_phrase}".rstrip())
        if status >= 400:
            raise SourceRejected(f"{redact(url)}: HTTP {status} {reply.reason_phrase}".rstrip())

    def _read_capped(self, reply: httpx.Response, url: str, deadline: float) -> bytes:
        """The decoded body, refused as soon as it passes the cap (declared or counted) or the deadline."""
        cap = self.settings.max_bytes
        declared = reply.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise SourceRejected(f"{redact(url)}: body of {int(declared):,} bytes is over the {cap:,}-byte cap")
        chunks, size = [], 0
        for chunk in _decoded(reply):
            size += len(chunk)
            if size > cap:
                raise SourceRejected(f"{redact(url)}: body is over the {cap:,}-byte cap")
            _stop_if_interrupted()
            if self._clock() > deadline:
                raise SourceUnavailable(f"{redact(url)}: took longer than {self.settings.total_timeout:g}s in total")
            chunks.append(chunk)
        return b"".join(chunks)

    def _host(self, host: str) -> _Host:
        with self._lock:
            if host not in self._hosts:
                self._hosts[host] = _Host(tokens=self.settings.burst, updated=self._clock())
            return self._hosts[host]

    def _wait_turn(self, host: str, rate: float) -> None:
        """Token bucket per host; a Retry-After pause holds every caller of that host."""
        state = self._host(host)
        if state.crawl_delay:
            rate = min(rate, 1 / state.crawl_delay)
        with state.lock:
            while True:
                now = self._clock()
                if state.not_before - now > self.settings.max_retry_after:
                    wait = state.not_before - now  # too long to hold this run: leave the host alone until next
                    raise SourceUnavailable(f"{host} asked us to wait {wait:.0f}s more; trying again next run", wait)
                if now < state.not_before:
                    self._wait(state.not_before - now)
                    continue
                burst = 1 if state.crawl_delay else self.settings.burst
                state.tokens = min(burst, state.tokens + (now - state.updated) * rate)
                state.updated = now
                if state.tokens >= 1:
                    state.tokens -= 1
                    return
                self._wait((1 - state.tokens) / rate)

    def _pause(self, host: str, seconds: float) -> None:
        state = self._host(host)
        with state.lock:
            state.not_before = max(state.not_before, self._clock() + seconds)

    def _backoff(self, url: str, attempt: int, retry_after: float | None) -> float:
        if retry_after is not None:
            if retry_after > self.settings.max_retry_after:
                raise SourceUnavailable(
                    f"{redact(url)}: server asked us to wait {retry_after:.0f}s; trying again next run", retry_after
                )
            return 0.0  # the host pause already holds us back
        base = min(self.settings.backoff * 2 ** (attempt - 1), MAX_BACKOFF)
        return base + random.uniform(0, base / 2)


def _stop_if_interrupted() -> None:
    if INTERRUPT.is_set():
        raise Interrupted("interrupted: no new requests")


def _checked(settings: FetchSettings) -> FetchSettings:
    """Settings that would divide by zero or never finish are a config error, said in one line."""
    positive = ("rate_per_host", "burst", "connect_timeout", "read_timeout", "total_timeout", "max_bytes")
    for name in positive:
        if not getattr(settings, name) > 0:
            raise ConfigError(f"[fetch] {name} must be above 0 (got {getattr(settings, name)!r})")
    if not settings.user_agent.strip():
        raise ConfigError("[fetch] user_agent must name the project and a contact URL, not be empty")
    return settings


def fresh_for(validator: Validator, seconds: float, now: datetime | None = None) -> Validator:
    """The validator kept fresh `seconds` from now (a feed's <ttl>), never less than it already was."""
    until = (now or datetime.now(UTC)) + min(timedelta(seconds=seconds), MAX_FRESH)
    if validator.fresh_until and validator.fresh_until > until:
        return validator
    return replace(validator, fresh_until=until)


def _decoded(reply: httpx.Response, piece: int = 65_536) -> Iterator[bytes]:
    """The body, each content-coding undone (stacked ones too: "gzip, gzip"), inflating at most `piece` bytes at
    a time, so a small gzip bomb never becomes a large buffer before the cap sees it (httpx would inflate a
    whole network chunk at once, and stacked codings would bypass this decoder)."""
    codings = [c.strip().lower() for c in reply.headers.get("content-encoding", "").split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    unknown = [c for c in codings if c not in ("gzip", "x-gzip", "deflate")]
    if unknown:
        raise httpx.DecodingError(f"unsupported content-encoding {', '.join(unknown)}")
    if not codings:
        yield from reply.iter_bytes()
        return
    chunks: Iterator[bytes] = reply.iter_raw()
    for coding in reversed(codings):  # the last coding applied is undone first
        chunks = _inflate(chunks, coding, piece)
    yield from chunks


def _inflate(chunks: Iterator[bytes], encoding: str, piece: int) -> Iterator[bytes]:
    inflater, started = zlib.decompressobj(zlib.MAX_WBITS | 32), False  # gzip or zlib header, detected
    try:
        for chunk in chunks:
            if not started and encoding == "deflate" and chunk[:1] and chunk[0] & 0x0F != 8:
                inflater = zlib.decompressobj(-zlib.MAX_WBITS)  # raw deflate, as some servers send it
            started = started or bool(chunk)
            data = inflater.decompress(chunk, piece)
            while data:
                yield data
                data = inflater.decompress(inflater.unconsumed_tail, piece)
        yield inflater.flush()
    except zlib.error as exc:
        raise httpx.DecodingError(f"{encoding}: {exc}") from exc


def _check_type(reply: httpx.Response, url: str, accept: Collection[str] | None) -> None:
    if not accept or reply.status_code == 304:
        return
    ctype = reply.headers.get("content-type", "").split(";")[0].strip().lower()
    if not any(fnmatch.fnmatchcase(ctype, pattern.lower()) for pattern in accept):
        raise SourceRejected(f"{redact(url)}: content type {ctype or 'missing'!r}, expected {' or '.join(accept)}")


def _retry_after(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _validator(response: Response, sha256: str | None, now: datetime, previous: Validator | None = None) -> Validator:
    """What to send next time; a 304 that omits a validator keeps the one we already had."""
    max_age = re.search(r"max-age\s*=\s*(\d+)", response.headers.get("cache-control", ""))
    seconds = int(max_age.group(1)) if max_age else 0
    return Validator(
        etag=response.headers.get("etag") or (previous.etag if previous else None),
        last_modified=response.headers.get("last-modified") or (previous.last_modified if previous else None),
        sha256=sha256,
        fresh_until=now + min(timedelta(seconds=seconds), MAX_FRESH) if seconds > 0 else None,
    )


def _lower(headers: httpx.Headers) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}
