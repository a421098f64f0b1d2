"""voyage.toml: parsed with tomllib into typed, validated settings; errors name the key and line."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.errors import ConfigError
from pipeline.models import Community, FetchSettings

KINDS = ("rss", "reddit", "discourse", "forum", "hn")
NEEDS = {"rss": "url", "discourse": "url", "forum": "url", "reddit": "subreddit", "hn": "keywords"}
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_COMMUNITY_KEYS = {"name", "kind", "url", "subreddit", "segment", "keywords"}


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Privacy:
    store_authors: bool = False  # raw author names are an explicit opt-in; default is a keyed hash
    retain_days: int = 0  # 0 keeps raw text forever


@dataclass(frozen=True, slots=True)
class Config:
    communities: tuple[Community, ...]
    brands: tuple[Brand, ...] = ()
    accept_add: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    accept_remove: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    privacy: Privacy = field(default_factory=Privacy)
    db_path: Path = Path("voyage.duckdb")
    source: Path | None = None

    def community(self, name: str) -> Community:
        for community in self.communities:
            if community.name == name:
                return community
        known = ", ".join(c.name for c in self.communities) or "none configured"
        raise ConfigError(f"no community named {name!r} in {self.source or 'the config'} (known: {known})")


def select(config: Config, names: list[str] | None) -> list[Community]:
    """The named communities (each must exist), or all of them."""
    return [config.community(n) for n in names] if names else list(config.communities)


def resolve_target(config: Config, target: str) -> Community:
    """What `voyage scan TARGET` means: a configured name, else a URL or r/SUBREDDIT."""
    if any(c.name == target for c in config.communities):
        return config.community(target)
    return community_from_target(target)


def load_config(path: Path | str, *, missing_ok: bool = False) -> Config:
    """Read and validate voyage.toml; with `missing_ok`, a missing file means no communities and defaults."""
    path = Path(path)
    if missing_ok and not path.exists():
        return Config(communities=(), db_path=path.parent / "voyage.duckdb")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: no such file (write one, or run `voyage demo` to see an example)") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read ({exc})") from exc
    return parse_config(text, source=path)


def parse_config(text: str, source: Path | None = None) -> Config:
    where = str(source or "voyage.toml")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{where}: invalid TOML: {exc}") from exc
    unknown = set(data) - {"community", "brand", "accept", "fetch", "store", "privacy"}
    if unknown:
        raise ConfigError(f"{where}: unknown section [{sorted(unknown)[0]}]")
    store = _table(data, "store", where)
    db_path = Path(store.get("path", "voyage.duckdb"))
    if source is not None and not db_path.is_absolute():
        db_path = source.parent / db_path
    accept = _table(data, "accept", where)
    return Config(
        communities=_communities(data.get("community", []), text, where),
        brands=_brands(data.get("brand", []), text, where),
        accept_add=_terms(accept.get("add", {}), "accept.add", where),
        accept_remove=_terms(accept.get("remove", {}), "accept.remove", where),
        fetch=_settings(FetchSettings, _table(data, "fetch", where), "fetch", where),
        privacy=_settings(Privacy, _table(data, "privacy", where), "privacy", where),
        db_path=db_path,
        source=source,
    )


def community_from_target(target: str, segment: str = "ad hoc") -> Community:
    """`voyage scan r/BuyItForLife` or `voyage scan https://blog.example.com` without a config entry."""
    if match := re.fullmatch(r"(?:/?r/)([A-Za-z0-9_]{2,21})/?", target):
        return Community(name=f"r-{match.group(1).lower()}", kind="reddit", segment=segment,
                         subreddit=match.group(1))
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{target!r} is neither a configured community, a URL, nor r/SUBREDDIT")
    name = re.sub(r"[^a-z0-9.\-]+", "-", (parts.netloc + parts.path).lower()).strip("-.")
    return Community(name=name, kind="rss", segment=segment, url=target)


def _communities(items: Any, text: str, where: str) -> tuple[Community, ...]:
    if not isinstance(items, list):
        raise ConfigError(f"{where}: `community` must be an array of tables ([[community]])")
    seen: set[str] = set()
    result = []
    for number, item in enumerate(items, 1):
        community = _community(item, number, text, where)
        if community.name in seen:
            line = _line(text, "name", community.name, nth=2)
            raise ConfigError(f"{where}{line}: duplicate community name {community.name!r}")
        seen.add(community.name)
        result.append(community)
    return tuple(result)


def _community(item: Any, number: int, text: str, where: str) -> Community:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: [[community]] #{number} must be a table")
    name = item.get("name")
    label = f"[[community]] #{number}"
    if not isinstance(name, str) or not _SLUG.match(name):
        raise ConfigError(f"{where}: {label}: `name` must be a slug like 'outdoor-gear' (got {name!r})")
    line = _line(text, "name", name)
    label = f"{where}{line}: community {name!r}"
    kind = item.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{label}: unknown kind {kind!r} (known: {', '.join(KINDS)})")
    for key in ("url", "subreddit", "segment"):
        if key in item and not (isinstance(item[key], str) and item[key].strip()):
            raise ConfigError(f"{label}: `{key}` must be a non-empty string")
    keywords = item.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) and k.strip() for k in keywords):
        raise ConfigError(f"{label}: `keywords` must be a list of non-empty strings")
    needed = NEEDS[kind]
    if not item.get(needed):
        raise ConfigError(f"{label}: kind {kind!r} needs `{needed}`")
    url = item.get("url")
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f"{label}: `url` must start with http:// or https:// (got {url!r})")
    subreddit = item.get("subreddit")
    if subreddit:
        subreddit = re.sub(r"^/?r/", "", subreddit).strip("/")
    return Community(
        name=name, kind=kind, segment=item.get("segment", "general"), url=url, subreddit=subreddit,
        keywords=tuple(k.strip() for k in keywords),
        options={k: v for k, v in item.items() if k not in _COMMUNITY_KEYS},
    )


def _brands(items: Any, text: str, where: str) -> tuple[Brand, ...]:
    if not isinstance(items, list):
        raise ConfigError(f"{where}: `brand` must be an array of tables ([[brand]])")
    brands = []
    for number, item in enumerate(items, 1):
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: [[brand]] #{number} needs a `name`")
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            line = _line(text, "name", name)
            raise ConfigError(f"{where}{line}: brand {name!r}: `aliases` must be a list of strings")
        brands.append(Brand(name.strip(), tuple(a.strip() for a in aliases)))
    return tuple(brands)


def _terms(value: Any, key: str, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table of value = [terms]")
    result = {}
    for name, terms in value.items():
        if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
            raise ConfigError(f"{where}: {key}.{name} must be a list of non-empty strings")
        result[name] = tuple(t.strip() for t in terms)
    return result


def _settings(cls: type, table: Mapping[str, Any], section: str, where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    values = {}
    for key, value in table.items():
        if key not in known:
            raise ConfigError(f"{where}: unknown setting {section}.{key} (known: {', '.join(known)})")
        expected = type(known[key].default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ConfigError(f"{where}: {section}.{key} must be {expected.__name__} (got {value!r})")
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ConfigError(f"{where}: {section}.{key} must not be negative (got {value!r})")
        values[key] = value
    return cls(**values)


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def _line(text: str, key: str, value: str, nth: int = 1) -> str:
    """' line N' of the nth `key = "value"` in the TOML text, or '' when it cannot be found."""
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=\s*[\"']{re.escape(value)}[\"']", re.M)
    matches = list(pattern.finditer(text))
    if len(matches) < nth:
        return ""
    return f" line {text.count(chr(10), 0, matches[nth - 1].start()) + 1}"
