"""The rolled-up views give exactly the rows their raw-row definitions gave, through every path that writes posts.

tests/data/raw_views.sql holds the views and the grid macro as they were before the rollups
(sql/schema/070_rollups.sql), created here as raw_<name>. A file is built through the real scorer (VADER, the
ACCEPT tagger, brands, language detection) and store functions, then loaded again with changes, rescored, an author
forgotten, a community removed and old text pruned; after each step every rewritten view, and every reading query
on them with its filters, must return the same rows, column names and types from the rollups as from raw rows.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline import steps, store
from pipeline.accept import build_matcher
from pipeline.models import COMMENT, POST, Community, Cursor, Post
from pipeline.score import score_posts

RAW = Path(__file__).parent / "data" / "raw_views.sql"
VIEWS = ["value_grid", "value_grid_community", "value_trends_weekly", "sentiment_daily", "sentiment_weekly",
         "segment_sentiment_weekly", "negative_posts", "thread_response", "brand_share_of_voice", "brand_values",
         "community_summary", "value_quotes"]
QUERIES = ["value_grid", "trends_community", "trends_segment", "brands", "grid_changes", "value_quotes"]
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
COMMUNITIES = [Community("alpha", "rss", "hikers", url="https://alpha.example/"),
               Community("beta", "rss", "hikers", url="https://beta.example/"),
               Community("gamma", "rss", "parents", url="https://gamma.example/")]
BRANDS = [("Acme", ["ACME Corp"]), ("Globex", [])]
SENTENCES = [
    "The Acme stroller is so comfortable and I trust it completely.",
    "Terrible customer service from Globex, I will never trust them again.",
    "Setup was quick and easy, really convenient for busy parents.",
    "The zipper broke after a week, awful quality and a waste of money.",
    "I felt proud finishing the hike, the boots made it a pleasure.",
    "Acme jackets are reliable and warm, great value.",
    "Globex was fine, nothing special.",
    "The straps dig in and hurt, so uncomfortable on long walks.",
    "Love how fun and easy it is, the kids enjoy it every day.",
    "It is okay I guess.",
]
FOREIGN = "El cochecito es muy bonito pero la rueda se rompió después de dos semanas de uso en la ciudad."


def batch(community: str, n: int, shift: int = 0) -> list[Post]:
    """n texts over the last 3 weeks: every fourth opens a thread, the others reply to the latest one."""
    posts, root = [], ""
    for i in range(n):
        when = NOW - timedelta(hours=9 * i + shift)
        body = " ".join(SENTENCES[(i * 3 + k + shift) % len(SENTENCES)] for k in range(1 + i % 3))
        body = FOREIGN if i == 5 else body
        ext = f"{community}-{i}"
        url = f"https://{community}.example/{root or ext}/#{ext}"
        if i % 4 == 0:
            root = ext
            posts.append(Post(community, "rss", ext, url, ext, None, POST, ["ann", "bob"][i % 2], f"Thread {i}", body,
                              when, removed=i == 8))
        else:
            posts.append(Post(community, "rss", ext, url, root, root, COMMENT, ["ann", "bob", "cy"][i % 3], "", body,
                              when))
    return posts


def load(con: duckdb.DuckDBPyConnection, communities: list[Community], posts: dict[str, list[Post]]) -> None:
    matcher = build_matcher(brands=BRANDS)
    for community in communities:
        run = store.RunRow("r1", community.name, NOW, NOW, "ok")
        store.load_community(con, community, score_posts(posts[community.name], matcher), Cursor(), run)


def rows(con: duckdb.DuckDBPyConnection, statement: str, params: dict[str, Any] | None = None) -> tuple:
    """Column names and types, and the rows ordered by their other values than floats (every view's rows have a key
    among those; the views' own order leaves ties open)."""
    cursor = con.execute(statement, {k: v for k, v in (params or {}).items() if f"${k}" in statement})
    found = sorted(cursor.fetchall(), key=lambda row: repr([v for v in row if type(v) is not float]))
    return [d[:2] for d in cursor.description], found


def same(found: tuple, expected: tuple) -> bool:
    """Equal, but for a rounded mean of an exact tie (x.xxxx5), which may differ by one unit of its last place: the
    raw views round such a tie either way themselves, by the order their threads add up the floats (one cell of
    this fixture's grid reads 0.8528 with `SET threads = 1` and 0.8529 with 2)."""
    (columns, rows_found), (columns_expected, rows_expected) = found, expected
    return columns == columns_expected and len(rows_found) == len(rows_expected) and all(
        len(a) == len(b) and all(x == y or (type(x) is float and type(y) is float and one_unit_apart(x, y))
                                 for x, y in zip(a, b, strict=True))
        for a, b in zip(rows_found, rows_expected, strict=True))


def one_unit_apart(x: float, y: float) -> bool:
    places = max(len(repr(v).partition(".")[2]) for v in (x, y))
    return places <= 4 and abs(x - y) <= 1.01 * 10**-places


def raw(statement: str) -> str:
    """The statement reading the raw-row definitions instead of the rolled-up ones."""
    return re.sub(r"\b(" + "|".join(VIEWS + ["value_grid_cells"]) + r")\b", r"raw_\1", statement)


def assert_same(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(RAW.read_text(encoding="utf-8"))
    for view in VIEWS:
        assert same(rows(con, f"SELECT * FROM {view}"), rows(con, raw(f"SELECT * FROM {view}"))), view  # noqa: S608
    windows = [(None, None), (date.today() - timedelta(days=10), None), (None, date.today() - timedelta(days=4))]
    picks = [(None, None), ("hikers", None), (None, "alpha")]
    for name in QUERIES:
        for by in ("segment", "community"):
            for since, until in windows:
                for segment, community in picks:
                    params = {"by": by, "since": since, "until": until, "segment": segment, "community": community,
                              "weeks": 2, "value": "Trust", "negative": segment is None, "limit": 5}
                    found, expected = rows(con, store.sql(name), params), rows(con, raw(store.sql(name)), params)
                    assert same(found, expected), (name, params)


@pytest.fixture
def con(db_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with store.opened(db_path) as con:
        load(con, COMMUNITIES, {c.name: batch(c.name, 40) for c in COMMUNITIES})
        yield con


def test_the_fixture_reaches_every_rollup(con: duckdb.DuckDBPyConnection) -> None:
    counts = con.execute("SELECT (SELECT count(*) FROM negative_posts), (SELECT sum(replies) FROM thread_response), "
                         "(SELECT count(*) FROM brand_values), (SELECT sum(other_language) FROM value_grid), "
                         "(SELECT count(*) FROM value_trends_weekly WHERE posts > 0), "
                         "(SELECT count(last_7d_compound) FROM community_summary)").fetchone()
    assert all(counts), counts


def test_the_rolled_up_views_give_the_raw_rows_after_a_load(con: duckdb.DuckDBPyConnection) -> None:
    assert_same(con)


def test_and_after_a_reload_with_changed_posts_and_a_changed_segment(con: duckdb.DuckDBPyConnection) -> None:
    moved = [Community("beta", "rss", "climbers", url="https://beta.example/"), COMMUNITIES[0]]
    load(con, moved, {"alpha": batch("alpha", 50, shift=1), "beta": batch("beta", 40)})
    assert con.execute("SELECT count(*) FROM thread_response WHERE segment = 'climbers'").fetchone()[0] > 0
    assert_same(con)


def test_and_after_a_new_reply_to_an_old_thread(con: duckdb.DuckDBPyConnection) -> None:
    """The daily case: a load of one new comment rolls up its own day and its thread's opening day only."""
    opener = con.execute("SELECT external_id, url, published_at FROM posts WHERE community = 'alpha' AND kind = 'post' "
                         "AND NOT removed AND published_at < now() - INTERVAL 5 DAY ORDER BY published_at DESC LIMIT 1"
                         ).fetchone()
    reply = Post("alpha", "rss", "alpha-new", f"{opener[1]}#new", opener[0], opener[0], COMMENT, "dee", "",
                 "Acme answered fast and the new strap is so comfortable, I trust them now.", NOW)
    load(con, [COMMUNITIES[0]], {"alpha": [reply]})
    assert con.execute("SELECT replies FROM thread_response WHERE thread_id LIKE '%' || ?",
                       [opener[0]]).fetchone()[0] >= 1
    assert_same(con)


def test_and_after_a_rescore(con: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    con.close()
    steps.rescore(db_path, build_matcher(brands=[("Acme", [])], remove={"Trust": ["trust"]}), batch=25)
    with store.opened(db_path) as again:
        assert again.execute("SELECT count(*) FROM brand_values WHERE brand = 'Globex'").fetchone() == (0,)
        assert_same(again)


def test_and_after_forgetting_an_author_removing_a_community_and_pruning_text(
        con: duckdb.DuckDBPyConnection) -> None:
    store.forget(con, authors=["bob"])
    assert_same(con)
    assert store.reset_community(con, "gamma", remove=True) > 0
    assert con.execute("SELECT count(*) FROM sentiment_daily WHERE community = 'gamma'").fetchone() == (0,)
    assert_same(con)
    assert store.prune_text(con, NOW - timedelta(days=10)) > 0
    assert_same(con)


def test_a_migrated_file_fills_the_rollups_from_what_it_holds(db_path: Path) -> None:
    with store.opened(db_path) as con:
        load(con, COMMUNITIES, {c.name: batch(c.name, 20) for c in COMMUNITIES})
        con.execute("DELETE FROM rollup_days; DELETE FROM rollup_values; DELETE FROM rollup_threads")
        con.execute("DELETE FROM schema_migrations WHERE version = 70; DELETE FROM schema_digest")
    with store.opened(db_path) as con:
        assert_same(con)
