"""The learned ACCEPT tagger: per sentence, a linear one-vs-rest model over the lexicon's hits and word features.

The lexicon alone reaches about half of what real customers say (many sentences carry a value by meaning, with
no safe cue), so a model trained on real people's sentences labelled with shared/ACCEPT_GUIDE.md decides which
values a sentence speaks to (`python -m pipeline.train` makes the weights; bench/accept_eval.py measures them
on sources the model never saw). Its features are the sentence's words plus the lexicon's hits (value
and term), so the lexicon still informs it. Scoring is a sum of weights per value, for a whole batch of
sentences in one numpy pass; no download. The lexicon stays the user's override layer: a term added in voyage.toml
`[accept]` forces its value; a removed one no longer counts for its value, as a hit or as a word.
"""

from __future__ import annotations

import json
import math
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import repeat
from pathlib import Path

import numpy as np

from pipeline.accept import BRAND, VALUE, VALUES, Hit, Matcher

MODEL = Path(__file__).with_name("lexicon") / "accept_model.json"
# words are what is left between spaces once punctuation (but the apostrophe) is a space: C-speed, no regex
_SPACES = str.maketrans({c: " " for c in string.punctuation.replace("'", "") + "\u2018\u201c\u201d\u2026\u2013\u2014"}
                        | {"\u2019": "'"})
_ZERO = 0.0


def words(sentence: str) -> list[str]:
    """The sentence's words, lower-cased (no stemming: it bought 0.006 of micro-F1 for a third of the cost)."""
    return sentence.lower().translate(_SPACES).split()


def features(sentence: str, hits: Iterable[Hit] = ()) -> list[str]:
    """The model's features of one sentence: its words and the lexicon's value hits ("v=Value", "t=Value:term";
    a word never holds "=", so the names cannot clash). Word pairs were tried and left out: no better on
    held-out sources (micro-F1 0.603 with, 0.602 without) at twice the cost."""
    found = words(sentence)
    for hit in hits:
        if hit.kind == VALUE:
            found += (f"v={hit.name}", f"t={hit.name}:{hit.term}")
    return found


@dataclass(frozen=True, slots=True)
class Model:
    """Per value (VALUES order): feature weights, an intercept and a decision threshold (a logit)."""

    columns: tuple[Mapping[str, float], ...]
    intercepts: tuple[float, ...]
    thresholds: tuple[float, ...]

    def scores(self, feats: Iterable[str]) -> list[float]:
        keys = set(feats)
        return [sum(map(column.get, keys, repeat(_ZERO))) + b
                for column, b in zip(self.columns, self.intercepts, strict=True)]

    def without(self, removed: Mapping[str, Sequence[str]]) -> Model:
        """The model with the word and term features of `[accept] remove` terms dropped for their value."""
        if not removed:
            return self
        columns = [dict(c) for c in self.columns]
        for value, terms in removed.items():
            column = columns[VALUES.index(value)]
            for term in terms:
                column.pop(f"t={value}:{term.lower()}", None)
                found = words(term)
                if len(found) == 1:
                    column.pop(found[0], None)
        return Model(tuple(columns), self.intercepts, self.thresholds)

    def to_json(self) -> str:
        return json.dumps({"values": list(VALUES), "intercepts": self.intercepts, "thresholds": self.thresholds,
                           "weights": dict(zip(VALUES, self.columns, strict=True))},
                          separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Model:
        data = json.loads(text)
        if data["values"] != list(VALUES):
            raise ValueError(f"model values {data['values']} are not {list(VALUES)}")
        return cls(tuple(data["weights"][v] for v in VALUES), tuple(data["intercepts"]), tuple(data["thresholds"]))


@cache
def load_model(path: Path = MODEL) -> Model:
    return Model.from_json(path.read_text(encoding="utf-8"))


def logit(probability: float) -> float:
    return math.log(probability / (1 - probability))


class Tagger:
    """Finds brand hits and the lexicon's value hits (`find`, over a whole text, as the matcher does), then
    decides for a batch of sentences which values each speaks to (`decide_all`: one vectorised pass).
    Picklable, like the matcher."""

    def __init__(self, matcher: Matcher, model: Model, forced: Mapping[str, Sequence[str]] = {}) -> None:  # noqa: B006
        self.matcher, self.model = matcher, model
        self.forced = {(value, term.lower()) for value, terms in forced.items() for term in terms}
        self.keys = ["", *sorted({k for column in model.columns for k in column})]
        self.index = {k: i for i, k in enumerate(self.keys) if i}  # row 0 is all zeros: every sentence gets it
        self.weights = np.zeros((len(self.keys), len(VALUES)), dtype=np.float64)
        for j, column in enumerate(model.columns):
            for k, w in column.items():
                self.weights[self.index[k], j] = w
        # what may name a value found by meaning: a word of the sentence, never a lexicon feature
        self.cues = np.where([["=" in k or not k] for k in self.keys], -np.inf, self.weights)
        self.intercepts = np.array(model.intercepts) - np.array(model.thresholds)  # decide on score >= 0

    def find(self, text: str) -> list[Hit]:
        return self.matcher.find(text)

    def decide_all(self, sentences: Sequence[str], hits: Sequence[Sequence[Hit]]) -> list[list[Hit]]:
        """Per sentence: its brand hits, plus one hit per value it speaks to (its lexicon hits when it has any,
        else the word that weighs most for the value in it: the cue). Spans are within each sentence."""
        index, rows, starts, spaces = self.index.get, [], [], _SPACES
        for sentence, found in zip(sentences, hits, strict=True):
            starts.append(len(rows))
            rows.append(0)
            keys = set(sentence.lower().translate(spaces).split())  # features(), inlined: the hot loop
            if found:
                keys.update(features("", found))
            rows += filter(None, map(index, keys))
        if not sentences:
            return []
        totals = np.add.reduceat(self.weights[rows], starts, axis=0) + self.intercepts
        decided: list[list[Hit]] = [[h for h in found if h.kind == BRAND] if found else [] for found in hits]
        chosen: dict[int, set[str]] = {}
        for n, j in zip(*np.nonzero(totals >= 0), strict=True):
            chosen.setdefault(int(n), set()).add(VALUES[j])
        if self.forced:
            for n, found in enumerate(hits):
                forced = {h.name for h in found if h.kind == VALUE and (h.name, h.term.lower()) in self.forced}
                if forced:
                    chosen.setdefault(n, set()).update(forced)
        starts.append(len(rows))
        for n, values in chosen.items():
            decided[n] += [h for h in hits[n] if h.kind == VALUE and h.name in values]
            own = rows[starts[n]:starts[n + 1]]
            decided[n] += [self._cue(sentences[n], own, value) for value in values - {h.name for h in hits[n]}]
        return decided

    def _cue(self, sentence: str, own: list[int], value: str) -> Hit:
        """The sentence's word that weighs most for `value`, as the mention's term and span."""
        weights = self.cues[own, VALUES.index(value)]
        best = int(np.argmax(weights))
        if weights[best] == -np.inf:
            return Hit(VALUE, value, "(sentence)", 0, 0)
        word = self.keys[own[best]]
        # the same characters as words() saw, padded: the word's first whole occurrence is its span
        start = f" {sentence.lower().translate(_SPACES)} ".find(f" {word} ")
        return Hit(VALUE, value, word, start, start + len(word)) if start >= 0 else Hit(VALUE, value, word, 0, 0)


def build_tagger(matcher: Matcher, add: Mapping[str, Sequence[str]] = {},  # noqa: B006 - read only
                 remove: Mapping[str, Sequence[str]] = {}, model: Model | None = None) -> Tagger:  # noqa: B006
    return Tagger(matcher, (model or load_model()).without(remove), add)
