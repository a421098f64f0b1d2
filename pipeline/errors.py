"""The one exception tree of Web Voyage (stdlib only).

VoyageError
├── ConfigError            voyage.toml or a command line is wrong
├── SourceError            a community could not be fetched
│   ├── SourceUnavailable  transient: timeout, reset, 429, 5xx; worth a retry
│   ├── SourceRejected     permanent: 401/403/404/410, unparseable
│   │   ├── RobotsDisallowed   robots.txt says no
│   │   └── HostDown       the host's name does not resolve, or it refused to connect: not tried again this run
│   └── SourceSkipped      deliberately not fetched (e.g. no Reddit credentials)
├── StorageError           the DuckDB file cannot be read or written
│   └── DatabaseLocked     another process holds the file
└── Interrupted            the user pressed Ctrl-C: no new requests, what is loaded stays
"""

from __future__ import annotations


class VoyageError(Exception):
    """Root of every error Web Voyage raises on purpose."""


class ConfigError(VoyageError):
    pass


class SourceError(VoyageError):
    pass


class SourceUnavailable(SourceError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SourceRejected(SourceError):
    pass


class RobotsDisallowed(SourceRejected):
    pass


class Gone(SourceRejected):
    """HTTP 404 or 410: the page or thread is not there (deleted, or never was)."""


class HostDown(SourceRejected):
    pass


class SourceSkipped(SourceError):
    pass


class Interrupted(VoyageError):
    """Not a SourceError: nothing may swallow it as one community's trouble."""


class StorageError(VoyageError):
    pass


class DatabaseLocked(StorageError):
    pass


def one_line(value: object, limit: int = 1000) -> str:
    """Any message (an exception, a parser's complaint) as one line of at most `limit` characters."""
    return " ".join(str(value).split())[:limit]


def is_transient(exc: BaseException) -> bool:
    """The one place that decides whether a failure is worth retrying."""
    return isinstance(exc, SourceUnavailable)
