"""What readers type that articles do not: markup, chat words, typos, and other words for the
same thing.

Questions come from a chat, not a search box: "hi! wher is the prisonr camp lol", "<b>who</b>
won?", "did pyongyang admit it took part". Three repairs bring such a question to the article's
own words, each only where the article lacks the reader's word, so a question written in the
article's words is ranked as before:

- :func:`clean` takes out markup, links and entities, and :data:`CHAT_WORDS` are read as stop
  words (in questions only: the index is unchanged);
- :class:`Speller` mends a word that is neither in the article nor common English to the
  article's nearest word within one edit (two for words of six letters or more), with
  rapidfuzz's optimal-string-alignment distance (a swap of two letters is one edit);
- :func:`substitutes` finds, for a term the article lacks, the article's terms that WordNet
  relates to it (:mod:`bot.search.relations`): synonyms, derived forms, similar adjectives,
  and a verb's cause or entailment ("kill" / "die"); a pair of question terms may name one
  ("take part" / "participate"). The index weighs them at :data:`RELATED_WEIGHT`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable

from rapidfuzz import process
from rapidfuzz.distance import OSA

from bot.search import background, relations

__all__ = ["CHAT_WORDS", "RELATED_KINDS", "RELATED_WEIGHT", "SPELL_MAX_SENTENCES", "Speller", "clean", "substitutes"]

# Greetings, fillers and chat spellings: words that say how a reader talks, not what they ask.
CHAT_WORDS: frozenset[str] = frozenset(
    """
    hi hello hey hiya yo ok okay um uh hmm lol btw pls plz please thanks thank thx ty gonna wanna
    gotta kinda sorta yeah yep yup nah nope guys dude wait actually really basically anyway anyways
    wondering u ur tho omg
    """.split()
)
RELATED_KINDS = ("syn", "der", "sim", "cau")  # hypernyms and hyponyms left out: too loose on their own
RELATED_WEIGHT = 0.5  # a related term counts half its IDF: another word, not the reader's own
COMMON = 5.5  # background IDF below which a word is common English, never "mended"
SPELL_MAX_SENTENCES = 50_000  # larger corpora are not read for their spellings (time, memory)
MENDED_KEPT = 10_000  # words remembered as mended, per article (a few hundred kB at most)

_MARKUP = re.compile(r"<[^<>]{0,200}>|&(?:[a-z]{2,8}|#\d{1,6});|https?://\S+", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{3,}")


def clean(question: str) -> str:
    """``question`` without HTML tags, entities and links."""
    if "<" not in question and "&" not in question and "://" not in question:
        return question  # nothing _MARKUP could match: most questions, and no regex scan
    return _MARKUP.sub(" ", question)


class Speller:
    """The article's own spellings, and the nearest of them to a reader's unknown word."""

    def __init__(
        self, texts: Iterable[str], term_of: Callable[[str], str | None], knows: Callable[[str], bool]
    ) -> None:
        counts = Counter(word.lower() for text in texts for word in _WORD.findall(text))
        self._known = set(counts)
        self._mended: dict[str, str] = {}  # each word met outside the article, as mended
        self._term_of = term_of
        self._knows = knows  # whether the index has a term: a word whose term it has needs no mending
        # Most frequent first: on equal distance the commoner spelling wins.
        self._by_length: dict[int, list[str]] = {}
        for word, _ in counts.most_common():
            self._by_length.setdefault(len(word), []).append(word)

    def mend(self, text: str) -> str:
        """``text`` with each word whose term the index lacks spelled as the article would (each
        word mended once and remembered)."""
        changes: dict[str, str] = {}
        for word in set(_WORD.findall(text)):
            if word.lower() in self._known:  # the article's own spelling: nothing to mend
                continue
            mended = self._mended.get(word)
            if mended is None:
                term = self._term_of(word.lower())
                mended = word if term is None or self._knows(term) else (self.correct(word) or word)
                if len(self._mended) < MENDED_KEPT:
                    self._mended[word] = mended
            if mended != word:
                changes[word] = mended
        if not changes:  # most questions
            return text
        return _WORD.sub(lambda match: changes.get(match.group(0), match.group(0)), text)

    def correct(self, word: str) -> str | None:
        """The article's spelling of ``word``, or None when it needs none or none is near."""
        lower = word.lower()
        if len(lower) < 4 or lower in self._known or not lower.isalpha():
            return None
        term = self._term_of(lower)
        if term is None or background.weight(term) < COMMON:
            return None
        limit = 1 if len(lower) < 6 else 2
        candidates = [w for n in range(len(lower) - limit, len(lower) + limit + 1) for w in self._by_length.get(n, ())]
        if limit == 1:  # short words: a first letter wrong as well is too many guesses
            candidates = [w for w in candidates if w[0] == lower[0]]
        found = process.extractOne(lower, candidates, scorer=OSA.distance, score_cutoff=limit)
        return None if found is None else str(found[0])


def substitutes(key: str, known: Callable[[str], bool]) -> list[str]:
    """The terms related to ``key`` (a term, or two joined by a space) that ``known`` accepts."""
    related = relations.related(key)
    if not related:  # most words and pairs: nothing to look through
        return []
    found: list[str] = []
    for kind, others in related.items():
        if kind in RELATED_KINDS:
            found.extend(sorted(t for t in others if " " not in t and known(t)))
    return list(dict.fromkeys(found))
