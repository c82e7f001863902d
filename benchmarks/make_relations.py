#!/usr/bin/env python3
"""Write ``bot/data/relations.tsv.gz``: which index terms mean nearly the same, from WordNet.

usage: apt-get install wordnet-base && python benchmarks/make_relations.py [--senses 3] [--either] [--all-terms]

Readers ask in their own words: "admit", "need", "kid", "killed", "take part", where the article
wrote "acknowledged", "require", "child", "died", "participated". Princeton WordNet 3.0
(Debian's wordnet-base, under the WordNet 3.0 licence, copied beside the table as
``LICENSE-wordnet.txt``) says which words are related; this script reads its database files
(``data.*`` and ``index.*``, format in ``man 5 wndb``) with plain Python, folds every word
through the bot's own analysis (stop words out, irregular verbs to their base, Snowball stems),
and keeps the related pairs of index terms, each under one kind, so that the re-ranker can
weigh the kinds apart:

- ``syn``: words of one synset (synonyms). A multi-word lemma becomes a phrase key, its terms
  joined by a space ("take part" -> "particip"), for a caller to look up the word pairs of a
  question; phrases are only related to single terms.
- ``der``: derivationally related forms (``+``) and adverbs' adjectives (``\\``):
  "admit" ~ "admission", "kill" ~ "killer".
- ``sim``: adjectives' similar-to (``&``) and also-see (``^``): "angry" ~ "irate".
- ``cau``: verbs' cause (``>``) and entailment (``*``): "kill" ~ "die", "win" ~ "compete".
- ``hyp``: direct hypernyms and hyponyms (``@``, ``~``) of a word's first sense: "kill" ~
  "murder", "prisoner" ~ "hostage".

Only a word's common senses count: its first ``--senses`` in WordNet's order, but none past the
senses tagged in WordNet's sense-tagged texts (the order of untagged ones says nothing: "kid" as
Thomas Kyd), and always the first. A pair needs its synset (for a pointer, each end) to be a
common sense of both words: "need" ~ "require", the first sense of both, but not "need" ~
"take", the first sense of "need" being the 14th of "take", which would tie every "take" to
"need". ``--either`` is content with one word (three quarters more pairs; "take" gets 37
synonyms instead of 7). Pairs whose sides analyse to one term are dropped, relations are
symmetric, and a pair is listed once, under the first kind of syn, der, sim, cau, hyp that holds
it. Unless ``--all-terms``, both sides (each term of a phrase) must be among the terms of
``bot/data/background.tsv.gz``, the 60,000 commonest in English: the rest ("cragfast",
"larghissimo") hardly ever meet a reader, and they would double the table.

Each line is ``term<TAB>kind:term,term,...<TAB>kind:...``, after one ``#`` line naming the source.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import sys
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.search.analysis import terms
from bot.search.background import BACKGROUND_FILE
from bot.search.relations import KINDS, RELATIONS_FILE

WORDNET = Path("/usr/share/wordnet")
COPYRIGHT = Path("/usr/share/doc/wordnet-base/copyright")
LICENCE_FILE = RELATIONS_FILE.with_name("LICENSE-wordnet.txt")
FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
POINTER_KINDS = {"+": "der", "\\": "der", "&": "sim", "^": "sim", ">": "cau", "*": "cau", "@": "hyp", "~": "hyp"}
MAX_PHRASE = 3  # terms in a phrase key; longer lemmas ("give-up the ghost") are idioms no one quotes

Synset = tuple[list[str], list[tuple[str, str, int, int, int]]]  # words; (symbol, pos, offset, source, target)


def read_data(wordnet: Path) -> dict[tuple[str, int], Synset]:
    """Every synset, by (pos, offset): its words and its pointers (data.* files, ``man 5 wndb``)."""
    synsets: dict[tuple[str, int], Synset] = {}
    for pos, name in FILES.items():
        with (wordnet / f"data.{name}").open(encoding="latin-1") as lines:
            for line in lines:
                if line.startswith("  "):  # the licence header
                    continue
                fields = line.split(" | ", 1)[0].split()
                count = int(fields[3], 16)
                # Adjectives may carry a syntactic marker: "galore(ip)".
                words = [fields[4 + 2 * i].split("(")[0] for i in range(count)]
                at = 4 + 2 * count
                pointers = []
                for i in range(int(fields[at])):
                    symbol, offset, target_pos, ends = fields[at + 1 + 4 * i : at + 5 + 4 * i]
                    # Satellite adjectives ("s") live in data.adj like the heads ("a").
                    target_pos = "a" if target_pos == "s" else target_pos
                    pointers.append((symbol, target_pos, int(offset), int(ends[:2], 16), int(ends[2:], 16)))
                synsets[(pos, int(fields[0]))] = (words, pointers)
    return synsets


def read_senses(wordnet: Path, senses: int) -> dict[tuple[str, int, str], int]:
    """The senses of each lemma: (pos, offset, lemma) -> sense number from 0, or -1 for rare ones.

    A lemma's common senses are its first ``senses`` but none past those tagged in the
    concordance texts, whose order is arbitrary, and always its first.
    """
    rank: dict[tuple[str, int, str], int] = {}
    for pos, name in FILES.items():
        with (wordnet / f"index.{name}").open(encoding="latin-1") as lines:
            for line in lines:
                if line.startswith("  "):
                    continue
                fields = line.split()
                count, tagged = int(fields[2]), int(fields[-int(fields[2]) - 1])
                common = max(1, min(senses, tagged))
                for number, offset in enumerate(fields[-count:]):
                    rank[(pos, int(offset), fields[0])] = number if number < common else -1
    return rank


@cache
def key(word: str) -> str | None:
    """A WordNet word as the bot's analysis sees it: one term, a phrase of terms joined by a
    space, or None (stop words only, a multi-word lemma reduced to one term, a long idiom)."""
    found = terms(word.replace("_", " "))
    if any(term != term.strip() for term in found):
        return None  # bot.analysis maps 18 irregular forms ("sent") to padded bases; keep those out
    if len(found) == 1:
        # "call_for" is no "call", "give_in" no "give": phrasal verbs that lose their particle.
        return found[0] if "_" not in word else None
    return " ".join(found) if 1 < len(found) <= MAX_PHRASE else None


def relations(
    synsets: dict[tuple[str, int], Synset], rank: dict[tuple[str, int, str], int], either: bool = False
) -> dict[str, set[tuple[str, str]]]:
    """Related (term, term) pairs by kind, both ways, each pair under one kind only."""
    found: dict[str, set[tuple[str, str]]] = {kind: set() for kind in KINDS}

    def common(ra: int, rb: int) -> bool:
        return (ra >= 0 or rb >= 0) if either else (ra >= 0 and rb >= 0)

    def add(kind: str, a: str, b: str) -> None:
        ka, kb = key(a), key(b)
        if ka is None or kb is None or ka == kb:
            return
        if (" " in ka or " " in kb) and (kind != "syn" or (" " in ka and " " in kb)):
            return  # phrases only as synonyms of single terms
        found[kind].update(((ka, kb), (kb, ka)))

    for (pos, offset), (words, pointers) in synsets.items():
        for a, b in itertools.combinations(words, 2):
            if common(rank[(pos, offset, a.lower())], rank[(pos, offset, b.lower())]):
                add("syn", a, b)
        for symbol, target_pos, target, source_word, target_word in pointers:
            kind = POINTER_KINDS.get(symbol)
            if kind is None:
                continue
            # A lexical pointer names its two words (from 1); 0 means every word of the synset.
            sources = [words[source_word - 1]] if source_word else words
            targets = synsets[(target_pos, target)][0]
            targets = [targets[target_word - 1]] if target_word else targets
            for a in sources:
                for b in targets:
                    ra, rb = rank[(pos, offset, a.lower())], rank[(target_pos, target, b.lower())]
                    # Hypernyms and hyponyms only of a word's first sense: the rest drift too far.
                    if common(ra, rb) and (kind != "hyp" or ra == 0 or rb == 0):
                        add(kind, a, b)
    seen: set[tuple[str, str]] = set()
    for kind in KINDS:  # strongest first: a pair counts once
        found[kind] -= seen
        seen |= found[kind]
    return found


def licence() -> str:
    """The WordNet stanza of Debian's copyright file, verbatim (the debian/* one is GPL)."""
    text = COPYRIGHT.read_text(encoding="utf-8")
    start = text.index("Files: *")
    end = text.index("\nFiles: ", start + 1)
    return (
        "Princeton WordNet 3.0, from which relations.tsv.gz is derived, is under this licence, as\n"
        f"given by Debian's wordnet-base package in {COPYRIGHT}:\n\n" + text[start:end].rstrip() + "\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wordnet", type=Path, default=WORDNET, help="folder of WordNet's data.* and index.*")
    parser.add_argument("--senses", type=int, default=3, help="a word's senses that count, commonest first")
    parser.add_argument("--either", action="store_true", help="pairs whose synset is common to one word only")
    parser.add_argument("--all-terms", action="store_true", help="keep terms missing from the background list")
    args = parser.parse_args()

    found = relations(read_data(args.wordnet), read_senses(args.wordnet, args.senses), args.either)
    if not args.all_terms:
        with gzip.open(BACKGROUND_FILE, "rt", encoding="utf-8") as lines:
            common = {line.split("\t", 1)[0] for line in lines if not line.startswith("#")}
        for kind in KINDS:
            found[kind] = {(a, b) for a, b in found[kind] if all(t in common for t in f"{a} {b}".split())}
    table: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for kind in KINDS:
        by_term: dict[str, list[str]] = defaultdict(list)
        for a, b in found[kind]:
            assert not any(c in a + b for c in ",\t:"), (a, b)  # the file's separators
            by_term[a].append(b)
        for term, related in by_term.items():
            table[term][kind] = sorted(related)
    options = f"--senses {args.senses}" + " --either" * args.either + " --all-terms" * args.all_terms
    lines = [f"# Princeton WordNet 3.0, WordNet 3.0 licence, see LICENSE-wordnet.txt; make_relations.py {options}"]
    for term in sorted(table):
        lines.append("\t".join([term, *(f"{kind}:{','.join(table[term][kind])}" for kind in table[term])]))
    # mtime 0 and no file name inside: the same WordNet gives the same bytes, and no spurious diff.
    with RELATIONS_FILE.open("wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as out:
        out.write(("\n".join(lines) + "\n").encode("utf-8"))
    LICENCE_FILE.write_text(licence(), encoding="utf-8")

    pairs = Counter({kind: len(found[kind]) // 2 for kind in KINDS})
    print(f"{len(table)} terms, {sum(pairs.values())} pairs ({', '.join(f'{k} {n}' for k, n in pairs.items())})")
    print(f"-> {RELATIONS_FILE} ({RELATIONS_FILE.stat().st_size // 1024} KB), {LICENCE_FILE}")


if __name__ == "__main__":
    main()
