"""The ACCEPT tagger on clear cases, phrases, inflections, whole words, false friends, brands and overrides."""

from __future__ import annotations

import pickle
import tomllib

import pytest

from pipeline.accept import LEXICON, VALUES, Hit, build_matcher, inflections, load_lexicon, tag_values
from pipeline.errors import ConfigError


@pytest.fixture(scope="module")
def matcher():
    return build_matcher(brands=[("Acme", ["AcmeAir", "Acme Corp"]), ("Globex", [])])


def values(text: str, matcher) -> set[str]:
    return tag_values(text, matcher)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("The blender crushes ice in seconds.", "Achievement"),
        ("It didn't fix my problem at all.", "Achievement"),
        ("Battery life is excellent and the zoom is sharp.", "Achievement"),
        ("Setup took five minutes, really easy to set up.", "Convenience"),
        ("Free shipping and it arrived the next morning.", "Convenience"),
        ("The menus are confusing.", "Convenience"),
        ("These earbuds are so comfy.", "Comfort"),
        ("The strap pinches and my wrist aches.", "Comfort"),
        ("The fan is quiet enough to sleep with.", "Comfort"),
        ("I get compliments every time I wear it.", "Esteem"),
        ("I was embarrassed to bring it to work.", "Esteem"),
        ("So much fun to drive.", "Pleasure"),
        ("The coffee tastes burnt.", "Pleasure"),
        ("A gripping thriller, I was never bored.", "Pleasure"),
        ("Mine fell apart in a month.", "Trust"),
        ("Customer service replaced it without questions.", "Trust"),
        ("Worth every penny.", "Trust"),
        ("I would recommend this to anyone.", "Trust"),
        ("Don't buy this, the seller is a scam.", "Trust"),
    ],
)
def test_a_clear_case_is_tagged_with_its_value(matcher, text, value):
    assert value in values(text, matcher)


@pytest.mark.parametrize(
    "text",
    ["Great!", "I love it.", "Bought it yesterday.", "A masterpiece.", "The acting is wooden.", "Rain all day."],
)
def test_bare_sentiment_news_and_craft_carry_no_value(matcher, text):
    assert values(text, matcher) == set()


def test_a_text_can_speak_to_several_values(matcher):
    assert values("Easy to set up, but it broke after two months.", matcher) == {"Convenience", "Trust"}


def test_the_longest_phrase_wins_over_the_words_inside_it(matcher):
    hits = matcher.find("It looks cheap and the customer service was useless.")
    assert [(h.name, h.term) for h in hits] == [("Esteem", "looks cheap"), ("Trust", "customer service")]


def test_hits_carry_spans_within_the_sentence_and_never_overlap(matcher):
    sentence = "Honestly, it fell apart and support never answered."
    hits = matcher.find(sentence)
    assert [sentence[h.start:h.end] for h in hits] == ["fell apart", "support", "never answered"]
    assert all(a.end <= b.start for a, b in zip(hits, hits[1:], strict=False))
    assert hits[0] == Hit("value", "Trust", "fell apart", 13, 23)


@pytest.mark.parametrize(
    ("text", "matched"),
    [
        ("It falls apart.", "falls apart"),
        ("It was falling apart.", "falling apart"),
        ("It works great.", "works great"),
        ("It worked great for a year.", "worked great"),
        ("Recommended by my dentist.", "Recommended"),
        ("The zipper snapped off.", "snapped off"),
        ("It jammed twice.", "jammed"),
        ("Stopped charging last week.", "Stopped charging"),
    ],
)
def test_simple_inflections_of_a_term_are_found(matcher, text, matched):
    assert matched in [text[h.start:h.end] for h in matcher.find(text)]


def test_inflections_cover_first_and_last_words():
    assert {"fall apart", "falls apart", "fell apart"} - inflections("fall apart") == {"fell apart"}
    assert {"stopped working", "stopping working"} <= inflections("stop working")
    assert "easily" not in inflections("easy")


@pytest.mark.parametrize(
    "text",
    ["It doesn't work.", "It doesn’t work.", "It doesnt work.", "It DOES NOT WORK."],
)
def test_apostrophes_and_case_do_not_matter(matcher, text):
    assert values(text, matcher) == {"Achievement"}


def test_phrases_match_across_hyphens_and_line_breaks(matcher):
    assert values("So user-friendly.", matcher) == {"Convenience"}
    assert values("Easy to\nset up.", matcher) == {"Convenience"}


@pytest.mark.parametrize("word", ["trust", "trustworthy", "distrust", "mistrust", "untrustworthy"])
def test_trust_and_its_relatives_are_trust(matcher, word):
    assert values(f"I {word} them.", matcher) == {"Trust"}


@pytest.mark.parametrize("text", ["The entrusted keys.", "A trustee was named.", "Funding closed.", "A shipwreck."])
def test_terms_match_whole_words_only(matcher, text):
    assert values(text, matcher) == set()


def test_comfortable_is_comfort_but_not_in_a_comfortable_lead(matcher):
    assert values("The chair is comfortable.", matcher) == {"Comfort"}
    assert values("The measure passed with a comfortable lead.", matcher) == set()
    assert values("The team won comfortably on Saturday.", matcher) == set()


@pytest.mark.parametrize(
    "text",
    [
        "Her trust fund paid for the apartment.",
        "Comfort food sales soared.",
        "Breaking news: markets fell.",
        "He finished without breaking a sweat.",
        "Fun fact: it snowed in May.",
        "We are moving to Denver.",
        "To be honest, I have not decided.",
        "Safe to say the election is over.",
        "Stuck in a traffic jam.",
        "I can't wait for the weekend.",
        "It was below freezing all week.",
        "The boots need a short break-in.",
        "I bought a pair of socks.",
    ],
)
def test_false_friends_are_not_values(matcher, text):
    assert values(text, matcher) == set()


def test_a_guard_swallows_only_its_own_words(matcher):
    assert values("My trust fund manager was honest with me.", matcher) == {"Trust"}


def test_brands_and_their_aliases_are_found_as_brand_hits(matcher):
    sentence = "@AcmeAir lost my bag, Acme's support is a scam; Globex is fine."
    brands = [(h.name, sentence[h.start:h.end]) for h in matcher.find(sentence) if h.kind == "brand"]
    assert brands == [("Acme", "AcmeAir"), ("Acme", "Acme"), ("Globex", "Globex")]
    assert values(sentence, matcher) == {"Trust"}


def test_a_multi_word_brand_alias_is_found(matcher):
    hits = matcher.find("I wrote to ACME corp twice.")
    assert [(h.kind, h.name, h.term) for h in hits] == [("brand", "Acme", "Acme Corp")]


def test_a_user_can_add_terms_to_a_value():
    matcher = build_matcher(add={"Trust": ["kept its word"], "comfort": ["buttery"]})
    assert tag_values("The company kept its word.", matcher) == {"Trust"}
    assert tag_values("Buttery leather seats.", matcher) == {"Comfort"}


def test_a_user_can_remove_terms_from_a_value():
    matcher = build_matcher(remove={"Comfort": ["fit"], "Convenience": ["cheap"]})
    assert tag_values("Does it fit a 2015 model?", matcher) == set()
    assert tag_values("It fits a 2015 model and it was cheap.", matcher) == set()
    assert tag_values("Very comfortable.", matcher) == {"Comfort"}


@pytest.mark.parametrize(
    ("add", "remove", "key"),
    [
        ({"Trustt": ["x"]}, {}, "accept.add.Trustt"),
        ({}, {"Price": ["cheap"]}, "accept.remove.Price"),
        ({"Trust": "honest"}, {}, "accept.add.Trust"),
        ({"Trust": [""]}, {}, "accept.add.Trust"),
    ],
)
def test_a_bad_override_raises_a_config_error_naming_the_key(add, remove, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        build_matcher(add=add, remove=remove)


def test_the_matcher_survives_pickling_for_process_pools(matcher):
    copy = pickle.loads(pickle.dumps(matcher))
    assert copy.find("It fell apart.") == matcher.find("It fell apart.")


def test_text_whose_lower_case_changes_length_still_matches(matcher):
    sentence = "İstanbul store: the customer service was rude."
    assert [sentence[h.start:h.end] for h in matcher.find(sentence)] == ["customer service", "rude"]


def test_the_built_in_lexicon_covers_every_value_and_lists_no_term_twice():
    data = tomllib.loads(LEXICON.read_text(encoding="utf-8"))
    assert set(VALUES) <= set(data)
    lexicon = load_lexicon()
    everything = [t.lower() for v in VALUES for t in (*lexicon.terms[v], *lexicon.exact[v])]
    assert all(lexicon.terms[v] for v in VALUES)
    assert sorted({t for t in everything if everything.count(t) > 1}) == []
