"""Answer types: what kind of answer a question asks for, and what a sentence offers.

"When ...?" wants a date, "How many ...?" a number, "Who ...?" a name, "Where ...?" a place,
"Why ...?" a reason. A sentence that holds such a thing, not already named in the question,
is more likely to answer. These are cheap surface cues (regular expressions over the raw
text, where capitals still mark names), scored by the ranker in :mod:`bot.features`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.analysis import normalize

__all__ = ["KINDS", "QuestionCues", "SentenceCues", "leans_back", "question_cues", "sentence_cues"]

_WHEN = re.compile(
    r"\bwhen\b|\bwhat (?:year|date|time|day|month|century|decade|period|era|age)\b"
    r"|\bwhich (?:year|date|century|decade|day|month)\b|\bhow long ago\b|\bsince when\b",
    re.IGNORECASE,
)
_NUMBER = re.compile(
    r"\bhow (?:many|much|long|far|old|large|big|tall|high|often|fast|deep|wide|heavy)\b"
    r"|\bwhat (?:percentage|percent|number|amount|proportion|fraction|share|size|rate)\b",
    re.IGNORECASE,
)
_WHO = re.compile(r"\bwho(?:m|se)?\b", re.IGNORECASE)
_WHERE = re.compile(
    r"\bwhere\b|\b(?:what|which) (?:country|city|state|place|region|location|continent|town|area)\b",
    re.IGNORECASE,
)
_WHY = re.compile(r"\bwhy\b|\bwhat (?:caused|causes|led to|leads to)\b|\breasons?\b", re.IGNORECASE)
_HOW = re.compile(r"\bhow\b", re.IGNORECASE)
_WHICH = re.compile(r"\b(?:which|what)\b", re.IGNORECASE)
_DEFINE = re.compile(r"\bwhat (?:is|are|was|were)\b|\bdefine\b|\bmeaning of\b", re.IGNORECASE)

_YEAR = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})s?\b")
_DATE_WORD = re.compile(
    r"\b(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday"
    r"|tomorrow|century|centuries|decade|decades|bc|ad|bce|ce)\b",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty"
    r"|forty|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|billions"
    r"|dozen|dozens|half|percent)\b",
    re.IGNORECASE,
)
_MEASURE = re.compile(r"%|\bper ?cent\b|[$£€¥]", re.IGNORECASE)
_CAUSE = re.compile(
    r"\b(?:because|due to|since|as a result|so that|in order to|reasons?|caus\w*|led to|leads? to"
    r"|result\w*|therefore|thus|consequently|allowed|made)\b",
    re.IGNORECASE,
)
# Capitalised words not at the start of the sentence: names, places, organisations.
_CAPITALISED = re.compile(r"(?<=[\w,;:)] )[A-Z][\w'-]*")
_NAME = re.compile(r"(?<=[\w,;:)] )[A-Z][a-z][\w'-]*(?: (?:[A-Z]\. )*[A-Z][a-z][\w'-]*)+")
_PLACE = re.compile(r"\b(?:in|at|near|from|to|into|across) (?:the )?([A-Z][\w'-]+)")
KINDS = ("when", "number", "who", "where", "why", "define", "how", "which")

# Sentences that lean on the one before: "This allowed ...", "Both have now ...".
_ANAPHOR = re.compile(
    r"^\W*(?:this|these|that|those|it|its|they|their|them|he|his|she|her|such|both|all|"
    r"the latter|the former|however|in addition|also|there|here)\b",
    re.IGNORECASE,
)

# The narrower set of openings whose subject is only named in the sentence before.
_LEANS_BACK = re.compile(
    r"^\W*(?:this|these|that|those|it|its|they|their|he|his|she|her|both|such|the latter"
    r"|the former)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class QuestionCues:
    """The answer type(s) a question asks for, and the surface words it already holds."""

    when: bool
    number: bool
    who: bool
    where: bool
    why: bool
    define: bool
    how: bool  # "how" asking for a manner, not a quantity
    which: bool  # "which ..." / "what ..." asking for a thing, none of the above
    words: frozenset[str]  # lower-cased words of the question, to tell new names from old
    years: frozenset[str]

    @property
    def kinds(self) -> tuple[bool, ...]:
        """The question's kinds, in the order of :data:`KINDS`."""
        return (self.when, self.number, self.who, self.where, self.why, self.define, self.how, self.which)


@dataclass(frozen=True, slots=True)
class SentenceCues:
    """What a sentence offers as an answer, found once per sentence and cached."""

    years: frozenset[str]
    date_word: bool
    number: bool
    measure: bool
    cause: bool
    capitalised: frozenset[str]  # lower-cased
    names: tuple[tuple[str, ...], ...]  # multi-word capitalised names, lower-cased words
    places: frozenset[str]  # lower-cased
    anaphor: bool


def question_cues(question: str) -> QuestionCues:
    text = normalize(question)
    when = bool(_WHEN.search(text))
    number = bool(_NUMBER.search(text))
    who = bool(_WHO.search(text))
    where = bool(_WHERE.search(text))
    why = bool(_WHY.search(text))
    define = bool(_DEFINE.search(text)) and not number
    typed = when or number or who or where or why or define
    return QuestionCues(
        when=when,
        number=number,
        who=who,
        where=where,
        why=why,
        define=define,
        how=bool(_HOW.search(text)) and not typed,
        which=bool(_WHICH.search(text)) and not typed,
        words=frozenset(w.casefold() for w in re.findall(r"\w+", text)),
        years=frozenset(_YEAR.findall(text)),
    )


def sentence_cues(sentence: str) -> SentenceCues:
    text = normalize(sentence)
    return SentenceCues(
        years=frozenset(_YEAR.findall(text)),
        date_word=bool(_DATE_WORD.search(text)),
        number=bool(_NUMBER_WORD.search(text)),
        measure=bool(_MEASURE.search(text)),
        cause=bool(_CAUSE.search(text)),
        capitalised=frozenset(w.casefold() for w in _CAPITALISED.findall(text)),
        names=tuple(tuple(w.casefold() for w in n.split()) for n in _NAME.findall(text)),
        places=frozenset(p.casefold() for p in _PLACE.findall(text)),
        anaphor=bool(_ANAPHOR.match(text)),
    )


def leans_back(sentence: str) -> bool:
    """True when a sentence opens by pointing at the one before: "This allowed...", "Both..."."""
    return bool(_LEANS_BACK.match(normalize(sentence)))
