"""What language detection marks as not English on real texts, and what it costs beside VADER. Prints figures only.

    .venv/bin/python bench/language.py [--corpus ../shared/corpus]

The corpus's 83,571 texts are English-language sources with a few reviews in other languages, so the share marked
"not English" is mostly a false-drop rate (an English text that would go unscored) plus the real foreign texts; the
sample it prints lets a reader judge which. Cost: pipeline.language.detect and stock VADER polarity_scores on the
same texts, one process, best of 3.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from pipeline import language  # noqa: E402


def main() -> None:
    args = argparse.ArgumentParser()
    args.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    corpus = args.parse_args().corpus
    texts = [(json.loads(line)["source"], json.loads(line)["text"])
             for file in sorted(corpus.glob("*.jsonl")) for line in file.open(encoding="utf-8")]
    found = [(source, text, language.detect(text)) for source, text in texts]
    other = [(s, t, lang) for s, t, lang in found if lang != "en"]
    print(f"texts: {len(texts)}; marked not English: {len(other)} ({len(other) / len(texts):.3%})")
    print("by language:", dict(Counter(lang for _, _, lang in other).most_common(10)))
    print("by source:", dict(Counter(s for s, _, _ in other).most_common()))
    print("a sample of 20 (judge which are English):")
    for source, text, lang in random.Random(7).sample(other, min(20, len(other))):
        print(f"  {lang}  {source:<28} {' '.join(text.split())[:90]}")

    vader = SentimentIntensityAnalyzer()
    sample = [t for _, t in random.Random(1).sample(texts, 20_000)]

    def best(work) -> float:
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            for text in sample:
                work(text)
            timings.append(time.perf_counter() - started)
        return min(timings)

    detect, score = best(language.detect), best(vader.polarity_scores)
    print(f"cost on {len(sample)} texts: detect {detect:.2f}s ({detect / len(sample) * 1e6:.0f} us a text), "
          f"VADER {score:.2f}s; detection adds {detect / score:.1%} of VADER's time")


if __name__ == "__main__":
    main()
