"""Draw the sentences to label for the ACCEPT tagger from a real corpus folder (reproducible, seed fixed).

    .venv/bin/python bench/accept_sample.py [--corpus ../shared/corpus] [--out /tmp/accept-sample.jsonl]

The committed labels (bench/labels/) came from two draws: the default one (4,428 sentences), then one for the
rarest value, `--per-source-only --rare 700 --boost Esteem --skip bench/labels/accept_final.jsonl --seed 7`.
The silver labels (labelled once, for training only) came from `--per-source 750 --rare 3000 --seed 11` and
`--per-source 750 --rare 3000 --seed 13` and `--per-source 750 --rare 3000 --seed 17`, each skipping every id
labelled before it.

Stratified by source (an equal random share of each of the corpus's sources), then oversampled for the
rare values: sentences in which the lexicon finds Comfort, Esteem or Pleasure, again spread over sources.
A sentence's id is `<corpus id>#<sentence index>` with pipeline.score.split_sentences, so labels can be
committed without the texts and joined back to them (pipeline.train reads the same ids).
Writes {id, source, text} lines to --out, in a shuffled order, outside the repository.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.accept import VALUE, build_matcher  # noqa: E402
from pipeline.score import split_sentences  # noqa: E402

RARE = ("Comfort", "Esteem", "Pleasure")


def sentences(corpus: Path):
    for path in sorted(corpus.glob("*.jsonl")):
        for line in path.open(encoding="utf-8"):
            row = json.loads(line)
            text = row["text"]
            for i, (a, b) in enumerate(split_sentences(text)):
                sentence = text[a:b]
                if 3 <= len(sentence.split()) <= 60:
                    yield f"{row['id']}#{i}", row["source"], sentence


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--out", type=Path, default=Path("/tmp/accept-sample.jsonl"))
    parser.add_argument("--per-source", type=int, default=260)
    parser.add_argument("--rare", type=int, default=1300)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--boost", nargs="*", default=RARE, help="values the --rare sentences are drawn for")
    parser.add_argument("--per-source-only", action="store_true", help="no stratified share, only --rare")
    parser.add_argument("--skip", type=Path, nargs="*", default=[], help="labels files whose ids are not drawn again")
    args = parser.parse_args()
    skip = {json.loads(line)["id"] for path in args.skip for line in path.open()}
    rng = random.Random(args.seed)
    matcher = build_matcher()
    by_source: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    rare: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for item in sentences(args.corpus):
        if item[0] in skip:
            continue
        by_source[item[1]].append(item)
        if {h.name for h in matcher.find(item[2]) if h.kind == VALUE} & set(args.boost):
            rare[item[1]].append(item)
    chosen: dict[str, tuple[str, str, str]] = {}
    for source in [] if args.per_source_only else sorted(by_source):
        for item in rng.sample(by_source[source], min(args.per_source, len(by_source[source]))):
            chosen[item[0]] = item
    per_source = -(-args.rare // len(rare))
    for source in sorted(rare):
        pool = [item for item in rare[source] if item[0] not in chosen]
        for item in rng.sample(pool, min(per_source, len(pool))):
            chosen[item[0]] = item
    rows = list(chosen.values())
    rng.shuffle(rows)
    with args.out.open("w", encoding="utf-8") as out:
        for sid, source, text in rows:
            out.write(json.dumps({"id": sid, "source": source, "text": text}, ensure_ascii=False) + "\n")
    print(f"{len(rows)} sentences from {len(by_source)} sources -> {args.out}")


if __name__ == "__main__":
    main()
