"""A loopback HTTP server that misbehaves on purpose: scripted replies per path, on raw sockets.

http.server cannot hang mid-reply, reset a connection, or send fewer bytes than it declared, so
this one writes the bytes itself. `server.script("/feed", status(500), ok("<rss/>"))` makes the
first request to /feed fail and every later one succeed; `server.count("/feed")` counts attempts.
Unscripted paths answer 404, except /robots.txt, which allows everything.
"""

from __future__ import annotations

import gzip
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

Act = Callable[[socket.socket, threading.Event], None]


@dataclass(frozen=True)
class Hit:
    path: str
    headers: Mapping[str, str]
    at: float  # time.monotonic() when the request arrived


class FaultServer:
    """`with FaultServer() as server:` listens on 127.0.0.1 at `server.base`."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self.hits: list[Hit] = []
        self._scripts: dict[str, list[Act]] = {}
        self._stop = threading.Event()
        self._lock = threading.Lock()

    def script(self, path: str, *acts: Act) -> FaultServer:
        """The nth request to `path` gets the nth act; the last act repeats."""
        self._scripts[path] = list(acts)
        return self

    def count(self, path: str) -> int:
        with self._lock:
            return sum(1 for hit in self.hits if hit.path == path)

    def paths(self) -> list[str]:
        with self._lock:
            return [hit.path for hit in self.hits]

    def __enter__(self) -> FaultServer:
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        try:
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close alone may not
        except OSError:
            pass
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            hit = _read_request(conn)
            if hit is None:
                return
            with self._lock:
                self.hits.append(hit)
                seen = sum(1 for h in self.hits if h.path == hit.path)
            try:
                self._act_for(hit.path, seen)(conn, self._stop)
            except OSError:
                pass  # the client gave up first (e.g. timed out): that is the point of some acts

    def _act_for(self, path: str, nth: int) -> Act:
        acts = self._scripts.get(path)
        if acts:
            return acts[min(nth, len(acts)) - 1]
        if path == "/robots.txt":
            return ok("User-agent: *\nAllow: /\n", "text/plain")
        return status(404)


def ok(body: bytes | str, content_type: str = "text/plain; charset=utf-8", **headers: str) -> Act:
    return status(200, body, content_type, **headers)


def status(code: int, body: bytes | str = b"", content_type: str = "text/plain", **headers: str) -> Act:
    """A complete, well-formed reply; header names are given with underscores (Retry_After=...)."""
    data = body.encode("utf-8") if isinstance(body, str) else body

    def act(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(_head(code, {"Content-Type": content_type, "Content-Length": str(len(data)), **headers}) + data)

    return act


def gzipped(body: bytes, content_type: str = "application/rss+xml", encoding: str = "gzip") -> Act:
    packed = gzip.compress(body) if encoding == "gzip" else zlib.compress(body)
    return status(200, packed, content_type, Content_Encoding=encoding)


def redirect(to: str) -> Act:
    return status(302, b"", Location=to)


def hang(seconds: float = 10.0) -> Act:
    """Read the request, then say nothing until the client gives up (or the server stops)."""

    def act(conn: socket.socket, stop: threading.Event) -> None:
        stop.wait(seconds)

    return act


def reset() -> Act:
    """Close with a TCP RST instead of a reply."""

    def act(conn: socket.socket, stop: threading.Event) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    return act


def truncated(body: bytes, declared: int) -> Act:
    """Promise `declared` bytes, send `body` (fewer), then close."""

    def act(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(_head(200, {"Content-Type": "text/plain", "Content-Length": str(declared)}) + body)

    return act


def unsized(chunk: bytes, times: int, content_type: str = "text/plain") -> Act:
    """A body with no Content-Length, streamed in pieces and ended by closing the connection."""

    def act(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(_head(200, {"Content-Type": content_type}))
        for _ in range(times):
            conn.sendall(chunk)

    return act


def slow(body: bytes, every: float) -> Act:
    """A byte at a time, each just inside the read timeout: only a total deadline stops it."""

    def act(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(_head(200, {"Content-Type": "text/plain", "Content-Length": str(len(body))}))
        for byte in body:
            if stop.wait(every):
                return
            conn.sendall(bytes([byte]))

    return act


def _head(code: int, headers: Mapping[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {code} {_REASONS.get(code, 'Status')}", "Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _read_request(conn: socket.socket) -> Hit | None:
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            piece = conn.recv(4096)
            if not piece:
                return None
            data += piece
    except OSError:
        return None
    raw, body = data.split(b"\r\n\r\n", 1)
    head = raw.decode("latin-1").split("\r\n")
    target = head[0].split(" ")[1]
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in head[1:] if ": " in line)}
    try:  # read a request body too: closing with unread bytes would reset the connection
        while len(body) < int(headers.get("content-length", 0)):
            piece = conn.recv(4096)
            if not piece:
                break
            body += piece
    except (OSError, ValueError):
        return None
    return Hit(urlsplit(target).path, headers, time.monotonic())


_REASONS = {200: "OK", 302: "Found", 304: "Not Modified", 401: "Unauthorized", 403: "Forbidden",
            404: "Not Found", 410: "Gone", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}
