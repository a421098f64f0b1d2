"""Scoring is pure: VADER per document and per sentence, long texts from their sentences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from pipeline.models import COMMENT, POST, Post
from pipeline.score import score_post, score_posts, split_sentences


def post(body: str, title: str = "", kind: str = POST, removed: bool = False) -> Post:
    return Post("c", "rss", body[:20], "http://x", "t", None, kind, None, title, body,
                datetime(2026, 11, 1, tzinfo=UTC), removed=removed)


@dataclass
class Hit:
    kind: str
    name: str
    term: str
    start: int
    end: int


class WordFinder:
    """A stand-in matcher: finds one word, the way pipeline.accept.Matcher reports hits."""

    def find(self, sentence: str) -> list[Hit]:
        at = sentence.lower().find("refund")
        return [Hit("value", "Trust", "refund", at, at + 6)] if at >= 0 else []


def test_sentences_end_at_punctuation_and_line_breaks_but_not_abbreviations() -> None:
    text = "Love it!! Broke after a week, e.g. on day 10. Support was awful.\nNever again... ok"
    assert [text[a:b] for a, b in split_sentences(text)] == [
        "Love it!!", "Broke after a week, e.g. on day 10.", "Support was awful.", "Never again...", "ok"]


def test_a_short_text_is_scored_whole_with_the_standard_label() -> None:
    scored = score_post(post("I love this jacket, it is great."))
    assert scored.sentiment is not None and scored.sentiment.compound > 0.5
    assert scored.sentiment.label == "positive"


def test_a_long_mixed_text_does_not_saturate() -> None:
    good = "The fabric is lovely and the colour is great. " * 8
    bad = "The zipper broke and the seams are terrible. " * 8
    scored = score_post(post(good + bad))
    assert scored.sentences == 16
    assert scored.sentiment is not None and abs(scored.sentiment.compound) < 0.5


def test_removed_and_empty_posts_are_not_scored() -> None:
    assert score_post(post("[removed]", removed=True)).sentiment is None
    assert score_post(post("   ", kind=COMMENT)).sentiment is None


def test_each_mention_carries_its_own_sentence_sentiment() -> None:
    scored = score_post(post("I love the colour. They refused my refund, awful!"), WordFinder())
    (mention,) = scored.mentions
    assert mention.sentence == "They refused my refund, awful!"
    assert mention.compound < 0 and mention.sentence_idx == 1


def test_a_large_batch_scores_the_same_in_worker_processes() -> None:
    posts = [post(f"Item {i} is great but the refund took ages.") for i in range(60)]
    assert score_posts(posts, WordFinder(), workers=2) == score_posts(posts, WordFinder(), workers=1)


BUILT: list[int] = []


def counting_finder() -> None:
    BUILT.append(1)


def test_a_run_with_nothing_new_starts_no_worker_and_builds_no_matcher() -> None:
    """A rerun scores nothing and parses only small feeds: spawning the workers (a second each) or compiling the
    lexicon (most of a second) would be all its cost."""
    import multiprocessing

    from pipeline.score import RunScorer

    with RunScorer(counting_finder, workers=2, eager=True) as scorer:
        assert scorer([]) == []
        assert scorer.offload(len, "a small feed") == 12
        assert multiprocessing.active_children() == [] and BUILT == []
