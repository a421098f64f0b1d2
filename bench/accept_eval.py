"""How well and how fast the ACCEPT tagger finds the values, measured honestly. Prints figures only.

    .venv/bin/python bench/accept_eval.py [--corpus ../shared/corpus] [--skip-loso]

1. The ceiling: agreement between the two independent labelling passes of the gold set (micro-F1 per value).
2. Sources the model never saw: leave-one-source-out over the corpus's 12 sources. For each source, the model is
   trained (pipeline.train.fit, thresholds by inner cross-validation) on the gold and silver sentences of the
   other 11, and tested on that source's gold sentences. Per value P/R/F1, micro/macro, per source; the lexicon
   alone (a value when one of its terms is found) on the same sentences for comparison.
3. The hand-written set (tests/data/accept_labelled.jsonl), kept only as a regression check: it was written for
   the lexicon, so its figure is no evidence.
4. Cost as the pipeline runs it: pipeline.score.score_posts on real corpus texts with no finder (VADER only,
   per text), with the lexicon matcher, and with the learned tagger; the ratio against the VADER-only run of the
   same texts, best of 3, one process.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.accept import VALUE, VALUES, build_matcher  # noqa: E402
from pipeline.models import Post  # noqa: E402
from pipeline.score import analyzer, score_posts, split_sentences  # noqa: E402
from pipeline.tagger import build_tagger  # noqa: E402
from pipeline.train import CORPUS, GOLD, SILVER, featurize, fit, load_examples  # noqa: E402

LABELS = ROOT / "bench" / "labels"
Scores = dict[str, tuple[float, float, float, int]]


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def scores(gold: Sequence[set[str]], pred: Sequence[set[str]]) -> Scores:
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


def table(columns: dict[str, Scores], metric: int = 2) -> None:
    names = list(columns)
    print("| value | " + " | ".join(names) + " |")
    print("|---|" + "---:|" * len(names))
    for row in (*VALUES, "micro", "macro"):
        print(f"| {row} | " + " | ".join(f"{columns[n][row][metric]:.3f}" for n in names) + " |")


def agreement() -> None:
    def read(name: str) -> dict[str, set[str]]:
        return {r["id"]: set(r["values"]) for r in map(json.loads, (LABELS / name).read_text().splitlines())}

    a, b = read("accept_passA.jsonl"), read("accept_passB.jsonl")
    ids = sorted(a)
    result = scores([a[i] for i in ids], [b[i] for i in ids])
    print(f"## 1. Agreement between the two labelling passes ({len(ids)} gold sentences): the ceiling\n")
    table({"pass A vs pass B (F1)": result})


def loso(corpus: Path) -> None:
    matcher = build_matcher()
    gold, silver = load_examples(corpus, GOLD), load_examples(corpus, SILVER)
    gold_feats, silver_feats = featurize(gold, matcher), featurize(silver, matcher)
    truth, model_pred, lexicon_pred, per_source = [], [], [], {}
    for source in sorted({e.source for e in gold}):
        train = [(f, e.values) for f, e in zip(gold_feats + silver_feats, gold + silver, strict=True)
                 if e.source != source]
        model = fit([f for f, _ in train], [v for _, v in train])
        test = [(f, e) for f, e in zip(gold_feats, gold, strict=True) if e.source == source]
        predicted = []
        for feats, _ in test:
            totals = model.scores(feats)
            predicted.append({v for v, s, t in zip(VALUES, totals, model.thresholds, strict=True) if s >= t})
            lexicon_pred.append({f[2:] for f in feats if f.startswith("v=")})
        truth += [e.values for _, e in test]
        model_pred += predicted
        per_source[source] = (len(test), scores([e.values for _, e in test], predicted)["micro"][2])
    print(f"\n## 2. Sources never seen in training (leave-one-source-out; {len(gold)} gold test sentences, "
          f"trained on {len(gold) + len(silver)} minus the held-out source)\n")
    model_scores, lexicon_scores = scores(truth, model_pred), scores(truth, lexicon_pred)
    print("| value | model P | model R | model F1 | lexicon only F1 | support |\n|---|---:|---:|---:|---:|---:|")
    for row in (*VALUES, "micro", "macro"):
        p, r, f, n = model_scores[row]
        print(f"| {row} | {p:.3f} | {r:.3f} | {f:.3f} | {lexicon_scores[row][2]:.3f} | {n} |")
    print("\n| held-out source | sentences | model micro-F1 |\n|---|---:|---:|")
    for source, (n, f) in per_source.items():
        print(f"| {source} | {n} | {f:.3f} |")


def handwritten() -> None:
    rows = [json.loads(line) for line in (ROOT / "tests" / "data" / "accept_labelled.jsonl").read_text().splitlines()
            if line.strip()]
    matcher = build_matcher()
    tagger = build_tagger(matcher)
    gold = [set(r["values"]) for r in rows]
    lexicon = [{h.name for a, b in split_sentences(r["text"]) for h in matcher.find(r["text"][a:b])
                if h.kind == VALUE} for r in rows]
    model = [{m.name for m in s.mentions if m.kind == VALUE} for s in score_posts(posts([r["text"] for r in rows]),
                                                                                     tagger, workers=1)]
    print(f"\n## 3. Regression check only: the hand-written set ({len(rows)} texts, written for the lexicon)\n")
    table({"lexicon F1": scores(gold, lexicon), "learned tagger F1": scores(gold, model)})


def posts(texts: Sequence[str]) -> list[Post]:
    now = datetime.now(UTC)
    return [Post("c", "rss", str(i), "u", str(i), None, "post", None, "", t, now) for i, t in enumerate(texts)]


def speed(corpus: Path, n: int = 4000) -> None:
    texts: list[str] = []
    for path in sorted(corpus.glob("*.jsonl")):
        rows = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
        random.Random(7).shuffle(rows)
        texts += rows[: n // 12]
    batch = posts(texts)
    sentences = [t[a:b] for t in texts for a, b in split_sentences(t)]
    matcher = build_matcher()
    tagger = build_tagger(matcher)
    vader = analyzer()

    def best(run: Callable[[], object]) -> float:
        times = []
        for _ in range(3):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        return min(times)

    def tag() -> None:
        hits = [matcher.find(s) for s in sentences]
        tagger.decide_all(sentences, hits)

    per_sentence = best(lambda: [vader.polarity_scores(s) for s in sentences])
    tagging = best(tag)
    base = best(lambda: score_posts(batch, None, workers=1))
    lexicon = best(lambda: score_posts(batch, matcher, workers=1))
    learned = best(lambda: score_posts(batch, tagger, workers=1))
    print(f"\n## 4. Cost ({len(texts)} real texts from every source, {len(sentences)} sentences, one process)\n")
    print(f"Tagging itself (matcher + model on every sentence) against VADER on the same sentences: "
          f"{tagging:.2f}s vs {per_sentence:.2f}s, +{100 * tagging / per_sentence:.1f}%.\n")
    print("| whole scoring step (pipeline.score.score_posts) | seconds | x VADER-only scoring |\n|---|---:|---:|")
    for name, seconds in (("VADER per text, no values", base), ("+ lexicon matcher (previous tagger)", lexicon),
                          ("+ learned tagger (as shipped)", learned)):
        print(f"| {name} | {seconds:.2f} | {seconds / base:.3f} |")
    print("\nThe whole-step figures include value-level sentiment: every sentence that carries a value gets its own "
          "VADER call, which a text scored whole does not need without values.")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--skip-loso", action="store_true", help="skip the ~2 minutes of leave-one-source-out")
    args = parser.parse_args()
    agreement()
    if not args.skip_loso:
        loso(args.corpus)
    handwritten()
    speed(args.corpus)


if __name__ == "__main__":
    main()
