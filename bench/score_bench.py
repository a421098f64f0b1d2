"""Scoring throughput against raw VADER, store load throughput, and peak memory.

Prints figures; run with `.venv/bin/python bench/score_bench.py [N]` (N texts per length, default 2000).
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipeline import store  # noqa: E402
from pipeline.config import Config  # noqa: E402
from pipeline.models import POST, Community, Cursor, Post  # noqa: E402
from pipeline.score import analyzer, score_posts  # noqa: E402
from pipeline.steps import make_matcher  # noqa: E402

PHRASES = [
    "the zipper broke after two weeks", "customer service never answered my emails", "it is so comfy",
    "easy to set up in the rain", "worth every penny", "the battery life is amazing", "I love the colour",
    "shipping took forever", "my friends keep asking where I got it", "it feels cheap and flimsy",
    "the kids had a blast with it", "would not recommend", "the strap digs into my shoulder",
    "great value for the money", "it does exactly what it promises", "the instructions were confusing",
]


def text(words: int, rng: random.Random) -> str:
    sentences, count = [], 0
    while count < words:
        s = rng.choice(PHRASES)
        s = s[0].upper() + s[1:] + rng.choice([".", "!", ".", "?"])
        sentences.append(s)
        count += len(s.split())
    return " ".join(sentences)


def posts(n: int, words: int, rng: random.Random) -> list[Post]:
    t0 = datetime(2026, 10, 1, tzinfo=UTC)
    return [Post("bench", "rss", f"{words}-{i}", f"http://x/{i}", f"{words}-{i}", None, POST, "a", "",
                 text(words, rng), t0 + timedelta(minutes=i)) for i in range(n)]


def rate(work, batch: list[Post]) -> float:  # noqa: ANN001 - a callable over the batch
    start = time.perf_counter()
    work(batch)
    return len(batch) / (time.perf_counter() - start)


def main(n: int) -> None:
    rng = random.Random(7)
    matcher = make_matcher(Config(communities=()))
    vader = analyzer()
    print(f"{'words':>6} {'texts':>6} {'raw VADER/s':>12} {'ours, no tags/s':>16} {'ours, tagged/s':>15} "
          f"{'vs raw':>7} {'tag cost':>9} {'2 procs/s':>10}")
    for words in (20, 200, 500):
        batch = posts(n if words < 500 else n // 4, words, rng)
        raw = rate(lambda b: [vader.polarity_scores(p.body) for p in b], batch)
        untagged = rate(lambda b: score_posts(b, None, workers=1), batch)
        tagged = rate(lambda b: score_posts(b, matcher, workers=1), batch)
        pool = rate(lambda b: score_posts(b, matcher, workers=2), batch)
        print(f"{words:>6} {len(batch):>6} {raw:>12.0f} {untagged:>16.0f} {tagged:>15.0f} {tagged / raw:>7.2f} "
              f"{untagged / tagged - 1:>+9.0%} {pool:>10.0f}")
    print("tag cost = the ACCEPT/brand matcher plus VADER on each sentence that holds a mention (value-level\n"
          "sentiment). These texts are built only from value-laden phrases: a worst case for that cost.")
    batch = score_posts(posts(20_000, 40, rng), matcher)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        community = Community("bench", "rss", "bench", url="http://x")
        for label in ("first load", "rerun (no change)"):
            start = time.perf_counter()
            with store.opened(db) as con:
                run = store.RunRow("r", "bench", datetime.now(UTC), datetime.now(UTC), "ok")
                store.load_community(con, community, batch, Cursor(), run)
            seconds = time.perf_counter() - start
            print(f"store {label}: {len(batch):,} posts in {seconds:.2f}s = {len(batch) / seconds:,.0f} posts/s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"mentions per post: {sum(len(s.mentions) for s in batch) / len(batch):.2f}; peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
