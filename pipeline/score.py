"""Pure scoring: VADER sentiment per document and per sentence, and value/brand mentions per sentence.

VADER's compound saturates on long texts (shared/MEASURED.md), so a text longer than SHORT_WORDS is
scored from its sentences: the mean compound of the sentences that carry sentiment, and the
length-weighted mean of pos/neu/neg. Short texts are scored whole, as VADER was validated.
Each mention carries the compound of the sentence it stands in: value-level sentiment.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from bisect import bisect_right
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Protocol

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from pipeline.models import Mention, Post, ScoredPost, Sentiment

SHORT_WORDS = 60
PARALLEL_MIN = 4000  # posts; below this a process pool costs more than it saves
_SENTENCE_END = re.compile(r"""(?:[.!?…]+["')\]]*|\n+)(?=\s|$)""")
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|mr|mrs|ms|dr|st|approx|no|fig|inc|ltd|jr|sr)\.$", re.I)
_WORD = re.compile(r"\S+")

_analyzer: SentimentIntensityAnalyzer | None = None


class Finder(Protocol):
    """What scoring needs from the ACCEPT/brand matcher (pipeline.accept.Matcher)."""

    def find(self, sentence: str) -> Sequence[Any]: ...


def analyzer() -> SentimentIntensityAnalyzer:
    """One VADER analyzer per process (~7 ms to build)."""
    global _analyzer
    if _analyzer is None:
        _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in `text`: ends at . ! ? … and line breaks, not after common abbreviations."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if match.group().startswith(".") and _ABBREVIATIONS.search(text[start : match.start() + 1]):
            continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return spans


def score_post(post: Post, matcher: Finder | None = None) -> ScoredPost:
    text = post.text
    if not text.strip():
        return ScoredPost(post, None)
    spans = split_sentences(text)
    sentences = [text[a:b] for a, b in spans]
    scores: dict[int, dict[str, float]] = {}

    def sentence_score(i: int) -> dict[str, float]:
        if i not in scores:
            scores[i] = analyzer().polarity_scores(sentences[i])
        return scores[i]

    if len(_WORD.findall(text)) <= SHORT_WORDS or len(sentences) < 2:
        whole = analyzer().polarity_scores(text)
        if len(sentences) == 1:
            scores[0] = whole  # one sentence: its score is the document's
        sentiment = _sentiment(whole)
    else:
        sentiment = _aggregate([sentence_score(i) for i in range(len(sentences))], sentences)
    mentions = _mentions(post.id, text, spans, sentence_score, matcher) if matcher is not None else ()
    return ScoredPost(post, sentiment, len(sentences), mentions)


def score_posts(
    posts: Sequence[Post], matcher: Finder | None = None, *, workers: int | None = None
) -> list[ScoredPost]:
    """Score a batch; large batches spread over processes (each builds its analyzer once).

    `workers=None` decides by size: one process below PARALLEL_MIN posts, every core above.
    """
    if workers is None:
        workers = (os.cpu_count() or 1) if len(posts) >= PARALLEL_MIN else 1
    if workers < 2:
        return [score_post(p, matcher) for p in posts]
    chunk = -(-len(posts) // (workers * 4))
    batches = [posts[i : i + chunk] for i in range(0, len(posts), chunk)]
    context = multiprocessing.get_context("spawn")  # fork is unsafe beside the flow's threads
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        results = pool.map(_score_chunk, batches, [matcher] * len(batches))
        return [scored for batch in results for scored in batch]


def _score_chunk(posts: Sequence[Post], matcher: Finder | None) -> list[ScoredPost]:
    return [score_post(p, matcher) for p in posts]


def _mentions(
    post_id: str, text: str, spans: list[tuple[int, int]], sentence_score: Any, matcher: Finder
) -> tuple[Mention, ...]:
    """One matcher pass over the whole text (cheaper than one per sentence); each hit goes to its sentence."""
    starts = [a for a, _ in spans]
    found = []
    for hit in matcher.find(text):
        i = bisect_right(starts, hit.start) - 1
        if i < 0 or hit.end > spans[i][1]:
            continue  # a phrase across a sentence break is not one mention
        first, sentence = spans[i][0], text[spans[i][0] : spans[i][1]]
        compound = sentence_score(i)["compound"]
        found.append(Mention(post_id, hit.kind, hit.name, hit.term, i, hit.start - first, hit.end - first,
                             sentence, compound))
    return tuple(found)


def _sentiment(scores: dict[str, float]) -> Sentiment:
    return Sentiment(scores["compound"], scores["pos"], scores["neu"], scores["neg"])


def _aggregate(scores: list[dict[str, float]], sentences: list[str]) -> Sentiment:
    """Mean compound of the sentences with sentiment; pos/neu/neg weighted by sentence length."""
    opinions = [s["compound"] for s in scores if s["compound"] != 0.0]
    compound = sum(opinions) / len(opinions) if opinions else 0.0
    weights = [max(1, len(_WORD.findall(s))) for s in sentences]
    total = sum(weights)
    pos, neu, neg = (sum(s[k] * w for s, w in zip(scores, weights, strict=True)) / total for k in ("pos", "neu", "neg"))
    return Sentiment(round(compound, 4), round(pos, 3), round(neu, 3), round(neg, 3))


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append((start, end))
