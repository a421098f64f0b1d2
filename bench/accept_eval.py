"""Measure the ACCEPT tagger on the hand-labelled set: per-value P/R/F1, micro/macro-F1, and its cost beside VADER.

    .venv/bin/python bench/accept_eval.py [--set tests/data/accept_labelled.jsonl] [--errors] [--seconds 2]

Prints figures only. The honesty check compares the half of the set written first with the half written
last (lines are in the order they were written), and five consecutive folds, to expose a lexicon tuned
to the texts it is measured on. Throughput: texts/s of VADER alone (polarity_scores on each sentence)
against VADER plus matcher.find on each sentence, on the set's short texts and on ~10-sentence posts
made by joining them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from pipeline.accept import VALUE, VALUES, Matcher, build_matcher  # noqa: E402
from pipeline.score import split_sentences  # noqa: E402

Example = tuple[str, set[str], str]


def load(path: Path) -> list[Example]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [(r["text"], set(r["values"]), r["source"]) for r in rows]


def predict(text: str, matcher: Matcher) -> set[str]:
    return {h.name for a, b in split_sentences(text) for h in matcher.find(text[a:b]) if h.kind == VALUE}


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def scores(gold: Sequence[set[str]], pred: Sequence[set[str]]) -> dict[str, tuple[float, float, float, int]]:
    """Per value (P, R, F1, support), plus "micro" and "macro"."""
    out, totals = {}, [0, 0, 0]
    for value in VALUES:
        tp = sum(value in g and value in p for g, p in zip(gold, pred, strict=True))
        fp = sum(value not in g and value in p for g, p in zip(gold, pred, strict=True))
        fn = sum(value in g and value not in p for g, p in zip(gold, pred, strict=True))
        out[value] = (*prf(tp, fp, fn), tp + fn)
        totals = [totals[0] + tp, totals[1] + fp, totals[2] + fn]
    out["micro"] = (*prf(*totals), totals[0] + totals[2])
    macro = [sum(out[v][i] for v in VALUES) / len(VALUES) for i in range(3)]
    out["macro"] = (macro[0], macro[1], macro[2], totals[0] + totals[2])
    return out


def print_scores(examples: list[Example], matcher: Matcher) -> None:
    gold = [g for _, g, _ in examples]
    pred = [predict(t, matcher) for t, _, _ in examples]
    table = scores(gold, pred)
    empty = sum(not g for g in gold)
    print(f"labelled set: {len(examples)} texts, {empty} with no value ({empty / len(examples):.0%})")
    print(f"{'value':<12} {'P':>6} {'R':>6} {'F1':>6} {'n':>5}")
    for name, (p, r, f, n) in table.items():
        print(f"{name:<12} {p:6.3f} {r:6.3f} {f:6.3f} {n:5d}")
    none_right = sum(not g and not p for g, p in zip(gold, pred, strict=True))
    print(f"texts with no value left untagged: {none_right}/{empty}")
    exact = sum(g == p for g, p in zip(gold, pred, strict=True))
    print(f"texts whose whole label set is right: {exact}/{len(examples)} ({exact / len(examples):.0%})")
    print_honesty(gold, pred)
    by_source = {}
    for (_, g, s), p in zip(examples, pred, strict=True):
        by_source.setdefault(s, ([], []))
        by_source[s][0].append(g)
        by_source[s][1].append(p)
    print("micro-F1 by source: " + ", ".join(
        f"{s} {scores(g, p)['micro'][2]:.3f} (n={len(g)})" for s, (g, p) in sorted(by_source.items())))


def print_honesty(gold: Sequence[set[str]], pred: Sequence[set[str]]) -> None:
    half = len(gold) // 2
    first, last = scores(gold[:half], pred[:half]), scores(gold[half:], pred[half:])
    print(f"honesty: micro-F1 first-written half {first['micro'][2]:.3f}, last-written half "
          f"{last['micro'][2]:.3f}; macro-F1 {first['macro'][2]:.3f} vs {last['macro'][2]:.3f}")
    size = -(-len(gold) // 5)
    folds = [scores(gold[i:i + size], pred[i:i + size])["micro"][2] for i in range(0, len(gold), size)]
    print("honesty: micro-F1 of 5 consecutive folds: " + ", ".join(f"{f:.3f}" for f in folds))


def print_errors(examples: list[Example], matcher: Matcher) -> None:
    for line, (text, gold, _) in enumerate(examples, 1):
        pred = predict(text, matcher)
        if pred != gold:
            terms = [(h.name, h.term) for a, b in split_sentences(text) for h in matcher.find(text[a:b])]
            print(f"  line {line}: gold={sorted(gold)} pred={sorted(pred)} {text!r} {terms}")


def best_rates(works: Sequence[Callable[[], None]], count: int, seconds: float) -> list[float]:
    """Items per second of each work: the best of interleaved rounds (at least 5), so a busy machine
    slows all of them alike instead of whichever happened to run during the noise."""
    best = [float("inf")] * len(works)
    deadline, rounds = time.perf_counter() + seconds * len(works), 0
    while rounds < 5 or time.perf_counter() < deadline:
        for i, work in enumerate(works):
            start = time.perf_counter()
            work()
            best[i] = min(best[i], time.perf_counter() - start)
        rounds += 1
    return [count / b for b in best]


def print_throughput(texts: list[str], matcher: Matcher, label: str, seconds: float) -> None:
    analyzer = SentimentIntensityAnalyzer()
    sentences = [[t[a:b] for a, b in split_sentences(t)] for t in texts]

    def vader() -> None:
        for parts in sentences:
            for s in parts:
                analyzer.polarity_scores(s)

    # as pipeline.score does it: VADER per sentence, the matcher once over the whole text
    def vader_and_tags() -> None:
        for text, parts in zip(texts, sentences, strict=True):
            for s in parts:
                analyzer.polarity_scores(s)
            matcher.find(text)

    def tags() -> None:
        for text in texts:
            matcher.find(text)

    v, both, alone = best_rates((vader, vader_and_tags, tags), len(texts), seconds)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"throughput, {label} ({len(texts)} texts, {words:.0f} words each on average): VADER {v:,.0f}/s, "
          f"VADER+tagging {both:,.0f}/s, tagging alone {alone:,.0f}/s; tagging adds {v / both - 1:+.1%} "
          f"(from the separate runs: {v / alone:+.1%})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=ROOT / "tests" / "data" / "accept_labelled.jsonl")
    parser.add_argument("--errors", action="store_true", help="list the texts the tagger gets wrong")
    parser.add_argument("--seconds", type=float, default=2.0, help="time budget per throughput figure")
    args = parser.parse_args(argv)
    examples = load(args.set)
    start = time.perf_counter()
    matcher = build_matcher()
    print(f"matcher: {len(matcher):,} surface forms, built in {time.perf_counter() - start:.2f} s")
    print_scores(examples, matcher)
    if args.errors:
        print_errors(examples, matcher)
    texts = [t for t, _, _ in examples]
    print_throughput(texts, matcher, "short texts", args.seconds)
    rng = random.Random(3)
    posts = [" ".join(rng.sample(texts, 10)) for _ in range(len(texts) // 4)]
    print_throughput(posts, matcher, "10-sentence posts", args.seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
