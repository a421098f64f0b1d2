"""API calls per 100 Reddit submissions with comments, and load time per 1,000 comments, on loopback.

    .venv/bin/python bench/reddit_load.py [--submissions 200] [--seed 7]

Real praw against the Reddit-shaped sample server, over a synthetic subreddit: submissions spread over
three weeks, comment counts skewed like Reddit's (most threads small, a few with hundreds), trees up to
eight levels deep, and threads past 200 comments hiding the rest behind "more" stubs (which the sample
answers 100 at a time, as Reddit does). Every request counts, the OAuth token included. Load time is
fetch + score + store into a fresh DuckDB file, with the steps a run uses; then an unchanged rerun.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors import FetchContext  # noqa: E402
from connectors.http import Http  # noqa: E402
from connectors.reddit import RedditLimiter, reddit_factory  # noqa: E402
from pipeline import steps  # noqa: E402
from pipeline.config import load_config  # noqa: E402
from pipeline.models import Community, Cursor, FetchSettings  # noqa: E402
from pipeline.sample.reddit import install_reddit  # noqa: E402
from pipeline.sample.server import SampleServer  # noqa: E402

SUB = "BenchSub"
VISIBLE = 200  # comments /comments/{id} shows before it leaves a "more" stub
DEMO = ROOT / "pipeline" / "sample" / "data" / "reddit"


def demo_sentences() -> list[str]:
    """Real-sounding sentences to build synthetic comments from: those of the demo's sample subreddits."""
    found: list[str] = []
    for path in DEMO.glob("*/*/*.json"):
        for text in re.findall(r'"(?:body|selftext)": "((?:[^"\\]|\\.)*)"', path.read_text(encoding="utf-8")):
            found += [s for s in re.split(r"(?<=[.!?])\s+", json.loads(f'"{text}"')) if len(s.split()) > 2]
    return found


SENTENCES = demo_sentences()


def sentence(rng: random.Random, low: int = 1, high: int = 4) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(low, high)))


def comment(rng: random.Random, cid: str, parent: str, link: str, depth: int, minutes: int) -> dict[str, Any]:
    return {"kind": "t1", "data": {
        "id": cid, "name": f"t1_{cid}", "parent_id": parent, "link_id": f"t3_{link}", "depth": depth,
        "author": f"user{rng.randint(1, 5000)}", "score": rng.randint(-5, 300), "body": sentence(rng),
        "created_utc": f"__T(-{minutes}m)__", "replies": "", "permalink": f"/r/{SUB}/comments/{link}/x/{cid}/"}}


def thread(rng: random.Random, index: int, minutes: int) -> tuple[list[Any], list[Any], int]:
    """The /comments page and the hidden comments of one synthetic thread."""
    link = f"b{index:06d}"
    total = min(900, int(rng.lognormvariate(2.8, 1.2)))
    flat: list[dict[str, Any]] = []
    for n in range(total):
        parents = [c for c in flat[-30:] if c["data"]["depth"] < 8]
        parent = rng.choice(parents) if parents and rng.random() < 0.6 else None
        depth = parent["data"]["depth"] + 1 if parent else 0
        flat.append(comment(rng, f"{link}c{n:04d}", parent["data"]["name"] if parent else f"t3_{link}", link, depth,
                            max(1, minutes - rng.randint(1, 3000))))
    shown, hidden = flat[:VISIBLE], flat[VISIBLE:]
    roots = nest(shown, link)
    if hidden:
        ids = [c["data"]["id"] for c in hidden]
        roots.append({"kind": "more", "data": {"count": len(ids), "name": f"t1_{ids[0]}", "id": ids[0],
                                               "parent_id": f"t3_{link}", "depth": 0, "children": ids}})
    submission = {"kind": "t3", "data": {
        "id": link, "name": f"t3_{link}", "title": sentence(rng, 1, 1), "selftext": sentence(rng, 1, 8),
        "author": f"user{rng.randint(1, 5000)}", "score": rng.randint(0, 5000), "upvote_ratio": 0.9,
        "num_comments": total, "created_utc": f"__T(-{minutes}m)__", "subreddit": SUB,
        "permalink": f"/r/{SUB}/comments/{link}/x/", "link_flair_text": None}}
    return [listing([submission]), listing(roots)], hidden, total


def nest(flat: list[dict[str, Any]], link: str) -> list[dict[str, Any]]:
    by_name = {c["data"]["name"]: c for c in flat}
    roots = []
    for c in flat:
        parent = by_name.get(c["data"]["parent_id"])
        if parent is None:
            roots.append(c)
            continue
        if not parent["data"]["replies"]:
            parent["data"]["replies"] = listing([])
        parent["data"]["replies"]["data"]["children"].append(c)
    return roots


def listing(children: list[Any]) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"after": None, "children": children, "before": None}}


def write_subreddit(folder: Path, submissions: int, seed: int) -> int:
    rng, comments = random.Random(seed), 0
    (folder / SUB / "comments").mkdir(parents=True)
    (folder / SUB / "more").mkdir()
    (folder / SUB / "about.json").write_text(json.dumps({"kind": "t5", "data": {"display_name": SUB}}))
    for index in range(submissions):
        page, hidden, total = thread(rng, index, minutes=60 + index * 21 * 24 * 60 // submissions)
        comments += total
        link = page[0]["data"]["children"][0]["data"]["id"]
        (folder / SUB / "comments" / f"{link}.json").write_text(templated(page))
        if hidden:
            (folder / SUB / "more" / f"{link}.json").write_text(templated(hidden))
    return comments


def templated(data: Any) -> str:
    return json.dumps(data).replace('"__T(', "{{epoch:").replace(')__"', "}}")


def run(community: Community, cursor: Cursor, ctx: FetchContext, db: Path, config: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    collected = steps.collect(community, cursor, ctx, steps.make_matcher(config))
    steps.load(db, collected, steps.new_run_id())
    return collected, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--nagle", action="store_true",
                        help="leave Nagle's algorithm on in the sample server (adds ~40 ms per request on loopback)")
    args = parser.parse_args()
    settings = FetchSettings(lookback_days=30, max_comments=1_000_000)
    community = Community("bench", "reddit", "bench", subreddit=SUB)
    with tempfile.TemporaryDirectory() as tmp, SampleServer() as server, Http(settings) as http:
        total = write_subreddit(Path(tmp) / "reddit", args.submissions, args.seed)
        kwargs = install_reddit(server, Path(tmp) / "reddit")
        # http.server sends headers and body in two writes; with Nagle on, the client's delayed ACK
        # stalls every reply ~40 ms, which measures the sample server rather than the pipeline
        server._httpd.RequestHandlerClass.disable_nagle_algorithm = not args.nagle
        factory = reddit_factory("WebVoyage bench", settings=settings, limiter=RedditLimiter(1_000_000), **kwargs)
        ctx = FetchContext(http=http, now=server.now, reddit=factory)
        db = Path(tmp) / "bench.duckdb"
        config = load_config(Path(tmp) / "none.toml", missing_ok=True)  # the default lexicon, no brands
        first, seconds = run(community, Cursor(), ctx, db, config)
        again, rerun_seconds = run(community, first.result.cursor, ctx, db, config)
    report(args.submissions, total, first, seconds, again, rerun_seconds)


def report(submissions: int, total: int, first: Any, seconds: float, again: Any, rerun_seconds: float) -> None:
    comments = sum(1 for p in first.result.posts if p.kind == "comment")
    requests = first.result.requests
    words = sum(len(p.text.split()) for p in first.result.posts) / max(len(first.result.posts), 1)
    print(f"synthetic r/{SUB}: {submissions} submissions, {total} comments ({comments} fetched, "
          f"{first.result.missed} missed), {words:.0f} words per text")
    print(f"first run: {requests} API calls = {100 * requests / submissions:.1f} per 100 submissions with comments")
    store = seconds - sum(first.seconds.values())
    parts = ", ".join(f"{k} {v:.2f}s" for k, v in first.seconds.items())
    print(f"first run: {seconds:.2f}s ({parts}, store {store:.2f}s) = "
          f"{1000 * seconds / max(comments, 1):.2f}s per 1,000 comments (fetch + score + store)")
    print(f"rerun (48 h lag re-read): {again.result.requests} API calls, {len(again.result.posts)} posts re-read, "
          f"{rerun_seconds:.2f}s")


if __name__ == "__main__":
    main()
