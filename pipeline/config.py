"""voyage.toml: parsed with tomllib into typed, validated settings; errors name the key and line."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pipeline.accept import VALUES
from pipeline.errors import ConfigError
from pipeline.models import Community, FetchSettings

KINDS = ("rss", "reddit", "discourse", "forum", "hn")
NEEDS = {"rss": "url", "discourse": "url", "forum": "url", "reddit": "subreddit", "hn": "keywords"}
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_COMMUNITY_KEYS = {"name", "kind", "url", "subreddit", "segment", "keywords"}
SECTIONS = ("community", "brand", "accept", "fetch", "store", "privacy", "alerts", "probe")
PROBE_KEYS = ("url", "topic", "hypothesis", "community", "days")
# Per-community options on top of _COMMUNITY_KEYS, by kind, with their type: "rate" (requests/s, > 0), "number"
# (>= 0), "count" (whole number > 0), "string", "url", "urls" (a list of URLs).
_COMMON_OPTIONS = {"rate": "rate", "lag_hours": "number", "lookback_days": "number"}
OPTIONS = {
    "rss": _COMMON_OPTIONS,
    "forum": {**_COMMON_OPTIONS, "feeds": "urls"},
    "discourse": {**_COMMON_OPTIONS, "category": "string", "max_posts": "count"},
    "reddit": {"lag_hours": "number", "lookback_days": "number", "max_comments": "count", "listing_cap": "count"},
    "hn": {**_COMMON_OPTIONS, "search_url": "url", "item_url": "url", "max_hits": "count", "hits_per_page": "count"},
}


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
    alerts_webhook: str | None = None  # [alerts] webhook: where new alerts are POSTed after each run
    alerts_block: str | None = None  # [alerts] block: a Prefect notification block ("slack-webhook/marketing")
    probes: tuple[Mapping[str, Any], ...] = ()  # [[probe]]: threads posted, observed like `voyage probe add`

    def community(self, name: str) -> Community:
        for community in self.communities:
            if community.name.lower() == name.lower():
                return community
        known = ", ".join(c.name for c in self.communities) or "none configured"
        raise ConfigError(f"no community named {name!r} in {self.source or 'the config'} (known: {known})")


def select(config: Config, names: list[str] | None) -> list[Community]:
    """The named communities (each must exist), or all of them."""
    return [config.community(n) for n in names] if names else list(config.communities)


def resolve_target(config: Config, target: str) -> Community:
    """What `voyage scan TARGET` means: a configured name, else a URL or r/SUBREDDIT. A URL or subreddit that a
    configured community reads runs as that community, so a scan never re-homes its posts or moves its cursor."""
    if any(c.name.lower() == target.lower() for c in config.communities):
        return config.community(target)
    adhoc = community_from_target(target)
    wanted = _place(adhoc.location)
    for community in config.communities:
        if wanted in {_place(community.location), *map(_place, community.options.get("feeds") or ())}:
            return community
    return adhoc


def _place(location: str) -> str:
    """A location compared the way a person means it: no scheme, 'www.', trailing slash or case."""
    return re.sub(r"^(?:https?://)?(?:www\.)?", "", location.strip().lower()).rstrip("/")


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
    _known_keys(data, SECTIONS, "section [{key}]", text, where)
    store = _table(data, "store", where)
    _known_keys(store, ("path",), "setting store.{key}", text, where, "[store]")
    path = store.get("path", "voyage.duckdb")
    if not isinstance(path, str) or not path.strip():
        raise ConfigError(f"{where}{_key_line(text, 'path', '[store]')}: store.path must be a file path (got {path!r})")
    db_path = Path(path)
    if source is not None and not db_path.is_absolute():
        db_path = source.parent / db_path
    accept = _table(data, "accept", where)
    _known_keys(accept, ("add", "remove"), "setting accept.{key}", text, where, "[accept]")
    alerts = _table(data, "alerts", where)
    _known_keys(alerts, ("webhook", "block"), "setting alerts.{key}", text, where, "[alerts]")
    if "webhook" in alerts:
        _check_option(alerts["webhook"], "url", f"{where}{_key_line(text, 'webhook', '[alerts]')}: alerts.webhook")
    if "block" in alerts and not (isinstance(alerts["block"], str) and re.fullmatch(r"[\w-]+/[\w-]+", alerts["block"])):
        raise ConfigError(f"{where}{_key_line(text, 'block', '[alerts]')}: alerts.block must name a Prefect "
                          'notification block as TYPE/NAME, e.g. "slack-webhook/marketing" '
                          f"(got {alerts['block']!r})")
    config = Config(
        communities=_communities(data.get("community", []), text, where),
        brands=_brands(data.get("brand", []), text, where),
        accept_add=_terms(accept.get("add", {}), "accept.add", where),
        accept_remove=_terms(accept.get("remove", {}), "accept.remove", where),
        fetch=_settings(FetchSettings, _table(data, "fetch", where), "fetch", text, where),
        privacy=_settings(Privacy, _table(data, "privacy", where), "privacy", text, where),
        db_path=db_path,
        source=source,
        alerts_webhook=alerts.get("webhook"),
        alerts_block=alerts.get("block"),
        probes=_probes(data.get("probe", []), text, where),
    )
    from pipeline.probes import locate  # a [[probe]] no configured community can follow is a config error

    for number, item in enumerate(config.probes, 1):
        try:
            locate(config.communities, item["url"], item.get("community"))
        except ConfigError as exc:
            raise ConfigError(f"{where}{_key_line(text, 'url', '[[probe]]', number)}: [[probe]] #{number}: {exc}"
                              ) from None
    return config


def community_from_target(target: str, segment: str = "ad hoc") -> Community:
    """`voyage scan r/BuyItForLife` or `voyage scan https://blog.example.com` without a config entry."""
    if match := re.fullmatch(r"(?:/?r/)([A-Za-z0-9_]{2,21})/?", target):
        return Community(name=f"r-{match.group(1).lower()}", kind="reddit", segment=segment,
                         subreddit=match.group(1))
    parts = urlsplit(target)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"{target!r} is neither a configured community, a URL, nor r/SUBREDDIT")
    host = (parts.hostname or "").removeprefix("www.")  # no port: the same blog on another port is the same one
    name = re.sub(r"[^a-z0-9.\-]+", "-", (host + parts.path).lower()).strip("-.")
    return Community(name=name, kind="rss", segment=segment, url=target)


def _communities(items: Any, text: str, where: str) -> tuple[Community, ...]:
    if not isinstance(items, list):
        raise ConfigError(f"{where}: `community` must be an array of tables ([[community]])")
    seen: set[str] = set()
    result = []
    for number, item in enumerate(items, 1):
        community = _community(item, number, text, where)
        if community.name.lower() in seen:
            line = _key_line(text, "name", "[[community]]", nth=number)
            raise ConfigError(f"{where}{line}: duplicate community name {community.name!r} "
                              "(names are compared without case)")
        seen.add(community.name.lower())
        result.append(community)
    return tuple(result)


def _community(item: Any, number: int, text: str, where: str) -> Community:
    if not isinstance(item, dict):
        raise ConfigError(f"{where}: [[community]] #{number} must be a table")
    name = item.get("name")
    label = f"[[community]] #{number}"
    if not isinstance(name, str) or not _SLUG.match(name):
        raise ConfigError(f"{where}: {label}: `name` must be a slug like 'outdoor-gear' (got {name!r})")
    line = _key_line(text, "name", "[[community]]", nth=number)
    label = f"{where}{line}: community {name!r}"
    kind = item.get("kind")
    if kind not in KINDS:
        hint = _did_you_mean(str(kind), KINDS)
        raise ConfigError(f"{label}: unknown kind {kind!r}{hint} (known: {', '.join(KINDS)})")
    for key in item:
        if key not in _COMMUNITY_KEYS and key not in OPTIONS[kind]:
            known = sorted(_COMMUNITY_KEYS | set(OPTIONS[kind]))
            raise ConfigError(f"{where}{_key_line(text, key, '[[community]]', nth=number)}: community {name!r}: "
                              f"unknown key `{key}`{_did_you_mean(key, known)} (known for kind {kind!r}: "
                              f"{', '.join(known)})")
        if key in OPTIONS[kind]:
            _check_option(item[key], OPTIONS[kind][key], f"{where}{_key_line(text, key, '[[community]]', nth=number)}"
                          f": community {name!r}: `{key}`")
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
        if isinstance(item, dict):
            _known_keys(item, ("name", "aliases"), "key `{key}` in [[brand]]", text, where, "[[brand]]", number)
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where}: [[brand]] #{number} needs a `name`")
        aliases = item.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
            line = _key_line(text, "name", "[[brand]]", number)
            raise ConfigError(f"{where}{line}: brand {name!r}: `aliases` must be a list of strings")
        brands.append(Brand(name.strip(), tuple(a.strip() for a in aliases)))
    return tuple(brands)


def _probes(items: Any, text: str, where: str) -> tuple[dict[str, Any], ...]:
    """[[probe]] tables: url and topic required; hypothesis, community and days (how long to observe) optional."""
    if not isinstance(items, list):
        raise ConfigError(f"{where}: `probe` must be an array of tables ([[probe]])")
    probes = []
    for number, item in enumerate(items, 1):
        if not isinstance(item, dict):
            raise ConfigError(f"{where}: [[probe]] #{number} must be a table")
        _known_keys(item, PROBE_KEYS, "key `{key}` in [[probe]]", text, where, "[[probe]]", number)
        line = f"{where}{_key_line(text, 'url', '[[probe]]', number)}: [[probe]] #{number}"
        _check_option(item.get("url"), "url", f"{line} url")
        _check_option(item.get("topic"), "string", f"{line} topic")
        for key in ("hypothesis", "community"):
            if key in item:
                _check_option(item[key], "string", f"{line} {key}")
        if "days" in item:
            _check_option(item["days"], "count", f"{line} days")
        probes.append(dict(item))
    return tuple(probes)


def _terms(value: Any, key: str, where: str) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table of value = [terms]")
    result = {}
    for name, terms in value.items():
        if name not in VALUES:
            raise ConfigError(f"{where}: [{key}] {name!r} is not an ACCEPT value{_did_you_mean(name, VALUES)} "
                              f"(values: {', '.join(VALUES)})")
        if not isinstance(terms, list) or not all(isinstance(t, str) and t.strip() for t in terms):
            raise ConfigError(f"{where}: {key}.{name} must be a list of non-empty strings")
        result[name] = tuple(t.strip() for t in terms)
    return result


def _settings(cls: type, table: Mapping[str, Any], section: str, text: str, where: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    _known_keys(table, tuple(known), f"setting {section}.{{key}}", text, where, f"[{section}]")
    values = {}
    for key, value in table.items():
        at = f"{where}{_key_line(text, key, f'[{section}]')}"
        expected = type(known[key].default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
            raise ConfigError(f"{at}: {section}.{key} must be {expected.__name__} (got {value!r})")
        if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
            raise ConfigError(f"{at}: {section}.{key} must not be negative (got {value!r})")
        values[key] = value
    return cls(**values)


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def _check_option(value: Any, kind: str, label: str) -> None:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    problem = {
        "rate": not number or value <= 0,
        "number": not number or value < 0,
        "count": not isinstance(value, int) or isinstance(value, bool) or value <= 0,
        "string": not isinstance(value, str) or not value.strip(),
        "url": not _is_url(value),
        "urls": not isinstance(value, list) or not all(map(_is_url, value)),
    }[kind]
    if problem:
        wanted = {"rate": "a number of requests per second above 0", "number": "a number, 0 or more",
                  "count": "a whole number above 0", "string": "a non-empty string", "url": "an http(s) URL",
                  "urls": "a list of http(s) URLs"}[kind]
        raise ConfigError(f"{label} must be {wanted} (got {value!r})")


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and urlsplit(value).scheme in ("http", "https") and bool(urlsplit(value).netloc)


def _known_keys(table: Mapping[str, Any], known: tuple[str, ...] | list[str], label: str, text: str, where: str,
                header: str | None = None, nth: int = 1) -> None:
    """One line naming the first unknown key, where it stands, and the known key it is probably meant to be."""
    for key in table:
        if key not in known:
            line = _key_line(text, key, header, nth) if header else _section_line(text, key)
            raise ConfigError(f"{where}{line}: unknown {label.format(key=key)}{_did_you_mean(key, known)} "
                              f"(known: {', '.join(known)})")


def _did_you_mean(word: str, known: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f" (did you mean `{close[0]}`?)" if close else ""


def _section_line(text: str, section: str) -> str:
    match = re.search(rf"^\s*\[\[?\s*{re.escape(section)}\s*\]", text, re.M)
    return f" line {text.count(chr(10), 0, match.start()) + 1}" if match else ""


def _key_line(text: str, key: str, header: str | None, nth: int = 1) -> str:
    """' line N' of `key = ...` inside the nth table headed `header` (e.g. '[[community]]'), or ''."""
    start = 0
    if header:
        heads = [m.end() for m in re.finditer(rf"^\s*{re.escape(header)}\s*(?:#.*)?$", text, re.M)]
        if len(heads) < nth:
            return ""
        start = heads[nth - 1]
    next_table = re.compile(r"^\s*\[", re.M).search(text, start)
    end = next_table.start() if next_table else len(text)
    match = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=", re.M).search(text, start, end)
    return f" line {text.count(chr(10), 0, match.start()) + 1}" if match else ""
