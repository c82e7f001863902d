"""Text analysis: from raw text to the index terms that questions and sentences share.

:func:`terms` applies, in order:

1. Unicode normalisation (NFKC; curly quotes and the many dashes to plain ones),
2. tokenisation into words and numbers, possessives dropped ("soldiers'", "prisoner's"),
3. case folding, except that acronyms keep their identity: "U.S." and "US" both become the
   term ``us``, which the pronoun "us" (a stop word) never reaches,
4. stop words removed, question words ("who", "when", "what") among them,
5. irregular verbs to their base ("met" to "meet") and nationalities to their country
   ("Ukrainian" to "Ukraine"), then Snowball (Porter 2) stemming, so "captured" and "capture"
   meet as ``captur``.

Runs of Chinese or Japanese script, written without spaces, become overlapping character
pairs so that questions in those scripts can still match.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import Stemmer

__all__ = [
    "DEMONYMS",
    "IRREGULAR",
    "STOP_WORDS",
    "Word",
    "acronym",
    "analysed",
    "analysed_words",
    "normalize",
    "stem",
    "terms",
    "tokens",
]

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
    cant im ive youre theyre weve besides beside except among amongst
    """.split()
)

# Irregular English verb forms, which no stemmer joins to their base ("met" / "meet").
IRREGULAR: dict[str, str] = {
    form: base
    for base, forms in (
        line.strip().split(":")
        for line in """
        arise:arose arisen|awake:awoke awoken|bear:bore borne born|beat:beaten|begin:began begun
        bend:bent|bind:bound|bite:bit bitten|bleed:bled|blow:blew blown|break:broke broken
        breed:bred|bring:brought|build:built|burn:burnt|buy:bought|catch:caught|choose:chose chosen
        cling:clung|come:came|creep:crept|deal:dealt|dig:dug|draw:drew drawn|dream:dreamt
        drink:drank drunk|drive:drove driven|eat:ate eaten|fall:fell fallen|feed:fed|feel:felt
        fight:fought|find:found|flee:fled|fly:flew flown|forbid:forbade forbidden
        forget:forgot forgotten|forgive:forgave forgiven|freeze:froze frozen|give:gave given
        go:went gone|grind:ground|grow:grew grown|hang:hung|hear:heard|hide:hid hidden|hold:held
        keep:kept|kneel:knelt|know:knew known|lay:laid|lead:led|lean:leant|leap:leapt|leave:left
        lend:lent|lie:lain|lose:lost|make:made|mean:meant|meet:met|pay:paid|ride:rode ridden
        ring:rang rung|rise:rose risen|run:ran|say:said|see:saw seen|seek:sought|sell:sold
        send:sent|shake:shook shaken|shine:shone|shoot:shot|show:shown|shrink:shrank shrunk
        sing:sang sung|sink:sank sunk|sit:sat|sleep:slept|slide:slid|speak:spoke spoken|speed:sped
        spend:spent|spin:spun|spring:sprang sprung|stand:stood|steal:stole stolen|stick:stuck
        sting:stung|stink:stank stunk|strike:struck stricken|strive:strove striven|swear:swore sworn
        sweep:swept|swim:swam swum|swing:swung|take:took taken|teach:taught|tear:tore torn
        tell:told|think:thought|throw:threw thrown|tread:trod trodden|wake:woke woken|wear:wore worn
        weave:wove woven|weep:wept|win:won|wind:wound|withdraw:withdrew withdrawn|write:wrote written
        """.replace("|", "\n").split("\n")
        if line.strip()
    )
    for form in forms.split()
}

# Nationalities to their country ("Ukrainian" / "Ukraine"): news asks about one and writes the
# other, and no stemmer joins them.
DEMONYMS: dict[str, str] = dict(
    pair.split(":")
    for pair in """
    afghan:afghanistan albanian:albania algerian:algeria american:america argentine:argentina
    argentinian:argentina armenian:armenia australian:australia austrian:austria
    azerbaijani:azerbaijan belarusian:belarus belgian:belgium bosnian:bosnia brazilian:brazil
    british:britain bulgarian:bulgaria canadian:canada chilean:chile chinese:china
    colombian:colombia croatian:croatia cuban:cuba czech:czechia danish:denmark dutch:netherlands
    egyptian:egypt english:england estonian:estonia ethiopian:ethiopia european:europe
    filipino:philippines finnish:finland french:france georgian:georgia german:germany greek:greece
    hungarian:hungary indian:india indonesian:indonesia iranian:iran iraqi:iraq irish:ireland
    israeli:israel italian:italy japanese:japan jordanian:jordan kazakh:kazakhstan kenyan:kenya
    korean:korea kurdish:kurdistan latvian:latvia lebanese:lebanon libyan:libya lithuanian:lithuania
    mexican:mexico moldovan:moldova mongolian:mongolia moroccan:morocco nigerian:nigeria
    norwegian:norway pakistani:pakistan palestinian:palestine peruvian:peru polish:poland
    portuguese:portugal romanian:romania russian:russia saudi:arabia scottish:scotland
    serbian:serbia slovak:slovakia somali:somalia spanish:spain sudanese:sudan swedish:sweden
    swiss:switzerland syrian:syria taiwanese:taiwan thai:thailand tunisian:tunisia turkish:turkey
    ukrainian:ukraine uzbek:uzbekistan venezuelan:venezuela vietnamese:vietnam welsh:wales
    yemeni:yemen
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

# A token is a run of letters and digits, with inner apostrophes, dots or commas ("don't",
# "U.S", "3.5", "1,000"); one simple pattern, since tokenising is most of the cost of building
# an archive's index. Tokens with inner dots or commas are then sorted out one by one.
_TOKEN = re.compile(r"\w+(?:['.,]\w+)*|[%$£€¥]")
SEPARATOR = "\x1e"  # between sentences analysed in bulk (see :func:`pieces`)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]\.?")
_SPLIT = re.compile(r"[.,_]+")
_POSSESSIVE = re.compile(r"'s?$")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_UPPER = re.compile(r"[A-Z]")
_LOWER = re.compile(r"[a-z]")

# No cache of PyStemmer's own: stem() has one, and PyStemmer's, purged whenever it fills,
# tripled the cost of a word not seen before while building an archive.
_stemmer = Stemmer.Stemmer("english", 0)


def normalize(text: str) -> str:
    """NFKC, with curly quotes and dashes folded to plain ones (case is kept)."""
    if text.isascii() and "`" not in text:
        return text  # nothing to fold: the common case, and the fast one
    return unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)


def shouting(text: str) -> bool:
    """True when most (plain Latin) letters are capitals: then capitals say nothing about names
    or acronyms, and the text is read as if written in lower case."""
    if len(text) < 9:
        return False
    upper = len(_UPPER.findall(text))
    return upper > 8 and upper > len(_LOWER.findall(text))


def acronym(token: str) -> str | None:
    """The acronym term for "U.S." or "NATO"-style tokens, or None for ordinary words."""
    if _DOTTED.fullmatch(token):
        return token.replace(".", "").casefold()
    if 2 <= len(token) <= 6 and token.isupper() and token.isalpha():
        return token.casefold()
    return None


class Word(NamedTuple):
    """A word of a text, case-folded; ``protected`` words (acronyms) are never stemmed."""

    text: str
    protected: bool = False
    capital: bool = False  # written with a capital initial (names, and sentence starts)


# What one token becomes: its words, each with its index term (None for a stop word).
Analysed = tuple[tuple[Word, str | None], ...]


def token_words(token: str) -> Analysed:
    """The analysis of one raw token (remembered for questions, see :func:`analysed_words`)."""
    if ("." in token or "," in token or "_" in token) and not _NUMBER.fullmatch(token):
        if _DOTTED.fullmatch(token):  # "U.S", "p.m"
            return (_with_term(Word(token.replace(".", "").casefold(), protected=True, capital=True)),)
        return tuple(pair for part in _SPLIT.split(token) if part for pair in token_words(part))
    short = acronym(token)
    if short is not None:
        return (_with_term(Word(short, protected=True, capital=True)),)
    capital = token[0].isupper()
    word = token.casefold()
    if word[0].isdigit():
        word = word.replace(",", "")  # "1,000" and "1000" are one number
    elif "'" in word:
        # "prisoner's" is "prisoner"; "don't" and "o'neill" lose the apostrophe.
        word = _POSSESSIVE.sub("", word).replace("'", "")
    if _UNSPACED.search(word):
        return tuple(_with_term(Word(pair, protected=True)) for pair in _char_pairs(word))
    return (_with_term(Word(word, capital=capital)),)


# Questions (and the odd sentence read again) repeat their words: each token's analysis is kept.
# An index's build does not use this: it analyses each distinct piece of text once already, and
# keeping every token of an archive here cost a fresh start a tenth of its peak memory.
_remembered_words = lru_cache(maxsize=1 << 16)(token_words)


def _with_term(word: Word) -> tuple[Word, str | None]:
    if word.protected:
        return word, word.text
    if word.text in STOP_WORDS or not word.text[:1].isalnum():  # stop words, "%", "$"...
        return word, None
    text = word.text
    if text[-1:] == "s" and text[:-1] in DEMONYMS:  # "Ukrainians"
        text = text[:-1]
    return word, stem(DEMONYMS.get(text) or IRREGULAR.get(text, text))


def prepared(text: str) -> str:
    """A text as it is tokenised: normalised, and in lower case when shouted."""
    return normalize(text.lower() if shouting(text) else text)


def analysed_words(text: str) -> list[tuple[Word, str | None]]:
    """Every word of a text with its index term, None for stop words."""
    return [pair for token in _TOKEN.findall(prepared(text)) for pair in _remembered_words(token)]


def piece_words(piece: bytes) -> Analysed:
    """The words of one whitespace- and punctuation-free piece of UTF-8 text (see :func:`pieces`).

    A piece never splits a token, so its words are those :func:`analysed_words` finds there.
    """
    text = normalize(piece.decode("utf-8", "replace"))
    return tuple(pair for token in _TOKEN.findall(text) for pair in token_words(token))


# Bytes that never occur inside a token: ASCII other than letters, digits, ' . , _ and the
# symbols kept as tokens. Everything else (non-ASCII included) is left for piece_words.
_INSIDE = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.,_%$") | set(range(128, 256))
_TO_SPACE = bytes(c if c in _INSIDE or c == 0x1E else 0x20 for c in range(256))


def pieces(texts: list[str]) -> list[bytes]:
    """Many texts cut at once into pieces no token crosses, each text's followed by b"\x1e".

    Building an archive's index spends most of its time here, so the cutting is done by
    ``bytes.translate`` and ``split`` over all the texts joined, and each distinct piece is
    analysed once (:func:`piece_words`, cached by the caller). Shouted texts are lowered first.
    """
    joined = (" " + SEPARATOR + " ").join(t.replace(SEPARATOR, " ") for t in texts) + " " + SEPARATOR
    data = joined.encode("utf-8", "surrogatepass")
    shouted = _shouted(data)
    if shouted:
        parts = joined.split(SEPARATOR)
        joined = SEPARATOR.join(p.lower() if k in shouted else p for k, p in enumerate(parts))
        data = joined.encode("utf-8", "surrogatepass")
    return data.translate(_TO_SPACE).split()


def _shouted(data: bytes) -> set[int]:
    """The numbers of the shouted texts among texts joined by separators (as :func:`shouting`)."""
    codes = np.frombuffer(data, dtype=np.uint8)
    upper = np.cumsum((codes >= 65) & (codes <= 90))
    lower = np.cumsum((codes >= 97) & (codes <= 122))
    ends = np.flatnonzero(codes == 0x1E)
    upper_each = np.diff(upper[ends], prepend=0)
    lower_each = np.diff(lower[ends], prepend=0)
    return set(np.flatnonzero((upper_each > 8) & (upper_each > lower_each)).tolist())


def _char_pairs(token: str) -> list[str]:
    if len(token) < 2:
        return [token]
    return [token[i : i + 2] for i in range(len(token) - 1)]


@lru_cache(maxsize=1 << 18)
def stem(word: str) -> str:
    """The Snowball (Porter 2) stem of one word, cached: vocabularies are Zipfian."""
    stemmed: str = _stemmer.stemWord(word)
    return stemmed


def tokens(text: str) -> list[Word]:
    """The words of a text: case-folded, possessive endings removed, and runs of unspaced
    scripts split into character pairs."""
    return [word for word, _ in analysed_words(text)]


def analysed(text: str) -> list[tuple[Word, str]]:
    """``(word, term)`` for each word of a text that is not a stop word, in order."""
    return [(word, term) for word, term in analysed_words(text) if term is not None]


def phrases(text: str) -> frozenset[tuple[str, ...]]:
    """Runs of two and three words, stop words included, that hold at least one term.

    Questions are often a sentence's own phrase with the answer taken out ("the only film
    version of"), so a shared run of words is stronger evidence than the words alone.
    """
    return phrases_of(analysed_words(text))


def phrases_of(pairs: list[tuple[Word, str | None]]) -> frozenset[tuple[str, ...]]:
    """:func:`phrases` of an already analysed text."""
    units = [word.text if term is None else term for word, term in pairs]
    content = [term is not None for _, term in pairs]
    out: set[tuple[str, ...]] = set()
    for n in (2, 3):
        for i in range(len(units) - n + 1):
            if any(content[i : i + n]):
                out.add(tuple(units[i : i + n]))
    return frozenset(out)


def terms(text: str) -> list[str]:
    """The index terms of a text, in order, repeats kept: what both sides of a match use."""
    return [term for _, term in analysed_words(text) if term is not None]
