#!/usr/bin/env python3
"""Reader questions: how Quotebot does on questions typed the way readers type them.

usage: python benchmarks/readers.py [--shared ../shared] [--file benchmarks/readers/dev.jsonl] [--misses]
                                   [--without markup,chat,spelling,relations]

Each question is asked of its own article alone, as a reader who shared that one article would
ask it (``readers/dev.jsonl``: the bundled article in ``seeds/``, the Wikinews ones in
``../shared/articles/``). A reply is right on top when its first quote holds a gold substring,
in the reply when any of its first three quotes does; a quote counts only when it is shown, so
a refusal is a miss. Questions without gold are the ones a reader should not get a sure answer
to: "absent" (on the topic, not in the article) and "offtopic".
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.answer import Answer, Answerer
from bot.articles.corpus import load_corpus
from bot.evaluate import Question

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parent / "seeds"


def article_path(name: str, shared: Path) -> Path:
    return SEEDS / name if (SEEDS / name).exists() else shared / "articles" / name


def as_questions(questions: list[dict], shared: Path) -> list[Question]:
    """The answerable questions as labelled ranking questions (gold: the sentences holding a gold
    substring), for ``fit_ranker.py``; one tuple of sentences per article, shared."""
    texts: dict[str, tuple[str, ...]] = {}
    out = []
    for number, q in enumerate(questions):
        if not q["gold"]:
            continue
        if q["article"] not in texts:
            texts[q["article"]] = tuple(load_corpus(article_path(q["article"], shared)).texts())
        sentences = texts[q["article"]]
        gold = frozenset(i for i, s in enumerate(sentences) if any(g in s for g in q["gold"]))
        out.append(Question(f"reader-{number}", q["q"], q["article"], sentences, gold))
    return out


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def verdict_of(answer: Answer) -> str:
    """The contract's three verdicts: answered, closest, declined."""
    value = answer.verdict.value
    return value if value in ("answered", "closest") else "declined"


def score(questions: list[dict], shared: Path, misses: bool = False) -> dict[str, Counter]:
    """Counts per kind (and "all"): asked, top1, top3, refused, sure (answered), declined."""
    answerers: dict[str, Answerer] = {}
    counts: dict[str, Counter] = defaultdict(Counter)
    for q in questions:
        answerer = answerers.get(q["article"])
        if answerer is None:
            answerer = answerers[q["article"]] = Answerer(load_corpus(article_path(q["article"], shared)))
        answer = answerer.answer(q["q"])
        verdict = verdict_of(answer)
        shown = [x.sentence.text for x in answer.quotes[:3]] if verdict != "declined" else []
        for key in (q["kind"], "all" if q["gold"] else "unanswerable"):
            c = counts[key]
            c["asked"] += 1
            c[verdict] += 1
            if q["gold"]:
                hits = [any(g in text for g in q["gold"]) for text in shown]
                c["top1"] += bool(hits and hits[0])
                c["top3"] += any(hits)
                c["refused"] += verdict == "declined"
        if misses and q["gold"] and not (shown and any(g in shown[0] for g in q["gold"])):
            print(f"MISS [{q['kind']}/{verdict}] {q['article'][:12]} {q['q']!r}")
            print(f"   gold {q['gold'][0]!r}\n   got  {shown[:1]}")
        if misses and not q["gold"] and verdict == "answered":
            print(f"SURE [{q['kind']}] {q['article'][:12]} {q['q']!r}\n   got  {shown[:1]}")
    return counts


def table(counts: dict[str, Counter]) -> str:
    lines = ["| kind | asked | top 1 | top 3 | refused | answered / closest / declined |", "|---|--:|--:|--:|--:|--:|"]
    for kind in sorted(counts, key=lambda k: (k in ("all", "unanswerable"), k)):
        c = counts[kind]
        gold = kind not in ("absent", "offtopic", "unanswerable")
        cells = [f"{c['top1']}", f"{c['top3']}", f"{c['refused']}"] if gold else ["", "", ""]
        lines.append(
            f"| {kind} | {c['asked']} | "
            + " | ".join(cells)
            + f" | {c['answered']} / {c['closest']} / {c['declined']} |"
        )
    return "\n".join(lines)


def without(parts: set[str]) -> None:
    """Turn repairs of :mod:`bot.search.wording` off, to measure what each is worth."""
    from bot.search import index, wording

    if "markup" in parts:
        index.clean = lambda text: text  # type: ignore[assignment]
    if "chat" in parts:
        index.CHAT_WORDS = frozenset()  # type: ignore[misc]
    if "spelling" in parts:
        index.SPELL_MAX_SENTENCES = -1  # type: ignore[misc]
    if "relations" in parts:
        wording.RELATED_KINDS = ()  # type: ignore[misc]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=HERE.parent.parent / "shared")
    parser.add_argument("--file", type=Path, default=HERE / "readers" / "dev.jsonl")
    parser.add_argument("--misses", action="store_true", help="print each question not right on top")
    parser.add_argument("--without", default="", help="repairs to turn off: markup,chat,spelling,relations")
    args = parser.parse_args()
    without(set(filter(None, args.without.split(","))))
    print(table(score(read(args.file), args.shared, args.misses)))


if __name__ == "__main__":
    main()
