"""How rare a term is in English at large: a background IDF for short articles.

An article's own sentences make a poor IDF: a word used once in thirty sentences looks as
telling as the rarest name, be it "used" or "repatriation". The background weight is
``9 - zipf``: minus log10 of the term's share of English words, from a frequency list folded
through the bot's analysis (``data/background.tsv.gz``, made by
``benchmarks/make_background.py`` from wordfreq; CC BY-SA 4.0). Terms not on the list (rare
words, names, numbers) weigh :data:`UNLISTED`, the most.
"""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

__all__ = ["BACKGROUND_FILE", "UNLISTED", "weight"]

BACKGROUND_FILE = Path(__file__).parents[1] / "data" / "background.tsv.gz"
UNLISTED = 8.0  # a term rarer than one in a hundred million words


@cache
def _table() -> dict[str, float]:
    table: dict[str, float] = {}
    with gzip.open(BACKGROUND_FILE, "rt", encoding="utf-8") as lines:
        for line in lines:
            if not line.startswith("#"):
                term, zipf = line.rstrip("\n").split("\t")
                table[term] = min(UNLISTED, max(0.0, 9.0 - float(zipf)))
    return table


def weight(term: str) -> float:
    """The background IDF of an index term: 0 for the commonest, up to :data:`UNLISTED`."""
    return _table().get(term, UNLISTED)
