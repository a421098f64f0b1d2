"""A loopback HTTP server for the demo and the tests: sample files plus pluggable API routes.

Files under the root are served at their path. Text files are templates: `{{base}}` becomes the
server's own URL, and `{{iso:-3d4h}}`, `{{rfc822:-12d}}`, `{{epoch:-2h}}` become times relative to
the moment the server started, so sample data always spans the weeks before today. Replies carry
ETag and Last-Modified and answer conditional requests with 304, as real feeds do. A server started at
`phase` N serves `name.phaseK.ext` (the highest K <= N) instead of `name.ext`: a thread that gains replies
between two demo runs.
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

_TEMPLATE = re.compile(r"\{\{(base|iso|rfc822|epoch)(?::([+-]?[0-9dhm]+))?\}\}")
_OFFSET = re.compile(r"([+-]?)(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_TEXT_TYPES = {".xml": "application/rss+xml", ".atom": "application/atom+xml", ".json": "application/json",
               ".html": "text/html", ".txt": "text/plain", ".rss": "application/rss+xml"}


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def arg(self, name: str, default: str | None = None) -> str | None:
        return self.query.get(name, [default])[0]


@dataclass
class Reply:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


Route = Callable[[Request], Reply | None]


class SampleServer:
    """`with SampleServer(root) as server:` serves on 127.0.0.1 at `server.base`, on a thread."""

    def __init__(self, root: Path | None = None, *, port: int = 0, now: datetime | None = None,
                 phase: int = 1, host: str = "127.0.0.1") -> None:
        self.root, self.phase = root, phase
        self.now = now or datetime.now(UTC).replace(microsecond=0)
        self.routes: list[tuple[str, Route]] = []
        self.hits: list[Request] = []  # every request seen, for tests that count
        self._lock = threading.Lock()
        self._httpd = _QuietServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self.base = f"http://{host}:{self._httpd.server_address[1]}"
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def route(self, prefix: str, handler: Route) -> None:
        """Answer paths starting with `prefix` with `handler` (a None reply falls through to files)."""
        self.routes.insert(0, (prefix, handler))

    def start(self) -> SampleServer:
        if not self._thread.is_alive():
            self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> SampleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def render(self, text: str) -> str:
        return _TEMPLATE.sub(lambda m: self._expand(m.group(1), m.group(2)), text)

    def variant(self, path: Path) -> Path:
        """The file this phase serves for `path`: its latest `.phaseK` variant up to the server's phase."""
        for k in range(self.phase, 1, -1):
            candidate = path.with_name(f"{path.stem}.phase{k}{path.suffix}")
            if candidate.is_file():
                return candidate
        return path

    def count(self, path_prefix: str) -> int:
        with self._lock:
            return sum(1 for r in self.hits if r.path.startswith(path_prefix))

    def _expand(self, what: str, offset: str | None) -> str:
        if what == "base":
            return self.base
        when = self.now + _offset(offset or "0d")
        if what == "iso":
            return when.isoformat().replace("+00:00", "Z")
        if what == "rfc822":
            return email.utils.format_datetime(when)
        return str(int(when.timestamp()))

    def dispatch(self, request: Request) -> Reply:
        with self._lock:
            self.hits.append(request)
        for prefix, handler in self.routes:
            if request.path.startswith(prefix):
                reply = handler(request)
                if reply is not None:
                    return reply
        return self._file(request)

    def _file(self, request: Request) -> Reply:
        if request.path == "/robots.txt" and not self._path("/robots.txt"):
            return Reply(200, "User-agent: *\nAllow: /\n", content_type="text/plain")
        path = self._path(request.path)
        if path is None:
            return Reply(404, "not found", content_type="text/plain")
        body = self.render(path.read_text(encoding="utf-8")).encode("utf-8")
        ctype = _TEXT_TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "text/plain"
        return conditional(request, body, ctype + "; charset=utf-8", self.now)

    def _path(self, url_path: str) -> Path | None:
        if self.root is None:
            return None
        clean = url_path.strip("/") or "index.html"
        candidate = (self.root / clean).resolve()
        if candidate.is_dir():
            index = [candidate / name for name in ("index.html", "index.xml", "index.json")]
            candidate = next((c for c in index if c.is_file()), index[0])
        if not candidate.is_file() or self.root.resolve() not in candidate.parents:
            return None
        return self.variant(candidate)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # small replies otherwise wait ~40 ms for a delayed ACK

            def do_GET(self) -> None:  # noqa: N802
                self._answer("GET")

            def do_POST(self) -> None:  # noqa: N802
                self._answer("POST")

            def _answer(self, method: str) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                query = parse_qs(parts.query, keep_blank_values=True)
                if method == "POST" and "form" in self.headers.get("content-type", ""):
                    query.update(parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True))
                request = Request(method, parts.path, query, {k.lower(): v for k, v in self.headers.items()}, body)
                send(self, server.dispatch(request))

            def log_message(self, *args: object) -> None:
                pass

        return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """Clients that hang up early (timeouts, tests of them) are normal here, not worth a traceback."""


def send(handler: BaseHTTPRequestHandler, reply: Reply) -> None:
    body = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
    handler.send_response(reply.status)
    ctype = reply.content_type
    if "charset" not in ctype and (ctype.startswith("text/") or ctype.endswith(("json", "xml"))):
        ctype += "; charset=utf-8"
    handler.send_header("Content-Type", ctype)
    for name, value in reply.headers.items():
        handler.send_header(name, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    if reply.status != 304:
        handler.wfile.write(body)


def conditional(request: Request, body: bytes, content_type: str, modified: datetime) -> Reply:
    """A reply with validators, or a 304 when the client already holds this body."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
    last_modified = email.utils.format_datetime(modified, usegmt=True)
    headers = {"ETag": etag, "Last-Modified": last_modified}
    if request.headers.get("if-none-match") == etag:
        return Reply(304, b"", headers, content_type)
    return Reply(200, body, headers, content_type)


def _offset(text: str) -> timedelta:
    match = _OFFSET.match(text)
    if not match:
        raise ValueError(f"bad time offset {text!r} in a sample file (use e.g. -3d4h)")
    sign = -1 if match.group(1) == "-" else 1
    days, hours, minutes = (int(g or 0) for g in match.groups()[1:])
    return sign * timedelta(days=days, hours=hours, minutes=minutes)
