"""Requests per 100 posts for each forum kind (discourse, forum, hn), first run and unchanged rerun, on loopback.

    .venv/bin/python bench/forum_requests.py [--seed 7]

Prints figures only. Every request the connector makes counts, robots.txt included (one per host per
run, as a fresh client makes it). Scenarios: the demo's Discourse forum and phpBB feed as shipped, a
larger synthetic Discourse forum (60 topics of 1-120 posts), and a synthetic HN keyword with 150
matched stories (0-40 comments each) plus 100 comments matched on other stories.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from connectors import FetchContext, discourse, forum, hn  # noqa: E402
from connectors.http import Http  # noqa: E402
from pipeline.models import Community, Cursor, FetchSettings  # noqa: E402
from pipeline.sample.forums import AlgoliaHNSample, DiscourseSample, install_demo, make_post  # noqa: E402
from pipeline.sample.server import Reply, Request, SampleServer, conditional  # noqa: E402

FAST = FetchSettings(rate_per_host=10_000.0, burst=10_000)
DATA = ROOT / "pipeline" / "sample" / "data"


def measure(module: Any, community: Community, server: SampleServer) -> list[tuple[str, int, int]]:
    """(run, posts, requests) for a first run and an unchanged rerun, each with a fresh client."""
    rows, cursor = [], Cursor()
    for label in ("first run", "rerun"):
        with Http(FAST) as http:
            result = module.fetch(community, cursor, FetchContext(http=http, now=server.now))
        rows.append((label, len(result.posts), result.requests))
        cursor = result.cursor
    return rows


def synthetic_discourse(server: SampleServer, rng: random.Random) -> None:
    with tempfile.TemporaryDirectory() as empty:
        sample = DiscourseSample(server, Path(empty), prefix="/big")
    post_id = 100_000
    for topic_id in range(1, 61):
        count = rng.choice([1, 2, 3, 5, 8, 12, 20, 25, 40, 60, 120])
        topic = {"id": topic_id, "title": f"Topic {topic_id}", "fancy_title": f"Topic {topic_id}",
                 "slug": f"topic-{topic_id}", "category_id": 1, "archetype": "regular", "pinned": False,
                 "posts_count": count, "reply_count": count - 1, "highest_post_number": count, "views": 100}
        start = server.now - timedelta(hours=rng.randint(6, 28 * 24))
        posts = []
        for number in range(1, count + 1):
            post_id += 1
            when = (start + timedelta(minutes=37 * number)).isoformat().replace("+00:00", "Z")
            reply = rng.randint(1, number - 1) if number > 2 and rng.random() < 0.4 else None
            posts.append(make_post(topic, post_id, number, f"user{rng.randint(1, 300)}",
                                   f"<p>Post {number} about range and motors.</p>", when, reply_to=reply,
                                   likes=rng.randint(0, 5)))
        topic.update(created_at=posts[0]["created_at"], last_posted_at=posts[-1]["created_at"],
                     bumped_at=posts[-1]["created_at"],
                     post_stream={"posts": posts, "stream": [p["id"] for p in posts]})
        sample.topics[topic_id] = topic
    sample.install()


def synthetic_hn(server: SampleServer, rng: random.Random) -> None:
    now, items = int(server.now.timestamp()), []
    for number in range(150):
        story_id, at = 60_000_000 + number * 1000, now - rng.randint(3600, 29 * 86400)
        items.append(_hn_item(story_id, story_id, None, at, "story", f"Acme launch {number}", rng.randint(0, 40), rng))
    for number in range(100):  # other stories where only one comment mentions the keyword
        story_id, at = 70_000_000 + number * 1000, now - rng.randint(3600, 29 * 86400)
        story = _hn_item(story_id, story_id, None, at, "story", f"Unrelated story {number}", 0, rng)
        reply = _hn_item(story_id + 1, story_id, story_id, at + 600, "comment", "I switched to Acme.", 0, rng)
        story["children"] = [reply]
        items.append(story)
    AlgoliaHNSample(server, items).install()


def _hn_item(item_id: int, story: int, parent: int | None, at: int, kind: str, text: str, replies: int,
             rng: random.Random) -> dict[str, Any]:
    children = [_hn_item(item_id + c + 1, story, item_id, at + 60 * (c + 1), "comment", f"<p>Reply {c}</p>", 0, rng)
                for c in range(replies)]
    return {"id": item_id, "type": kind, "author": f"u{rng.randint(1, 999)}", "created_at": "", "created_at_i": at,
            "parent_id": parent, "story_id": story, "points": rng.randint(1, 300) if kind == "story" else None,
            "title": text if kind == "story" else None, "text": None if kind == "story" else text, "url": None,
            "options": [], "children": children}


def scenarios(server: SampleServer) -> list[tuple[str, str, Any, Community]]:
    base = server.base
    fixtures = ROOT / "tests" / "fixtures" / "forum"
    feeds = [("forum", f"feed: {p.name}", forum, Community("f", "forum", "s", url=f"{base}/fx/{p.name}",
                                                          options={"lookback_days": 90}))
             for p in sorted(fixtures.glob("*.*")) if "broken" not in p.name]
    return [
        ("discourse", "demo forum (8 topics, 85 posts)", discourse,
         Community("d", "discourse", "s", url=f"{base}/discourse", options={"lookback_days": 90})),
        ("discourse", "synthetic (60 topics, 1-120 posts)", discourse,
         Community("d2", "discourse", "s", url=f"{base}/big", options={"lookback_days": 30})),
        ("forum", "demo phpBB feed (15 posts)", forum,
         Community("f", "forum", "s", url=f"{base}/forum/feed.php", options={"lookback_days": 90})),
        *feeds,
        ("hn", "synthetic (150 stories + 100 stray comments)", hn,
         Community("h", "hn", "s", keywords=("acme",), options={"search_url": f"{base}/api/v1"})),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with SampleServer(DATA) as server:
        install_demo(server)
        synthetic_discourse(server, rng)
        synthetic_hn(server, rng)
        _serve_fixtures(server)
        print(f"{'kind':<10} {'scenario':<46} {'run':<10} {'posts':>6} {'requests':>9} {'req/100 posts':>14}")
        for kind, label, module, community in scenarios(server):
            for run, posts, requests in measure(module, community, server):
                per = f"{100 * requests / posts:.1f}" if posts else "-"
                print(f"{kind:<10} {label:<46} {run:<10} {posts:>6} {requests:>9} {per:>14}")


def _serve_fixtures(server: SampleServer) -> None:
    folder = ROOT / "tests" / "fixtures" / "forum"

    def feed(request: Request) -> Reply:
        path = folder / request.path.removeprefix("/fx/")
        return conditional(request, server.render(path.read_text(encoding="utf-8")).encode("utf-8"),
                           "application/rss+xml; charset=utf-8", server.now)

    server.route("/fx/", feed)


if __name__ == "__main__":
    main()
