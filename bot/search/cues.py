"""Answer types: what kind of answer a question asks for, and what a sentence offers.

"When ...?" wants a date, "How many ...?" a number, "Who ...?" a name, "Where ...?" a place,
"Why ...?" a reason. A sentence that holds such a thing, not already named in the question,
is more likely to answer. These are cheap surface cues: regular expressions over a question,
and for sentences bits read off their words once, as the index is built (capitals still mark
names there). :mod:`bot.search.features` scores them.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.search.analysis import Word, normalize

__all__ = ["KINDS", "QuestionCues", "leans_back", "question_cues", "word_flags"]

# Matched against the question in lower case (faster than re.IGNORECASE).
_WHEN = re.compile(
    r"\bwhen\b|\bwhat (?:year|date|time|day|month|century|decade|period|era|age)\b"
    r"|\bwhich (?:year|date|century|decade|day|month)\b|\bhow long ago\b|\bsince when\b",
)
_NUMBER = re.compile(
    r"\bhow (?:many|much|long|far|old|large|big|tall|high|often|fast|deep|wide|heavy)\b"
    r"|\bwhat (?:percentage|percent|number|amount|proportion|fraction|share|size|rate)\b",
)
_WHO = re.compile(r"\bwho(?:m|se)?\b")
_WHERE = re.compile(
    r"\bwhere\b|\b(?:what|which) (?:country|city|state|place|region|location|continent|town|area)\b",
)
_WHY = re.compile(r"\bwhy\b|\bwhat (?:caused|causes|led to|leads to)\b|\breasons?\b")
_HOW = re.compile(r"\bhow\b")
_WHICH = re.compile(r"\b(?:which|what)\b")
_DEFINE = re.compile(r"\bwhat (?:is|are|was|were)\b|\bdefine\b|\bmeaning of\b")

_YEAR = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b")


class _Patterns(NamedTuple):
    when: re.Pattern[str]
    number: re.Pattern[str]
    who: re.Pattern[str]
    where: re.Pattern[str]
    why: re.Pattern[str]
    how: re.Pattern[str]
    which: re.Pattern[str]
    define: re.Pattern[str]


_UNICODE = _Patterns(_WHEN, _NUMBER, _WHO, _WHERE, _WHY, _HOW, _WHICH, _DEFINE)
# The same patterns for the common case of a question in plain ASCII, where they mean the same:
# "\b" and "\w" then test a byte table instead of Unicode's character database.
_ASCII = _Patterns(*(re.compile(p.pattern, re.ASCII) for p in _UNICODE))

# What a sentence offers is read off its words as the index is built (one pass, no regexes).
DATE_WORDS = frozenset(
    "january february march april may june july august september october november december monday "
    "tuesday wednesday thursday friday saturday sunday today yesterday tomorrow century centuries "
    "decade decades bc ad bce ce".split()
)
NUMBER_WORDS = frozenset(
    "one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty hundred "
    "hundreds thousand thousands million millions billion billions dozen dozens half percent".split()
)
CAUSE_WORDS = frozenset(
    "because due since result results resulted resulting cause caused causes causing reason reasons "
    "therefore thus consequently allowed made led leads lead order".split()
)
MEASURE_CHARS = frozenset("%$£€¥")
# First words of sentences that take their subject from the sentence before.
ANAPHORS = frozenset(
    "this these that those it its they their them he his she her such both all however also there here".split()
)
PLACE_WORDS = frozenset("in at near from to into across".split())

# Bits describing one word of a sentence (see :func:`word_flags`); a sentence's bits are the
# union of its words' DATE_WORD, CAUSE_WORD and MEASURE, plus ANAPHOR_WORD of its first word.
CAPITAL = 1  # a capitalised word (the index clears it on a sentence's first word)
YEAR = 2  # a year, 1000-2099 ("1990s" too)
NUMBER = 4  # digits or a number word
PLACE_WORD = 8  # "in", "at", "near"... which may introduce a place
THE = 16
DATE_WORD = 32  # a month, a weekday, "century"...
CAUSE_WORD = 64  # "because", "due", "led"...
ANAPHOR_WORD = 128  # "this", "they", "both"... (counts at the start of a sentence)
MEASURE = 256  # "%", "$", "percent"...
SENTENCE_BITS = DATE_WORD | CAUSE_WORD | MEASURE

KINDS = ("when", "number", "who", "where", "why", "define", "how", "which")

# The narrower set of openings whose subject is only named in the sentence before.
_LEANS_BACK = re.compile(
    r"^\W*(?:this|these|that|those|it|its|they|their|he|his|she|her|both|such|the latter"
    r"|the former)\b",
    re.IGNORECASE,
)


class QuestionCues(NamedTuple):
    """The answer type(s) a question asks for, in the order of :data:`KINDS`."""

    when: bool
    number: bool
    who: bool
    where: bool
    why: bool
    define: bool
    how: bool  # "how" asking for a manner, not a quantity
    which: bool  # "which ..." / "what ..." asking for a thing, none of the above

    @property
    def kinds(self) -> tuple[bool, ...]:
        """The question's kinds, in the order of :data:`KINDS`: the cues themselves."""
        return tuple(self)


def question_cues(question: str) -> QuestionCues:
    text = normalize(question).lower()
    # Each pattern is run only when the text holds a word it cannot match without: a question
    # mostly holds one question word, and a regex scan costs more than a substring test.
    patterns = _ASCII if text.isascii() else _UNICODE
    what = "what" in text or "which" in text
    how = "how" in text
    when = ("when" in text or what or how) and patterns.when.search(text) is not None
    number = (what or how) and patterns.number.search(text) is not None
    who = "who" in text and patterns.who.search(text) is not None
    where = ("where" in text or what) and patterns.where.search(text) is not None
    why = ("why" in text or "reason" in text or what) and patterns.why.search(text) is not None
    define = ("what" in text or "define" in text or "meaning" in text) and patterns.define.search(text) is not None
    define = define and not number
    typed = when or number or who or where or why or define
    return QuestionCues(
        when=when,
        number=number,
        who=who,
        where=where,
        why=why,
        define=define,
        how=how and not typed and patterns.how.search(text) is not None,
        which=what and not typed and patterns.which.search(text) is not None,
    )


def word_flags(word: Word) -> int:
    """The bits of :data:`CAPITAL`, :data:`YEAR`... that one word carries."""
    text = word.text
    flags = CAPITAL if word.capital else 0
    if text[:1].isdigit():
        flags |= NUMBER
        if len(text) in (4, 5) and _YEAR.fullmatch(text):
            flags |= YEAR
    elif text in NUMBER_WORDS:
        flags |= NUMBER | (MEASURE if text == "percent" else 0)
    elif text in MEASURE_CHARS:
        flags |= MEASURE
    if text in PLACE_WORDS:
        flags |= PLACE_WORD
    elif text == "the":
        flags |= THE
    if text in DATE_WORDS:
        flags |= DATE_WORD
    if text in CAUSE_WORDS:
        flags |= CAUSE_WORD
    if text in ANAPHORS:
        flags |= ANAPHOR_WORD
    return flags


def leans_back(sentence: str) -> bool:
    """True when a sentence opens by pointing at the one before: "This allowed...", "Both..."."""
    return bool(_LEANS_BACK.match(normalize(sentence)))
