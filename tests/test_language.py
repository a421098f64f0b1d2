"""Language detection before scoring: clear foreign texts are marked, English is never dropped for being short,
shouted or full of handles and links."""

from __future__ import annotations

from datetime import datetime

from pipeline import language
from pipeline.models import POST, Post
from pipeline.score import score_posts


def test_clear_foreign_texts_are_marked() -> None:
    assert language.detect("Der Kinderwagen ist leicht, aber die Bremse hat nach zwei Wochen versagt.") == "de"
    assert language.detect("Muy buen servicio, llegó rápido y el cochecito funciona perfecto.") == "es"
    assert language.detect("Le service client ne répond jamais, je suis très déçue de cet achat.") == "fr"


def test_english_is_kept_however_it_is_written() -> None:
    for text in ("Great boutique property", "lol ok", "👍👍", "",
                 "LAUREN OMG IM DEAD IM SO SO HAPPY FOR YOU YES YES",
                 "@united flight 1234 from #ORD delayed again https://t.co/abc123",
                 "Comfortable bed, friendly staff, would stay again"):
        assert language.detect(text) == "en", text


def test_a_foreign_text_is_stored_without_sentiment_or_mentions() -> None:
    post = Post("c", "rss", "1", "https://c.example/1", "1", None, POST, None, "",
                "El producto es muy bueno y lo uso desde hace un tiempo, me encanta y confío en la marca.",
                datetime(2026, 11, 2))
    (scored,) = score_posts([post])
    assert (scored.lang, scored.sentiment, scored.mentions) == ("es", None, ())
