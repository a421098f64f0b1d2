"""Authors pseudonymised with a keyed hash before anything is stored; the key never enters DuckDB.

The key comes from the environment (VOYAGE_AUTHOR_KEY) or from a key file created on first use, with
owner-only permissions, next to the DuckDB file. The same key gives the same pseudonym on every run,
so unique-author counts and per-author analysis still work; without the key a pseudonym cannot be
turned back into a name, and a name can only be checked against the pseudonyms by someone holding it.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.models import Post, ScoredPost

KEY_ENV = "VOYAGE_AUTHOR_KEY"
PREFIX = "anon-"


def key_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".author-key")


def author_key(db_path: Path, env: Mapping[str, str] | None = None) -> bytes:
    """The pseudonymisation key: $VOYAGE_AUTHOR_KEY, else the key file beside the DuckDB file (made once)."""
    env = os.environ if env is None else env
    if env.get(KEY_ENV):
        return env[KEY_ENV].encode("utf-8")
    path = key_path(db_path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_key(path)
    except OSError as exc:
        raise ConfigError(f"cannot create the author key file {path}: {exc.strerror}") from exc
    with os.fdopen(fd, "w", encoding="ascii") as file:
        file.write(secrets.token_hex(32) + "\n")
    return _read_key(path)


def pseudonym(name: str, key: bytes) -> str:
    """A stable, keyed, one-way stand-in for an author name (case and spacing do not matter)."""
    normal = " ".join(name.split()).casefold()
    return PREFIX + hmac.new(key, normal.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def protect(scored: Iterable[ScoredPost], key: bytes, store_authors: bool) -> list[ScoredPost]:
    """The batch as it may be stored: authors pseudonymised unless raw names are opted in."""
    if store_authors:
        return list(scored)
    return [replace(s, post=_pseudonymised(s.post, key)) for s in scored]


def without_text(scored: ScoredPost) -> ScoredPost:
    """A post's scores without its raw text, for posts already past the retention window when fetched."""
    mentions = tuple(replace(m, sentence="") for m in scored.mentions)
    return replace(scored, post=replace(scored.post, title="", body=""), mentions=mentions)


def is_forgotten(post: Post, key: bytes, forgotten: Mapping[str, set[str]]) -> bool:
    """Whether `voyage forget` removed this post, its thread or its author: then it is never stored again."""
    thread = post.key(post.thread_id)
    author = _pseudonymised(post, key).author
    return (
        post.id in forgotten.get("post", set())
        or thread in forgotten.get("thread", set())
        or post.url.rstrip("/") in forgotten.get("url", set())
        or (author is not None and author in forgotten.get("author", set()))
    )


def _pseudonymised(post: Post, key: bytes) -> Post:
    if not post.author or post.author.startswith(PREFIX):
        return post
    return replace(post, author=pseudonym(post.author, key))


def _read_key(path: Path) -> bytes:
    try:
        text = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read the author key file {path}: {exc}") from exc
    if len(text) < 32:
        raise ConfigError(f"the author key file {path} is empty or too short; delete it to make a new one")
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)  # others must not read the key
    return text.encode("ascii")
