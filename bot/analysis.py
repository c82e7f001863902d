"""Text analysis: from raw text to the index terms that questions and sentences share.

:func:`terms` applies, in order:

1. Unicode normalisation (NFKC; curly quotes and the many dashes to plain ones),
2. tokenisation into words and numbers, possessives dropped ("soldiers'", "prisoner's"),
3. case folding, except that acronyms keep their identity: "U.S." and "US" both become the
   term ``us``, which the pronoun "us" (a stop word) never reaches,
4. stop words removed, question words ("who", "when", "what") among them,
5. Snowball (Porter 2) stemming, so "captured" and "capture" meet as ``captur``.

Runs of Chinese or Japanese script, written without spaces, become overlapping character
pairs so that questions in those scripts can still match.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import Stemmer

__all__ = ["STOP_WORDS", "acronym", "analysed", "normalize", "stem", "terms", "tokens"]

# Function words, auxiliaries, pronouns and question words. Deliberately smaller than
# scikit-learn's list, which also drops words that carry meaning in questions ("fire",
# "system", "most", "first", "not").
STOP_WORDS: frozenset[str] = frozenset(
    """
    a about all also am an and any are as at be became because been being both but by can could
    did do does doing done each either else ever every for from get gets got had has have having
    he her here hers herself him himself his how however i if in into is it its itself just let
    may me might must my myself neither nor now of on once or other our ours ourselves please
    quite rather shall she should so some such than that the their theirs them themselves then
    there these they this those thus to too upon us very via was we were what whatever when
    whenever where whereas wherever whether which while who whoever whom whose why will with
    would yet you your yours yourself yourselves
    dont isnt arent wasnt werent doesnt didnt hasnt havent hadnt wont wouldnt couldnt shouldnt
    cant im ive youre theyre weve
    """.split()
)

_CHAR_MAP = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u02bc": "'",
        "\u0060": "'", "\u00b4": "'",
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
        "\u2212": "-",
    }
)  # fmt: skip

# Dotted initialisms ("U.S.", "p.m."), decimal numbers ("3.5", "1,000"), and words with
# inner apostrophes ("o'neill", "don't").
_TOKEN = re.compile(r"(?:[^\W\d_]\.){2,}|\d+(?:[.,]\d+)*|[^\W_]+(?:'[^\W_]+)*")
_DOTTED = re.compile(r"(?:[^\W\d_]\.){2,}")
_POSSESSIVE = re.compile(r"'s?$")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

_stemmer = Stemmer.Stemmer("english")


def normalize(text: str) -> str:
    """NFKC, with curly quotes and dashes folded to plain ones (case is kept)."""
    return unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)


def _shouting(text: str) -> bool:
    """True when most letters are capitals, so capitals say nothing about acronyms."""
    upper = sum(1 for c in text if c.isupper())
    return upper > 8 and upper * 2 > sum(1 for c in text if c.isalpha())


def acronym(token: str) -> str | None:
    """The acronym term for "U.S." or "NATO"-style tokens, or None for ordinary words."""
    if _DOTTED.fullmatch(token):
        return token.replace(".", "").casefold()
    if 2 <= len(token) <= 6 and token.isupper() and token.isalpha():
        return token.casefold()
    return None


def tokens(text: str) -> list[tuple[str, bool]]:
    """Words of a text as ``(word, protected)``; protected words are acronyms, never stemmed.

    Words are case-folded, possessive endings removed, and runs of unspaced scripts split
    into character pairs.
    """
    text = normalize(text)
    shouting = _shouting(text)
    out: list[tuple[str, bool]] = []
    for token in _TOKEN.findall(text):
        short = None if shouting else acronym(token)
        if short is not None:
            out.append((short, True))
            continue
        token = token.casefold()
        if token[0].isdigit():
            token = token.replace(",", "")  # "1,000" and "1000" are one number
        elif "'" in token:
            # "prisoner's" is "prisoner"; "don't" and "o'neill" lose the apostrophe.
            token = _POSSESSIVE.sub("", token).replace("'", "")
        if _UNSPACED.search(token):
            out.extend((pair, True) for pair in _char_pairs(token))
        else:
            out.append((token.rstrip("."), False))
    return out


def _char_pairs(token: str) -> list[str]:
    if len(token) < 2:
        return [token]
    return [token[i : i + 2] for i in range(len(token) - 1)]


@lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of one word, cached: vocabularies are Zipfian."""
    return _stemmer.stemWord(word)


def analysed(text: str) -> list[tuple[str, str]]:
    """``(word, term)`` for each word of a text that is not a stop word, in order."""
    return [
        (word, word if protected else stem(word))
        for word, protected in tokens(text)
        if protected or word not in STOP_WORDS
    ]


def terms(text: str) -> list[str]:
    """The index terms of a text, in order, repeats kept: what both sides of a match use."""
    return [term for _, term in analysed(text)]
