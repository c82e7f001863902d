"""Which index terms mean nearly the same: readers' words against the article's, from WordNet.

A reader asks "did he admit it?" or "what do they need?" where the article wrote "acknowledged"
or "require"; no stemmer joins those. :func:`related` gives, for an index term (as
:func:`bot.analysis.terms` makes it), the terms related to it by kind, so that the re-ranker can
weigh each kind apart (:data:`KINDS`, strongest first, a pair under one kind only):

- ``syn``: synonyms, words sharing a common sense ("need" / "require", "kid" / "child");
- ``der``: derived forms the stemmer does not join ("admit" / "admission");
- ``sim``: similar adjectives ("angry" / "irate");
- ``cau``: a verb and what it causes or entails ("kill" / "die");
- ``hyp``: direct hypernyms and hyponyms ("kill" / "murder").

Relations are symmetric. Keys and related terms may also be phrases, terms joined by a space
("take part" / "particip"), to look up consecutive terms of a question. The table,
``data/relations.tsv.gz``, is made by ``benchmarks/make_relations.py`` from Princeton WordNet
3.0, under the WordNet 3.0 licence (``data/LICENSE-wordnet.txt``, which must ship with it).
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

__all__ = ["KINDS", "RELATIONS_FILE", "kinds", "related", "terms"]

RELATIONS_FILE = Path(__file__).parents[1] / "data" / "relations.tsv.gz"
KINDS: tuple[str, ...] = ("syn", "der", "sim", "cau", "hyp")


@cache
def _table() -> dict[str, str]:
    """Each term's line past the term, parsed only when asked for: most terms never are, and a
    dict of frozensets for all of them would hold many megabytes for good."""
    table: dict[str, str] = {}
    with gzip.open(RELATIONS_FILE, "rt", encoding="utf-8") as lines:
        for line in lines:
            if not line.startswith("#"):
                term, _, rest = line.rstrip("\n").partition("\t")
                table[term] = rest
    return table


def kinds() -> tuple[str, ...]:
    """The kinds of relation, strongest first."""
    return KINDS


def related(term: str) -> dict[str, frozenset[str]]:
    """The terms related to an index term (or a phrase of terms joined by a space), by kind;
    kinds with none are left out, and an unknown term gives an empty dict."""
    out: dict[str, frozenset[str]] = {}
    rest = _table().get(term)
    if rest:
        for field in rest.split("\t"):
            kind, _, others = field.partition(":")
            out[kind] = frozenset(others.split(","))
    return out


def terms() -> frozenset[str]:
    """Every term and phrase that has related terms."""
    return frozenset(_table())
