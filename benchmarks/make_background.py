#!/usr/bin/env python3
"""Write ``bot/data/background.tsv.gz``: how common each English term is, for the ranker.

usage: pip install wordfreq && python benchmarks/make_background.py [--top 60000]

An article's own thirty sentences say little about which words are ordinary ("used", "name")
and which are telling ("repatriation"), so the ranker also weighs terms by how rare they are in
English at large. The frequencies come from wordfreq's "best" English list (Robyn Speer et al.,
data under CC BY-SA 4.0), folded through the bot's own analysis (stop words out, irregular verbs
to their base, Snowball stems), summed per term, and kept for the most common terms. Each line is
``term<TAB>zipf``, the Zipf value being log10 of the frequency per billion words.
"""

from __future__ import annotations

import argparse
import gzip
import math
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.search.analysis import terms
from bot.search.background import BACKGROUND_FILE


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=60000, help="terms to keep, most common first")
    args = parser.parse_args()
    import wordfreq

    frequency: Counter[str] = Counter()
    for word, share in wordfreq.get_frequency_dict("en", wordlist="best").items():
        for term in terms(word):
            if not term[0].isdigit():  # wordfreq folds digits into "0"s; numbers stay rare here
                frequency[term] += share
    kept = frequency.most_common(args.top)
    with gzip.open(BACKGROUND_FILE, "wt", encoding="utf-8", compresslevel=9) as out:
        out.write("# term\tzipf (log10 per billion words); from wordfreq 'best' English, CC BY-SA 4.0\n")
        for term, share in kept:
            out.write(f"{term}\t{math.log10(share * 1e9):.2f}\n")
    print(f"{len(kept)} terms -> {BACKGROUND_FILE} ({BACKGROUND_FILE.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
