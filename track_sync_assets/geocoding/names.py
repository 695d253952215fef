"""Place-name normalization shared by the gazetteer, the region index and the geocoders."""

from __future__ import annotations

import re
import unicodedata

_NOT_WORD = re.compile(r"[\W_]+")
_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")

# Letters that NFKD does not decompose into a base letter plus an accent.
_LETTER_FOLDS = str.maketrans(
    {"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ŀ": "l"}
)

_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "mt": "mount",
    "ft": "fort",
}
"""Abbreviations expanded wherever they stand as a whole word ("St. Louis" = "Saint Louis")."""


def fold_accents(text: str) -> str:
    """Drop accents and fold case: ``"Québec"`` -> ``"quebec"``."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    decomposed = unicodedata.normalize("NFKD", folded.translate(_LETTER_FOLDS))
    return _COMBINING_MARKS.sub("", decomposed)


def name_words(text: str) -> list[str]:
    """The normalized words of a name: accents and case folded, punctuation dropped,
    common abbreviations expanded."""
    words = _NOT_WORD.sub(" ", fold_accents(text)).split()
    return [_ABBREVIATIONS.get(word, word) for word in words]


def place_key(text: str | None) -> str:
    """The comparison key of a place name (words joined without spaces).

    ``"St. Louis"``, ``"Saint-Louis"`` and ``"saint louis"`` share one key, and so do
    ``"McKinney"`` and ``"Mc Kinney"``. An empty or missing name gives ``""``.
    """
    if not text:
        return ""
    return "".join(name_words(text))


def is_ascii_key(key: str) -> bool:
    """True when a key is plain ASCII letters and digits (alternate names in other
    scripts are not indexed: the addresses we geocode are written in Latin script)."""
    return key.isascii() and key.isalnum()
