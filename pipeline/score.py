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
import signal
import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from typing import Any, Protocol, TypeVar

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from pipeline import language
from pipeline.models import Mention, Post, ScoredPost, Sentiment

SHORT_WORDS = 60
MAX_SENTENCE = 2_000  # characters: VADER is quadratic in a sentence's length, so longer runs are cut at spaces
MAX_QUOTE = 400  # characters of a sentence stored with a mention: a long one is trimmed around the mention
PARALLEL_MIN = 4000  # posts; below this a process pool costs more than it saves
POOL_START = 300  # posts in one batch before a run's scoring pool is worth starting (spawning costs ~1 s)
POOL_CHUNK = 250  # posts sent to a pool worker at a time
_SENTENCE_END = re.compile(r"""(?:[.!?…]+["')\]]*|\n+)(?=\s|$)""")
_ABBREVIATIONS = re.compile(r"\b(?:e\.g|i\.e|etc|vs|mr|mrs|ms|dr|st|approx|no|fig|inc|ltd|jr|sr)\.$", re.I)
_WORD = re.compile(r"\S+")

_analyzer: SentimentIntensityAnalyzer | None = None
T = TypeVar("T")


class Finder(Protocol):
    """What scoring needs from the ACCEPT/brand matcher (pipeline.accept.Matcher); pipeline.tagger.Tagger also
    decides, for a batch of sentences (`decide_all`), which values each speaks to."""

    def find(self, sentence: str) -> Sequence[Any]: ...


def analyzer() -> SentimentIntensityAnalyzer:
    """One VADER analyzer per process (~7 ms to build)."""
    global _analyzer
    if _analyzer is None:
        _analyzer = SentimentIntensityAnalyzer()
    return _analyzer


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans (start, end) in `text`: ends at . ! ? … and line breaks, not after common abbreviations.
    The committed ACCEPT labels name sentences by their index here (bench/labels): a change that moves the
    boundaries in the corpus's texts (none over 1,500 characters) needs a relabelling, and the retraining test
    says so."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        if match.group().startswith(".") and _ABBREVIATIONS.search(text[start : match.start() + 1]):
            continue
        _add_span(text, start, end, spans)
        start = end
    _add_span(text, start, len(text), spans)
    return spans


class _Text:
    """One post's text on its way through scoring: sentences, their sentiment (scored on demand), hits."""

    __slots__ = ("post", "text", "spans", "sentences", "scores", "sentiment", "hits", "lang")

    def __init__(self, post: Post) -> None:
        self.post, self.text = post, post.text
        self.spans = split_sentences(self.text) if self.text.strip() else []
        self.sentences = [self.text[a:b] for a, b in self.spans]
        self.scores: dict[int, dict[str, float]] = {}
        self.sentiment: Sentiment | None = None
        self.hits: list[list[Any]] = []
        self.lang: str | None = None

    def sentence_score(self, i: int) -> dict[str, float]:
        if i not in self.scores:
            self.scores[i] = analyzer().polarity_scores(self.sentences[i])
        return self.scores[i]

    def score(self) -> None:
        if not self.spans:
            return
        self.lang = language.detect(self.text)
        if self.lang != "en":  # VADER and the tagger read English only: the text is stored and counted, not scored
            return
        if len(_WORD.findall(self.text)) <= SHORT_WORDS or len(self.sentences) < 2:
            whole = analyzer().polarity_scores(self.text)
            if len(self.sentences) == 1:
                self.scores[0] = whole  # one sentence: its score is the document's
            self.sentiment = _sentiment(whole)
        else:
            self.sentiment = _aggregate([self.sentence_score(i) for i in range(len(self.sentences))], self.sentences)

    def find(self, finder: Finder) -> None:
        """One matcher pass over the whole text (cheaper than one per sentence); each hit goes to its sentence,
        with its span made relative to the sentence. A phrase across a sentence break is not one mention."""
        starts = [a for a, _ in self.spans]
        self.hits = [[] for _ in self.spans]
        for hit in finder.find(self.text):
            i = bisect_right(starts, hit.start) - 1
            if i >= 0 and hit.end <= self.spans[i][1]:
                self.hits[i].append(type(hit)(hit.kind, hit.name, hit.term, hit.start - starts[i], hit.end - starts[i]))

    def scored(self, decided: Sequence[Sequence[Any]] | None = None) -> ScoredPost:
        if self.sentiment is None:
            return ScoredPost(self.post, None, lang=self.lang)
        mentions = [Mention(self.post.id, h.kind, h.name, h.term, i, *quote(self.sentences[i], h.start, h.end),
                            self.sentence_score(i)["compound"])
                    for i, hits in enumerate(self.hits if decided is None else decided) for h in hits]
        return ScoredPost(self.post, self.sentiment, len(self.sentences), tuple(mentions), self.lang)


def score_post(post: Post, matcher: Finder | None = None) -> ScoredPost:
    return _score_chunk([post], matcher)[0]


def score_posts(
    posts: Sequence[Post], matcher: Finder | None = None, *, workers: int | None = None
) -> list[ScoredPost]:
    """Score a batch; large batches spread over processes (a RunScorer of their own, each worker receiving the
    matcher once). `workers=None` decides by size: one process below PARALLEL_MIN posts, every core above."""
    if workers is None:
        workers = (os.cpu_count() or 1) if len(posts) >= PARALLEL_MIN else 1
    if workers < 2:
        return _score_chunk(posts, matcher)
    with RunScorer(partial(given, matcher), workers, pool_start=1) as scorer:  # asked for workers: use them
        return scorer(posts)


def given(finder: Finder | None) -> Finder | None:
    """A RunScorer's `make_finder` for a matcher already built: `partial(given, matcher)`, pickled once per worker."""
    return finder


class RunScorer:
    """One scoring pool for a whole run, shared by every community's fetch thread: started on the first batch worth
    it, each worker building the matcher once (`make_finder`, picklable) so only posts cross the process boundary.
    Scoring then runs on every core beside the fetching and parsing, instead of behind the GIL with them. Small
    batches before the pool exists are scored in this process. Use as a context manager; call it with posts."""

    def __init__(self, make_finder: Callable[[], Finder | None], workers: int | None = None,
                 eager: bool = False, pool_start: int = POOL_START) -> None:
        self.make_finder, self.workers, self.eager = make_finder, workers or os.cpu_count() or 1, eager
        self.pool_start = pool_start  # posts in one batch that are worth starting the workers for
        self._pool: ProcessPoolExecutor | None = None
        self._working = False  # whether the pool's workers were ever asked for anything (they spawn then)
        self._finder: Finder | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> RunScorer:
        if self.eager:  # a run of several communities: workers ready for the first feeds (they start in ~1 s)
            self._started(self.pool_start)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __call__(self, posts: Sequence[Post]) -> list[ScoredPost]:
        if not posts:  # a rerun with nothing new: no matcher to build, no worker to start
            return []
        pool = self._started(len(posts))
        if pool is None or not (self._working or len(posts) >= self.pool_start):  # no worker yet, a small batch
            with self._lock:  # one local finder, built once
                if self._finder is None:
                    self._finder = self.make_finder()
            return _score_chunk(posts, self._finder)
        self._working = True
        chunks = [posts[i:i + POOL_CHUNK] for i in range(0, len(posts), POOL_CHUNK)]
        return [scored for batch in pool.map(_score_in_worker, chunks) for scored in batch]

    def offload(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a worker (feed parsing: pure Python, off the GIL the fetch threads share); here while
        no worker is running and the payload is small (a feed under 64 KB), since spawning them costs a second."""
        big = sum(len(getattr(a, "content", b"")) for a in args) >= 65_536
        pool = self._started(self.pool_start if big else 0)
        if pool is None or not (big or self._working):
            return function(*args)
        self._working = True
        return pool.submit(function, *args).result()

    def _started(self, size: int) -> ProcessPoolExecutor | None:
        with self._lock:
            if self._pool is None and self.workers > 1 and size >= self.pool_start:
                context = multiprocessing.get_context("spawn")  # fork is unsafe beside the fetch threads
                self._pool = ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker,
                                                 initargs=(os.getpid(), self.make_finder))
            return self._pool


_worker_finder: Finder | None = None


def _start_worker(parent: int, make_finder: Callable[[], Finder | None]) -> None:
    """In a pool worker: Ctrl-C is the parent's to handle (it stops the run and the pool), not a traceback here."""
    global _worker_finder
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _exit_with_parent(parent)
    _worker_finder = make_finder()


def _score_in_worker(posts: Sequence[Post]) -> list[ScoredPost]:
    return _score_chunk(posts, _worker_finder)


def _exit_with_parent(parent: int) -> None:
    """In a pool worker: exit when the process that started it is gone (SIGKILLed mid-batch, say), instead of
    waiting forever for work as an orphan."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def _score_chunk(posts: Sequence[Post], finder: Finder | None) -> list[ScoredPost]:
    """Score a batch in one process: VADER per text (and per sentence where a mention needs it), the matcher once
    per text, and the learned tagger's decisions for all the batch's sentences in one vectorised pass."""
    texts = [_Text(p) for p in posts]
    for t in texts:
        t.score()
        if finder is not None and t.sentiment is not None:
            t.find(finder)
    decide_all = getattr(finder, "decide_all", None)
    if decide_all is None:
        return [t.scored() for t in texts]
    decided = iter(decide_all([s for t in texts if t.hits for s in t.sentences], [h for t in texts for h in t.hits]))
    return [t.scored([next(decided) for _ in t.hits]) for t in texts]


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
    while end - start > MAX_SENTENCE:  # no full stop for pages: cut at the last space before the bound
        cut = text.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        spans.append((start, cut))
        start = cut + 1 if text[cut:cut + 1] == " " else cut
    if end > start:
        spans.append((start, end))


def quote(sentence: str, start: int, end: int) -> tuple[int, int, str]:
    """A mention's span and the sentence stored with it (Mention's field order): a long sentence is trimmed to
    MAX_QUOTE characters around the mention and marked with "…", so a page of value words cannot make every one
    of its mentions store the whole page."""
    if len(sentence) <= MAX_QUOTE:
        return start, end, sentence
    left = max(0, min(start - (MAX_QUOTE - (end - start)) // 2, len(sentence) - MAX_QUOTE))
    prefix = "…" if left else ""
    suffix = "…" if left + MAX_QUOTE < len(sentence) else ""
    shift = len(prefix) - left
    return start + shift, min(end, left + MAX_QUOTE) + shift, prefix + sentence[left:left + MAX_QUOTE] + suffix
