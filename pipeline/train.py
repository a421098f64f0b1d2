"""Train the ACCEPT tagger's weights from labelled sentences of a real corpus (needs the `train` extra).

    .venv/bin/python -m pipeline.train [--corpus ../shared/corpus] [--out pipeline/lexicon/accept_model.json]
                                       [--labels bench/labels/accept_final.jsonl bench/labels/accept_silver.jsonl]

Labels are committed as {id, values} keyed `<corpus id>#<sentence index>` (pipeline.score.split_sentences), never
with the texts: the texts are read here from the corpus folder. accept_final.jsonl holds the sentences labelled
twice independently and adjudicated (the gold set, also the test set of bench/accept_eval.py); accept_silver.jsonl
holds more sentences labelled once by the same guide, for training only. One logistic regression per value
(liblinear, L2) over pipeline.tagger.features; each value's threshold is the one that maximises its F1 on
out-of-fold predictions (5 folds). The same seed and inputs give the same file.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

from pipeline.accept import VALUES, Matcher, build_matcher
from pipeline.score import split_sentences
from pipeline.tagger import MODEL, Model, features, logit

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
GOLD = ROOT / "bench" / "labels" / "accept_final.jsonl"
SILVER = ROOT / "bench" / "labels" / "accept_silver.jsonl"
MIN_COUNT = 2  # a feature seen in fewer training sentences carries no weight
C = 0.5  # inverse L2 strength, chosen by leave-one-source-out in bench/accept_eval.py
PRUNE = 0.02  # weights smaller than this are left out of the shipped file


class Example:
    __slots__ = ("id", "source", "text", "values")

    def __init__(self, id: str, source: str, text: str, values: set[str]) -> None:
        self.id, self.source, self.text, self.values = id, source, text, values


def load_examples(corpus: Path = CORPUS, labels: Path = GOLD) -> list[Example]:
    """The labelled sentences with their texts, read from the corpus folder by id."""
    wanted = {}
    for line in labels.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        text_id, _, index = row["id"].rpartition("#")
        wanted.setdefault(text_id, {})[int(index)] = (row["id"], set(row["values"]))
    examples = []
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            if row["id"] not in wanted:
                continue
            spans = split_sentences(row["text"])
            for index, (sid, values) in wanted[row["id"]].items():
                a, b = spans[index]
                examples.append(Example(sid, row["source"], row["text"][a:b], values))
    missing = sum(len(v) for v in wanted.values()) - len(examples)
    if missing:
        raise SystemExit(f"{missing} labelled sentences are not in {corpus}: is it the corpus they were drawn from?")
    return examples


def featurize(examples: Sequence[Example], matcher: Matcher) -> list[list[str]]:
    return [features(e.text, matcher.find(e.text)) for e in examples]


def fit(feats: Sequence[list[str]], labels: Sequence[set[str]], *, c: float = C, folds: int = 5,
        seed: int = 0) -> Model:
    """One L2 logistic regression per value; thresholds from out-of-fold F1."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold, cross_val_predict

    counts: dict[str, int] = {}
    for f in feats:
        for name in set(f):
            counts[name] = counts.get(name, 0) + 1
    vectorizer = DictVectorizer()
    x = vectorizer.fit_transform([{n: 1 for n in f if counts[n] >= MIN_COUNT} for f in feats]).tocsr()
    x.indices, x.indptr = x.indices.astype("int32"), x.indptr.astype("int32")  # liblinear takes 32-bit only
    names = vectorizer.get_feature_names_out()
    weights, intercepts, thresholds = [], [], []
    for value in VALUES:
        y = [value in v for v in labels]
        model = LogisticRegression(C=c, solver="liblinear")
        cv = KFold(folds, shuffle=True, random_state=seed)
        oof = cross_val_predict(model, x, y, cv=cv, method="predict_proba")[:, 1]
        thresholds.append(round(logit(best_threshold(oof, y)), 4))
        model.fit(x, y)
        weights.append(model.coef_[0])
        intercepts.append(round(float(model.intercept_[0]), 4))
    columns = tuple({str(name): round(float(w[j]), 3) for j, name in enumerate(names) if abs(w[j]) >= PRUNE}
                    for w in weights)
    return Model(columns, tuple(intercepts), tuple(thresholds))


def best_threshold(probabilities: Sequence[float], truth: Sequence[bool]) -> float:
    """The probability cut that maximises F1 (ties: the higher cut, fewer false positives)."""
    ranked = sorted(zip(probabilities, truth, strict=True), reverse=True)
    positives = sum(truth)
    best, cut, tp = -1.0, 0.5, 0
    for k, (p, t) in enumerate(ranked, 1):
        tp += t
        f1 = 2 * tp / (k + positives) if positives else 0.0
        if f1 > best:
            best, cut = f1, p
    return min(max(cut, 0.05), 0.95)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--labels", type=Path, nargs="+", default=[GOLD, SILVER])
    parser.add_argument("--out", type=Path, default=MODEL)
    args = parser.parse_args(argv)
    examples = [e for labels in args.labels for e in load_examples(args.corpus, labels)]
    model = fit(featurize(examples, build_matcher()), [e.values for e in examples])
    args.out.write_text(model.to_json() + "\n", encoding="utf-8")
    print(f"{len(examples)} labelled sentences -> {args.out} ({sum(map(len, model.columns))} weights, "
          f"{args.out.stat().st_size / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
