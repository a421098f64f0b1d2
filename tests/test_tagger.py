"""The learned ACCEPT tagger: overrides still rule, it ships inside the package, retraining reproduces it."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import steps
from pipeline.accept import VALUE, build_matcher
from pipeline.config import Config
from pipeline.models import Post
from pipeline.score import analyzer, score_posts
from pipeline.tagger import MODEL, Model, Tagger, build_tagger, features, load_model
from tests.test_store import T0

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def values(text: str, tagger: Tagger) -> set[str]:
    (scored,) = score_posts([Post("c", "rss", "1", "u", "1", None, "post", None, "", text, T0)], tagger, workers=1)
    return {m.name for m in scored.mentions if m.kind == VALUE}


def tiny(weights: dict[str, dict[str, float]], threshold: float = 0.0) -> Model:
    """A model whose every value needs a score of `threshold`: weights only from `weights`."""
    values = ("Achievement", "Convenience", "Comfort", "Esteem", "Pleasure", "Trust")
    return Model(tuple(weights.get(v, {}) for v in values), (-1.0,) * 6, (threshold,) * 6)


def test_the_pipeline_tags_with_the_shipped_model() -> None:
    tagger = steps.make_matcher(Config(communities=()))
    assert isinstance(tagger, Tagger) and tagger.model == load_model()
    assert MODEL.stat().st_size < 1_000_000  # ships inside the package, small


def test_a_value_carried_by_meaning_gets_a_mention_on_its_strongest_word() -> None:
    tagger = build_tagger(build_matcher(), model=tiny({"Convenience": {"folds": 2.0, "one": 0.1}}))
    (scored,) = score_posts([Post("c", "rss", "1", "u", "1", None, "post", None, "",
                                  "Folds with one hand while I hold the baby.", T0)], tagger, workers=1)
    (mention,) = scored.mentions
    assert (mention.name, mention.term, mention.start, mention.end) == ("Convenience", "folds", 0, 5)
    assert mention.sentence == "Folds with one hand while I hold the baby."
    assert mention.compound == analyzer().polarity_scores(mention.sentence)["compound"]  # its sentence's sentiment


def test_an_added_term_forces_its_value_and_a_removed_one_stops_it() -> None:
    model = tiny({"Comfort": {"comfy": 2.0, "v=Comfort": 0.5}})
    plain = build_tagger(build_matcher(), model=model)
    assert values("Really comfy boots.", plain) == {"Comfort"}
    removed = build_tagger(build_matcher(remove={"Comfort": ["comfy"]}), remove={"Comfort": ["comfy"]}, model=model)
    assert values("Really comfy boots.", removed) == set()  # neither the lexicon hit nor the word counts
    added = build_tagger(build_matcher(add={"Esteem": ["heads turn"]}), add={"Esteem": ["heads turn"]}, model=model)
    assert values("Heads turn when I wear them.", added) == {"Esteem"}  # the model alone would not say so


def test_brands_are_kept_whatever_the_model_decides() -> None:
    tagger = build_tagger(build_matcher(brands=[("Acme", ("ACME Corp",))]), model=tiny({}))
    (scored,) = score_posts([Post("c", "rss", "1", "u", "1", None, "post", None, "", "ACME Corp boots.", T0)],
                            tagger, workers=1)
    assert [(m.kind, m.name) for m in scored.mentions] == [("brand", "Acme")]


def test_features_are_words_and_lexicon_hits() -> None:
    hits = build_matcher().find("The zipper broke, leaking everywhere.")
    found = features("The zipper broke, leaking everywhere.", hits)
    assert {"zipper", "broke", "leaking", "everywhere"} <= set(found)
    assert any(f.startswith("v=") for f in found) and any(f.startswith("t=") for f in found)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs the labelling corpus beside the project (../shared/corpus)")
def test_retraining_from_the_committed_labels_reproduces_the_shipped_model(tmp_path: Path) -> None:
    from pipeline import train

    out = tmp_path / "model.json"
    train.main(["--corpus", str(CORPUS), "--out", str(out)])
    assert out.read_text() == MODEL.read_text()
