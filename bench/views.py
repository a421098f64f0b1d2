"""The views at scale: each marketer-facing view's time on a DuckDB file of N posts generated inside DuckDB.

    .venv/bin/python bench/views.py [--posts 10000000] [--keep FILE]

50 communities in 8 segments, a third posts and two thirds comments in threads, 12 weeks of dates, VADER-like
compounds, about 0.54 ACCEPT value mentions and 0.05 brand mentions per post, short synthetic texts. The schema and
views are the project's own (pipeline.store). Each query is what a reading command or the report asks (a window, a
LIMIT, a filter); prints its time (best of 2, the first run warms the file) and its row count, then what refreshing
one community's rollups (sql/schema/070_rollups.sql) costs each write.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import store  # noqa: E402

T = TypeVar("T")

GENERATE = """
INSERT INTO communities
SELECT 'c' || i, 'rss', 'https://c' || i || '.example/', 'segment ' || (i % 8), [], now() FROM range(50) t(i);
INSERT INTO posts
SELECT 'c' || (i % 50) || '/rss:' || i, 'c' || (i % 50), 'rss', CAST(i AS VARCHAR),
       'https://c' || (i % 50) || '.example/' || i,
       'c' || (i % 50) || '/rss:' || CASE WHEN i % 3 = 0 THEN i ELSE i - i % 3 END,
       CASE WHEN i % 3 = 0 THEN NULL ELSE 'c' || (i % 50) || '/rss:' || (i - i % 3) END,
       CASE WHEN i % 3 = 0 THEN 'post' ELSE 'comment' END, 'a' || (i % 50000),
       CASE WHEN i % 3 = 0 THEN 'Thread ' || i ELSE '' END,
       'the ' || ['zipper', 'battery', 'strap', 'warranty', 'stroller', 'jacket'][1 + i % 6] || ' '
           || ['broke', 'lasted', 'fits', 'failed', 'shines', 'squeaks'][1 + (i // 7) % 6] || ' after '
           || (i % 30) || ' days',
       now() - INTERVAL 1 MINUTE * ((i * 7919) % (84 * 24 * 60)), i % 40, CASE WHEN i % 3 = 0 THEN 2 END,
       CASE WHEN i % 3 = 0 THEN 0 ELSE 1 END, NULL, NULL, false, md5(CAST(i AS VARCHAR)), now(), now(), 'en', NULL
FROM range($posts) t(i);
INSERT INTO post_sentiment
SELECT post_id, c, 0.2, 0.6, 0.2, CASE WHEN c >= 0.05 THEN 'positive' WHEN c <= -0.05 THEN 'negative'
       ELSE 'neutral' END, 2
FROM (SELECT post_id, round(sin(CAST(hash(post_id) % 1000 AS BIGINT)), 3) AS c FROM posts);
INSERT INTO mentions
SELECT post_id, 'value', ['Achievement', 'Convenience', 'Comfort', 'Esteem', 'Pleasure', 'Trust'][1 + h % 6],
       'term', 0, 0, 4, 'the sentence', round(sin(h % 997), 3)
FROM (SELECT post_id, CAST(hash(post_id) % 1000000 AS BIGINT) AS h FROM posts) WHERE h % 100 < 54;
INSERT INTO mentions
SELECT post_id, 'brand', ['Acme', 'Globex', 'Initech'][1 + h % 3], 'brand', 0, 10, 14, 'the sentence',
       round(cos(h % 991), 3)
FROM (SELECT post_id, CAST(hash(post_id) % 1000000 AS BIGINT) AS h FROM posts) WHERE h % 100 < 5;
"""

QUERIES = {
    "value_grid (all time)": "SELECT * FROM value_grid",
    "voyage grid --since 4 weeks": "SELECT * FROM value_grid_cells('segment', current_date - 28, NULL)",
    "value_trends_weekly, 8 weeks": "SELECT * FROM value_trends_weekly WHERE week >= current_date - 56",
    "sentiment_weekly, 8 weeks": "SELECT * FROM sentiment_weekly WHERE week >= current_date - 56",
    "segment_sentiment_weekly": "SELECT * FROM segment_sentiment_weekly",
    "sentiment_daily, one community": "SELECT * FROM sentiment_daily WHERE community = 'c7'",
    "value_quotes, a cell, top 10": "SELECT * FROM value_quotes WHERE community = 'c7' AND value = 'Trust' "
                                    "ORDER BY compound DESC LIMIT 10",
    "negative_posts, top 10": "SELECT * FROM negative_posts LIMIT 10",
    "thread_response, one community, top 10": "SELECT * FROM thread_response WHERE community = 'c7' "
                                              "ORDER BY replies DESC LIMIT 10",
    "brand_share_of_voice, 4 weeks": "SELECT * FROM brand_share_of_voice WHERE week >= current_date - 28",
    "brand_values": "SELECT * FROM brand_values",
    "community_summary": "SELECT * FROM community_summary",
    "emerging_terms, last week": "SELECT * FROM emerging_terms(current_date - 7) LIMIT 50",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10_000_000)
    parser.add_argument("--keep", type=Path, help="keep (or reuse) the generated file here")
    args = parser.parse_args()
    path = args.keep or Path(tempfile.mkdtemp(prefix="voyage-views-")) / "views.duckdb"
    with store.opened(path) as con:
        if con.execute("SELECT count(*) FROM posts").fetchone()[0] == 0:
            started = time.perf_counter()
            for statement in filter(str.strip, GENERATE.split(";\n")):
                con.execute(statement.replace("$posts", str(args.posts)))
            print(f"generated in {time.perf_counter() - started:.0f}s")
            started = time.perf_counter()
            with store.transaction(con):  # rows written behind the store's back: roll them all up, as a migration does
                store.refresh_rollups(con)
            con.execute("CHECKPOINT")
            print(f"rollups filled in {time.perf_counter() - started:.0f}s")
        posts, mentions = con.execute("SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM mentions)").fetchone()
        print(f"{posts:,} posts, {mentions:,} mentions, file {path.stat().st_size / 2**30:.1f} GiB")
        for name, query in QUERIES.items():
            seconds, rows = best_of_two(lambda q=query: len(con.execute(q).fetchall()))
            print(f"  {name:<42} {seconds:6.2f}s  {rows:>6} rows")
        # what every load, rescore batch or forget adds: its communities' rollups again (c7 holds 200,000 posts)
        seconds, _ = best_of_two(lambda: refresh(con, "c7"))
        print(f"  {'refresh_rollups, one community':<42} {seconds:6.2f}s")
    if not args.keep:
        path.unlink()


def best_of_two(work: Callable[[], T]) -> tuple[float, T]:
    timings, result = [], None
    for _ in range(2):
        started = time.perf_counter()
        result = work()
        timings.append(time.perf_counter() - started)
    return min(timings), result


def refresh(con: duckdb.DuckDBPyConnection, community: str) -> None:
    with store.transaction(con):
        store.refresh_rollups(con, [community])


if __name__ == "__main__":
    main()
