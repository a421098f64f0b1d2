"""The DuckDB store: migrations once, idempotent upserts, all-or-nothing loads, read-only reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipeline import store
from pipeline.errors import StorageError
from pipeline.models import COMMENT, POST, Community, Cursor, Post
from pipeline.score import score_posts

BLOG = Community("blog", "rss", "hikers", url="https://blog.example.com/")
T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
EMPTY = Cursor()


def article(n: int, body: str = "Great boots, really comfy.", score: int | None = None) -> Post:
    return Post("blog", "rss", f"https://blog.example.com/?p={n}", f"https://blog.example.com/{n}/",
                f"https://blog.example.com/?p={n}", None, POST, "ann", f"Post {n}", body, T0, score=score)


def comment(n: int, on: int, body: str = "The zipper broke, awful.") -> Post:
    return Post("blog", "rss", f"https://blog.example.com/?p={on}#c{n}", f"https://blog.example.com/{on}/#c{n}",
                f"https://blog.example.com/?p={on}", f"https://blog.example.com/?p={on}", COMMENT, "bob", "", body, T0)


def run_row(run_id: str = "r1") -> store.RunRow:
    return store.RunRow(run_id, "blog", T0, T0, "ok", fetched=3)


def snapshot(path: Path) -> dict[str, list[tuple]]:
    with store.opened(path, read_only=True) as con:
        return {
            t: con.execute(f"SELECT * EXCLUDE ({ts}) FROM {t} ORDER BY ALL").fetchall()  # noqa: S608 - test-only
            for t, ts in [("posts", "first_seen_at, updated_at"), ("post_sentiment", "label"),
                          ("mentions", "term"), ("cursors", "updated_at")]
        }


def load(path: Path, posts: list[Post], cursor: Cursor = EMPTY, run_id: str = "r1") -> store.RunRow:
    with store.opened(path) as con:
        return store.load_community(con, BLOG, score_posts(posts), cursor, run_row(run_id))


def test_a_fresh_file_gets_every_schema_file_once_and_every_view(db_path: Path) -> None:
    store.connect(db_path).close()
    with store.opened(db_path) as con:
        versions = con.execute("SELECT version FROM schema_migrations").fetchall()
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert len(versions) == len(list((store.SQL / "schema").glob("[0-9][0-9][0-9]_*.sql"))) - 1
    assert views == {p.stem for p in (store.SQL / "views").glob("*.sql")}


def test_every_view_and_query_runs_on_an_empty_file(db_path: Path) -> None:
    with store.opened(db_path) as con:
        for view in (store.SQL / "views").glob("*.sql"):
            store.query(con, f"SELECT * FROM {view.stem}")  # noqa: S608 - names come from our own files
        for query in (store.SQL / "queries").glob("*.sql"):
            assert query.read_text().strip(), query


def test_a_rerun_of_the_same_batch_changes_nothing(db_path: Path) -> None:
    posts = [article(1), comment(1, on=1), article(2)]
    first = load(db_path, posts, Cursor(newest=T0))
    before = snapshot(db_path)
    second = load(db_path, posts, Cursor(newest=T0), run_id="r2")
    assert (first.new, first.updated) == (3, 0)
    assert (second.new, second.updated) == (0, 0)
    assert snapshot(db_path) == before


def test_a_changed_post_is_updated_and_rescored_once(db_path: Path) -> None:
    load(db_path, [article(1), comment(1, on=1)])
    row = load(db_path, [article(1, body="Awful boots, they fell apart.", score=7), comment(1, on=1)], run_id="r2")
    assert (row.new, row.updated) == (0, 1)
    with store.opened(db_path) as con:
        compound, score = con.execute(
            "SELECT s.compound, p.score FROM posts p JOIN post_sentiment s USING (post_id) WHERE p.kind = 'post'"
        ).fetchone()
        assert con.execute("SELECT count(*) FROM posts").fetchone() == (2,)
    assert compound < 0 and score == 7


def test_a_batch_repeating_a_post_keeps_the_last_copy(db_path: Path) -> None:
    row = load(db_path, [article(1), article(1, score=5)])
    assert row.new == 1
    with store.opened(db_path) as con:
        assert con.execute("SELECT score FROM posts").fetchall() == [(5,)]


def test_comments_hang_under_their_article(db_path: Path) -> None:
    load(db_path, [article(1), comment(1, on=1), comment(2, on=1)])
    with store.opened(db_path) as con:
        rows = con.execute("SELECT replies FROM thread_response").fetchall()
    assert rows == [(2,)]


def test_a_failing_load_leaves_the_file_as_it_was(db_path: Path) -> None:
    load(db_path, [article(1)], Cursor(newest=T0))
    before = snapshot(db_path)
    broken = replace(run_row("r2"), status=None)  # NOT NULL violation at the very end of the transaction
    with store.opened(db_path) as con, pytest.raises(StorageError, match="rolled back"):
        store.load_community(con, BLOG, score_posts([article(2)]), Cursor(newest=datetime.now(UTC)), broken)
    assert snapshot(db_path) == before


def test_cursors_round_trip(db_path: Path) -> None:
    cursor = Cursor(newest=T0, newest_id="9", state={"feed_url": "https://x/feed"})
    load(db_path, [article(1)], cursor)
    with store.opened(db_path) as con:
        assert store.read_cursor(con, BLOG) == replace(cursor, location=BLOG.fingerprint)
        other = Community("unknown", "rss", "hikers", url="https://other.example.com/")
        assert store.read_cursor(con, other) == Cursor(location=other.fingerprint)


def test_a_cursor_is_only_valid_for_the_location_it_was_made_for(db_path: Path) -> None:
    load(db_path, [article(1)], Cursor(newest=T0, state={"feed_url": "https://blog.example.com/feed/"}))
    moved = replace(BLOG, url="https://blog.example.org/")
    with store.opened(db_path) as con:
        assert store.read_cursor(con, moved) == Cursor(location=moved.fingerprint)  # starts afresh
        assert store.read_cursor(con, BLOG).state == {"feed_url": "https://blog.example.com/feed/"}
        feeds = replace(BLOG, options={"feeds": ["https://blog.example.com/extra.xml"]})
        assert store.read_cursor(con, feeds).newest is None
    assert store.run_query(db_path, "SELECT count(*) FROM posts")[1] == [(1,)]  # stored posts stay


def test_reads_are_read_only_and_refuse_writes(db_path: Path) -> None:
    load(db_path, [article(1)])
    columns, rows = store.run_query(db_path, "SELECT count(*) AS n FROM posts")
    assert (columns, rows) == (["n"], [(1,)])
    with pytest.raises(StorageError, match="read-only"):
        store.run_query(db_path, "DELETE FROM posts")


def test_a_missing_file_is_a_clear_error_for_readers(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="run `voyage run` or `voyage demo` first"):
        store.run_query(tmp_path / "none.duckdb", "SELECT 1")


def test_a_bad_query_is_one_line(db_path: Path) -> None:
    store.connect(db_path).close()
    with pytest.raises(StorageError) as caught:
        store.run_query(db_path, "SELECT nope FROM posts")
    assert "\n" not in str(caught.value)


def test_the_file_is_a_plain_duckdb_file(db_path: Path) -> None:
    load(db_path, [article(1)])
    con = duckdb.connect(str(db_path), read_only=True)
    assert con.execute("SELECT label FROM post_sentiment").fetchall() == [("positive",)]
    con.close()
