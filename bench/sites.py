"""Synthetic communities for the end-to-end benchmark, served on loopback in each source's real format.

WordPress-shaped blogs (an RSS feed of articles with HTML bodies, a comment feed per article named by
wfw:commentRss, and the site-wide comments feed of the latest 50 comments) and Discourse forums (/latest.json pages,
/t/{id}.json with the first 20 posts and the post stream, /t/{id}/posts.json chunks), each community on its own
127.0.0.x host. Texts are real customer texts from ../shared/corpus when it is there (a tweet to a long review;
several joined make the longest), else sentences built from a phrase list; dates spread over the last 8 weeks.
Every reply is pre-rendered once, with an ETag, so the server costs little beside the pipeline it serves.
"""

from __future__ import annotations

import email.utils
import hashlib
import html
import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pipeline.sample.server import Reply, Request, SampleServer

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PHRASES = ["the zipper broke after two weeks", "customer service never answered my emails", "it is so comfy",
           "easy to set up in the rain", "worth every penny", "the battery life is amazing", "I love the colour",
           "shipping took forever", "my friends keep asking where I got it", "it feels cheap and flimsy",
           "the kids had a blast with it", "would not recommend", "great value for the money"]
NAMES = ["ana", "ben", "chloe", "dev", "emma", "farid", "gus", "hana", "ivan", "jo", "kim", "lena", "marco", "noor"]


def texts(count: int, rng: random.Random, corpus: Path = CORPUS) -> Iterator[str]:
    """`count` texts: real ones from the corpus (one in ten made long by joining four), else synthetic."""
    pool: list[str] = []
    if corpus.is_dir():
        for file in sorted(corpus.glob("*.jsonl")):
            with file.open(encoding="utf-8") as lines:
                pool += [json.loads(line)["text"] for line in lines]
    for _ in range(count):
        if pool:
            yield " ".join(rng.choice(pool) for _ in range(4)) if rng.random() < 0.1 else rng.choice(pool)
        else:
            yield " ".join(rng.choice(PHRASES).capitalize() + "." for _ in range(rng.randint(1, 12)))


@dataclass
class Site:
    """One community's pre-rendered replies, served at its own host."""

    kind: str
    name: str
    replies: dict[str, bytes] = field(default_factory=dict)
    posts: dict[int, dict] = field(default_factory=dict)  # a forum's posts by id, for /t/{id}/posts.json
    texts: int = 0  # posts and comments it serves

    def serve(self, host: str) -> SampleServer:
        server = SampleServer(None, host=host)
        server.route("/", self._answer)
        return server.start()

    def _answer(self, request: Request) -> Reply | None:
        if request.path.endswith("/posts.json"):
            wanted = [self.posts[int(i)] for i in request.query.get("post_ids[]", []) if int(i) in self.posts]
            return Reply(200, json.dumps({"post_stream": {"posts": wanted}}).encode())
        page = request.arg("page")
        body = self.replies.get(request.path + (f"?page={page}" if page not in (None, "0") else ""))
        if body is None:
            return None if request.path == "/robots.txt" else Reply(404, b"not found", content_type="text/plain")
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if request.headers.get("if-none-match") == etag:
            return Reply(304, b"", {"ETag": etag})
        ctype = "application/json" if request.path.endswith(".json") else "application/rss+xml"
        return Reply(200, body, {"ETag": etag}, ctype)


def blog(name: str, articles: int, comments: int, items: Iterator[str], now: datetime, rng: random.Random) -> Site:
    """A WordPress blog: `articles` articles with `comments` comments in all, spread over them unevenly."""
    site = Site("rss", name)
    base = "{base}"
    counts = _spread(comments, articles, rng)
    feed_items, recent = [], []
    for i in range(articles):
        slug = f"article-{i}"
        published = now - timedelta(minutes=rng.randint(60, 8 * 7 * 24 * 60))
        body = next(items)
        feed_items.append(
            f"<item><title>{html.escape(body[:60])}</title><link>{base}/{slug}/</link>"
            f"<guid isPermaLink=\"false\">{base}/?p={i}</guid><pubDate>{_rfc822(published)}</pubDate>"
            f"<dc:creator>{rng.choice(NAMES)}</dc:creator><slash:comments>{counts[i]}</slash:comments>"
            f"<content:encoded><![CDATA[<p>{html.escape(body)}</p>]]></content:encoded>"
            f"<wfw:commentRss>{base}/{slug}/feed/</wfw:commentRss></item>")
        entries = []
        for j in range(counts[i]):
            when = published + timedelta(minutes=rng.randint(5, 3 * 24 * 60))
            text = next(items)
            entries.append((when, f"<item><title>By: {rng.choice(NAMES)}</title>"
                                  f"<link>{base}/{slug}/#comment-{i}-{j}</link>"
                                  f"<guid isPermaLink=\"false\">{base}/?p={i}#comment-{i}-{j}</guid>"
                                  f"<pubDate>{_rfc822(when)}</pubDate><dc:creator>{rng.choice(NAMES)}</dc:creator>"
                                  f"<content:encoded><![CDATA[<p>{html.escape(text)}</p>]]></content:encoded></item>"))
        site.replies[f"/{slug}/feed/"] = _rss(f"Comments on {slug}", [e for _, e in entries])
        recent += entries
        site.texts += 1 + counts[i]
    site.replies["/feed/"] = _rss(name, feed_items)
    recent.sort(key=lambda e: e[0], reverse=True)
    site.replies["/comments/feed/"] = _rss(f"Comments for {name}", [e for _, e in recent[:50]])
    return site


def forum(name: str, topics: int, posts: int, items: Iterator[str], now: datetime, rng: random.Random) -> Site:
    """A Discourse forum: `topics` topics holding `posts` posts in all (each topic at least its opening post)."""
    site = Site("discourse", name)
    counts = [1 + c for c in _spread(max(0, posts - topics), topics, rng)]
    listed, next_id = [], 1000
    for t in range(topics):
        created = now - timedelta(minutes=rng.randint(60, 8 * 7 * 24 * 60))
        stream = []
        for n in range(counts[t]):
            when = created + timedelta(minutes=n * rng.randint(1, 90))
            reply_to = None if n < 2 else rng.choice([None, rng.randint(1, n)])
            stream.append({"id": next_id, "post_number": n + 1, "username": rng.choice(NAMES),
                           "created_at": _iso(min(when, now)), "cooked": f"<p>{html.escape(next(items))}</p>",
                           "post_type": 1, "reply_count": 0, "reply_to_post_number": reply_to,
                           "actions_summary": [{"id": 2, "count": rng.randint(0, 9)}],
                           "deleted_at": None, "hidden": False, "user_deleted": False})
            next_id += 1
        bumped = stream[-1]["created_at"]
        view = {"id": t + 1, "title": f"Topic {t + 1}", "slug": f"topic-{t + 1}", "posts_count": len(stream),
                "created_at": stream[0]["created_at"], "last_posted_at": bumped, "highest_post_number": len(stream),
                "closed": False, "archived": False}
        site.replies[f"/t/{t + 1}.json"] = json.dumps(
            {**view, "post_stream": {"posts": stream[:20], "stream": [p["id"] for p in stream]}}).encode()
        site.posts.update((p["id"], p) for p in stream)
        listed.append({**view, "bumped_at": bumped, "pinned": False})
        site.texts += len(stream)
    listed.sort(key=lambda t: t["bumped_at"], reverse=True)
    pages = [listed[i:i + 30] for i in range(0, len(listed), 30)] or [[]]
    for number, page in enumerate(pages):
        more = {"more_topics_url": f"/latest?page={number + 1}"} if number + 1 < len(pages) else {}
        body = json.dumps({"topic_list": {"topics": page, **more}}).encode()
        site.replies["/latest.json" + (f"?page={number}" if number else "")] = body
    return site


def build(total: int, blogs: int = 8, forums: int = 4, seed: int = 7) -> list[Site]:
    """Sites holding about `total` texts between them: a third articles or topics' opening posts, the rest replies."""
    rng, now = random.Random(seed), datetime.now(UTC).replace(microsecond=0)
    items = texts(total + 10, rng)
    per = total // (blogs + forums)
    sites = [blog(f"blog-{i}", max(1, per // 12), per - max(1, per // 12), items, now, rng) for i in range(blogs)]
    sites += [forum(f"forum-{i}", max(1, per // 10), per, items, now, rng) for i in range(forums)]
    return sites


def render(site: Site, base: str) -> None:
    """Put the server's own address into the pre-rendered replies (once it is known)."""
    site.replies = {k: v.replace(b"{base}", base.encode()) for k, v in site.replies.items()}


def _spread(total: int, slots: int, rng: random.Random) -> list[int]:
    """`total` split over `slots` unevenly (a few busy threads, many quiet ones)."""
    weights = [rng.paretovariate(1.5) for _ in range(slots)]
    scale = total / sum(weights)
    counts = [int(w * scale) for w in weights]
    for i in range(total - sum(counts)):
        counts[i % slots] += 1
    return counts


def _rss(title: str, items: list[str]) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:slash="http://purl.org/rss/1.0/modules/slash/">'
            f"<channel><title>{html.escape(title)}</title><link>{{base}}/</link>{''.join(items)}</channel></rss>"
            ).encode()


def _rfc822(when: datetime) -> str:
    return email.utils.format_datetime(when)


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")
