#!/usr/bin/env python3
"""Answer quality, Quotebot beside the classic lexical baselines, on every labelled set.

usage: python benchmarks/quality.py [--shared ../shared] [--markdown] [--only squad,wikiqa,seed]

Prints one table of P@1 / R@3 / MRR / MAP per set and split, every retriever measured in this
run on the same questions (each ranks its question's own article, ties to the earlier
sentence), then the decline decision on WikiQA ("answer triggering"), then the time per
question. ``--markdown`` prints the same tables for the README.

Baselines (all with scikit-learn's default tokeniser: lower case, words of 2+ letters):
  tfidf     scikit-learn ``TfidfVectorizer()`` defaults, cosine
  bm25      rank_bm25 ``BM25Okapi`` defaults
  bm25s     bm25s defaults, English stop words
  overlap   IDF-weighted word overlap (each shared word counts its IDF once)
  lead      the article's sentences in order (WikiQA's "first sentence first")

Splits: SQuAD's articles whose titles sort in the first half are tuning data (the ranker was
fitted there); the second half is held out. WikiQA test is held out; "237" is the official
filtered protocol (questions whose candidates are not all correct).
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import readers  # benchmarks/readers.py, beside this script

from bot.answer import Answerer, Verdict
from bot.articles.corpus import load_corpus
from bot.evaluate import Question, RankingScores, Triggering, articles, corpus_of, read_questions
from bot.search.index import Index

Ranker = Callable[[str], list[int]]
Builder = Callable[[tuple[str, ...]], Ranker]


def _order(scores: np.ndarray) -> list[int]:
    """Best first; ties to the earlier sentence."""
    return np.lexsort((np.arange(len(scores)), -scores)).tolist()


def tfidf(sentences: tuple[str, ...]) -> Ranker:
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer()
    matrix = vectorizer.fit_transform(sentences)
    return lambda q: _order((vectorizer.transform([q]) @ matrix.T).toarray().ravel())


def _tokenizer() -> Callable[[str], list[str]]:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer().build_analyzer()


def bm25(sentences: tuple[str, ...]) -> Ranker:
    from rank_bm25 import BM25Okapi

    tokenize = _tokenizer()
    model = BM25Okapi([tokenize(s) or [""] for s in sentences])
    return lambda q: _order(np.asarray(model.get_scores(tokenize(q))))


def bm25s_(sentences: tuple[str, ...]) -> Ranker:
    import bm25s

    model = bm25s.BM25()
    model.index(bm25s.tokenize(list(sentences), stopwords="en", show_progress=False), show_progress=False)

    def rank(q: str) -> list[int]:
        tokens = bm25s.tokenize([q], stopwords="en", show_progress=False, return_ids=False)[0]
        return _order(model.get_scores(tokens))

    return rank


def overlap(sentences: tuple[str, ...]) -> Ranker:
    tokenize = _tokenizer()
    sets = [set(tokenize(s)) for s in sentences]
    df = Counter(t for s in sets for t in s)
    n = len(sentences)
    idf = {t: math.log((n + 1) / (c + 0.5)) for t, c in df.items()}

    def rank(q: str) -> list[int]:
        words = set(tokenize(q))
        return _order(np.array([sum(idf[t] for t in words & s) for s in sets]))

    return rank


def lead(sentences: tuple[str, ...]) -> Ranker:
    order = list(range(len(sentences)))
    return lambda q: order


def quotebot(sentences: tuple[str, ...]) -> Ranker:
    return Index(corpus_of("article", sentences)).ranking


def quotebot_replies(sentences: tuple[str, ...]) -> Ranker:
    """Quotebot as a reader meets it: a declined question ranks nothing (a refusal is a miss)."""
    answerer = Answerer(corpus_of("article", sentences))

    def rank(q: str) -> list[int]:
        if answerer.answer(q).verdict in (Verdict.DECLINED, Verdict.EMPTY):
            return []
        return answerer.index.ranking(q)

    return rank


BASELINES: dict[str, Builder] = {"tfidf": tfidf, "bm25": bm25, "bm25s": bm25s_, "overlap": overlap}
RETRIEVERS: dict[str, Builder] = {
    **BASELINES,
    "lead": lead,
    "quotebot": quotebot,
    "quotebot, refusals as misses": quotebot_replies,
}


def rank_all(questions: list[Question], build: Builder) -> dict[str, list[int]]:
    """Each question's ranking by one retriever, building it once per article."""
    rankings: dict[str, list[int]] = {}
    built: dict[int, Ranker] = {}
    for q in questions:
        ranker = built.get(id(q.sentences))
        if ranker is None:
            ranker = built[id(q.sentences)] = build(q.sentences)
        rankings[q.qid] = ranker(q.question)
    return rankings


def metrics(questions: list[Question], rankings: dict[str, list[int]]) -> dict[str, float]:
    m = RankingScores()
    for q in questions:
        m.add(rankings[q.qid], q.gold)
    return {**m.summary(), "n": m.questions}


def table(title: str, rows: dict[str, dict[str, float]], markdown: bool) -> str:
    columns = ["P@1", "R@3", "MRR", "MAP"]
    n = next(iter(rows.values()))["n"]
    best = {c: max(r[c] for r in rows.values()) for c in columns}
    if markdown:
        lines = [f"**{title}** ({n:,} questions)", "", "| retriever | " + " | ".join(columns) + " |"]
        lines.append("|---|" + "---:|" * len(columns))
        for name, r in rows.items():
            cells = [f"**{r[c]:.3f}**" if r[c] == best[c] else f"{r[c]:.3f}" for c in columns]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        return "\n".join(lines) + "\n"
    lines = [f"{title} ({n:,} questions)", f"{'retriever':>10} " + " ".join(f"{c:>6}" for c in columns)]
    lines += [f"{name:>10} " + " ".join(f"{r[c]:6.3f}" for c in columns) for name, r in rows.items()]
    return "\n".join(lines) + "\n"


def squad_sets(shared: Path) -> dict[str, list[Question]]:
    questions = list(read_questions(shared / "eval/squad/dev.jsonl.xz"))
    titles = sorted({q.doc_title for q in questions})
    first = set(titles[: len(titles) // 2])
    return {
        "SQuAD, all 10,570, whole article": questions,
        "SQuAD, first half of titles (tuning)": [q for q in questions if q.doc_title in first],
        "SQuAD, second half of titles (held out)": [q for q in questions if q.doc_title not in first],
        "SQuAD, questions with exactly one gold sentence": [q for q in questions if len(q.gold) == 1],
    }


def wikiqa_sets(shared: Path) -> dict[str, list[Question]]:
    test = list(read_questions(shared / "eval/wikiqa/test.jsonl"))
    dev = list(read_questions(shared / "eval/wikiqa/dev.jsonl"))
    return {
        "WikiQA test, official 237 (held out)": [q for q in test if q.gold and len(q.gold) < len(q.sentences)],
        "WikiQA test, all 243 with an answer": test,
        "WikiQA dev, official 122": [q for q in dev if q.gold and len(q.gold) < len(q.sentences)],
    }


def triggering(shared: Path, markdown: bool) -> str:
    """WikiQA answer triggering: ours against a fixed threshold on plain TF-IDF's top cosine.

    The threshold is chosen for F1 on WikiQA train, then applied to test.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    def tfidf_tops(questions: list[Question]) -> list[tuple[float, bool]]:
        out, built = [], {}
        for q in questions:
            key = id(q.sentences)
            if key not in built:
                vectorizer = TfidfVectorizer()
                built[key] = (vectorizer, vectorizer.fit_transform(q.sentences))
            vectorizer, matrix = built[key]
            scores = (vectorizer.transform([q.question]) @ matrix.T).toarray().ravel()
            top = int(_order(scores)[0])
            out.append((float(scores[top]), top in q.gold))
        return out

    def f1_at(tops: list[tuple[float, bool]], questions: list[Question], threshold: float) -> Triggering:
        t = Triggering()
        for (score, right), q in zip(tops, questions):
            t.add(score >= threshold, None if not right else next(iter(q.gold)), q.gold)
        return t

    train = list(read_questions(shared / "eval/wikiqa/train.jsonl"))
    test = list(read_questions(shared / "eval/wikiqa/test.jsonl"))
    train_tops = tfidf_tops(train)
    candidates = sorted({round(s, 3) for s, _ in train_tops})
    threshold = max(candidates, key=lambda th: f1_at(train_tops, train, th).summary()["F1"])
    baseline = f1_at(tfidf_tops(test), test, threshold)

    ours = Triggering()
    answerers: dict[int, Answerer] = {}
    for q in test:
        answerer = answerers.get(id(q.sentences))
        if answerer is None:
            answerer = answerers[id(q.sentences)] = Answerer(corpus_of("article", q.sentences))
        answer = answerer.answer(q.question)
        ours.add(answer.answered, answer.quotes[0].sentence.index if answer.quotes else None, q.gold)

    rows = {f"TF-IDF top cosine ≥ {threshold:.3f} (tuned on train)": baseline, "quotebot": ours}
    head = "WikiQA test answer triggering (633 questions, 243 with an answer): answered with a right sentence on top"
    if markdown:
        lines = [
            f"**{head}**",
            "",
            "| decline rule | answered | precision | recall | F1 |",
            "|---|---:|---:|---:|---:|",
        ]
        for name, t in rows.items():
            s = t.summary()
            lines.append(f"| {name} | {t.answered} | {s['precision']:.3f} | {s['recall']:.3f} | {s['F1']:.3f} |")
        return "\n".join(lines) + "\n"
    lines = [head]
    for name, t in rows.items():
        s = t.summary()
        lines.append(
            f"  {name:>42}: answered {t.answered:>3}  precision {s['precision']:.3f}  "
            f"recall {s['recall']:.3f}  F1 {s['F1']:.3f}"
        )
    return "\n".join(lines) + "\n"


def timing(questions: list[Question], markdown: bool) -> str:
    """Quotebot's time per SQuAD question: its article's index build, and the question itself."""
    builds: dict[int, float] = {}
    indexes: dict[int, Index] = {}
    per_question, with_build = [], []
    for q in questions:
        key = id(q.sentences)
        if key not in indexes:
            start = time.perf_counter()
            indexes[key] = Index(corpus_of("article", q.sentences))
            builds[key] = time.perf_counter() - start
        start = time.perf_counter()
        indexes[key].ranking(q.question)
        spent = time.perf_counter() - start
        per_question.append(spent)
        with_build.append(spent + builds[key])
    per_article = Counter(id(q.sentences) for q in questions)
    amortised = [
        per_question[i] + builds[id(q.sentences)] / per_article[id(q.sentences)] for i, q in enumerate(questions)
    ]
    rows = {
        "question only": per_question,
        "question + its article's build, shared by the article's questions": amortised,
        "question + a fresh build of its article": with_build,
    }
    head = f"Quotebot time per SQuAD question, one core ({len(questions):,} questions, {len(builds)} articles)"
    if markdown:
        lines = [f"**{head}**", "", "| what | median ms | p90 ms |", "|---|---:|---:|"]
        for name, values in rows.items():
            lines.append(f"| {name} | {statistics.median(values) * 1e3:.2f} | {np.percentile(values, 90) * 1e3:.2f} |")
        return "\n".join(lines) + "\n"
    lines = [head]
    for name, values in rows.items():
        lines.append(
            f"  {name:>66}: median {statistics.median(values) * 1e3:6.2f} ms, "
            f"p90 {np.percentile(values, 90) * 1e3:6.2f} ms"
        )
    return "\n".join(lines) + "\n"


def trecqa_sets(shared: Path) -> dict[str, list[Question]]:
    """TrecQA's tuning splits (its test split is held out), questions with an answer."""
    return {
        f"TrecQA {split}, questions with an answer": [
            q for q in read_questions(shared / f"eval/trecqa/{split}.jsonl.xz") if q.gold
        ]
        for split in ("train", "dev")
    }


def trecqa_refusals(shared: Path, markdown: bool) -> str:
    """How often Quotebot refuses TrecQA's questions: those with an answer, and those without."""
    lines = []
    for split in ("train", "dev"):
        counts = {True: [0, 0, 0], False: [0, 0, 0]}  # has an answer -> [asked, declined, not answered]
        for index, group in articles(read_questions(shared / f"eval/trecqa/{split}.jsonl.xz")):
            answerer = Answerer(index.corpus, index)
            for q in group:
                verdict = answerer.answer(q.question).verdict
                c = counts[bool(q.gold)]
                c[0] += 1
                c[1] += verdict in (Verdict.DECLINED, Verdict.EMPTY)
                c[2] += verdict is not Verdict.ANSWERED
        (asked, declined, _), (none, none_declined, none_unsure) = counts[True], counts[False]
        lines.append(
            f"TrecQA {split}: {declined} of {asked} questions with an answer declined "
            f"({declined / max(asked, 1):.1%}); "
            f"of the {none} without one, {none_declined} declined and {none_unsure} not answered as sure"
        )
    return ("\n\n" if markdown else "\n").join(lines) + "\n"


def readers_table(shared: Path, markdown: bool) -> str:
    """The reader development set (benchmarks/readers.py), with plain TF-IDF's top 1 and top 3 beside it."""
    path = Path(__file__).resolve().parent / "readers" / "dev.jsonl"
    questions = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    counts = readers.score(questions, shared)
    top1 = top3 = 0
    built: dict[str, tuple[Ranker, tuple[str, ...]]] = {}
    for q in questions:
        if not q["gold"]:
            continue
        if q["article"] not in built:
            texts = tuple(load_corpus(readers.article_path(q["article"], shared)).texts())
            built[q["article"]] = (tfidf(texts), texts)
        ranker, texts = built[q["article"]]
        hits = [any(g in texts[i] for g in q["gold"]) for i in ranker(q["q"])[:3]]
        top1 += bool(hits and hits[0])
        top3 += any(hits)
    everything = counts["all"]
    head = "Reader development set (benchmarks/readers/dev.jsonl), by kind; refusals count as misses"
    baseline = f"plain TF-IDF, no refusals, on the {everything['asked']} answerable: top 1 {top1}, top 3 {top3}"
    return f"{head}\n\n{readers.table(counts)}\n\n{baseline}\n"


def seed_set(shared: Path) -> dict[str, list[Question]]:
    corpus = load_corpus(Path(__file__).resolve().parent.parent / "seeds")
    questions = [q for q in read_questions(shared / "eval/seed/dev.jsonl", corpus)]
    return {"Seed article, dev questions with an answer": questions}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--only", default="readers,squad,wikiqa,trecqa,seed,triggering,timing")
    args = parser.parse_args()
    parts = set(args.only.split(","))

    sets: dict[str, tuple[dict[str, list[Question]], list[str]]] = {}
    if "squad" in parts:
        sets["squad"] = (squad_sets(args.shared), [*BASELINES, "quotebot"])
    if "wikiqa" in parts:
        sets["wikiqa"] = (wikiqa_sets(args.shared), list(RETRIEVERS))
    if "seed" in parts:
        sets["seed"] = (seed_set(args.shared), [*BASELINES, "quotebot", "quotebot, refusals as misses"])
    if "trecqa" in parts:
        sets["trecqa"] = (trecqa_sets(args.shared), [*BASELINES, "quotebot", "quotebot, refusals as misses"])
    if "readers" in parts:
        print(readers_table(args.shared, args.markdown), flush=True)
    for splits, names in sets.values():
        everything = [q for qs in splits.values() for q in qs]
        unique = list({q.qid + q.doc_title: q for q in everything}.values())
        rankings = {name: rank_all(unique, RETRIEVERS[name]) for name in names}
        for title, questions in splits.items():
            rows = {name: metrics(questions, rankings[name]) for name in names}
            print(table(title, rows, args.markdown), flush=True)
    if "trecqa" in parts:
        print(trecqa_refusals(args.shared, args.markdown), flush=True)
    if "triggering" in parts:
        print(triggering(args.shared, args.markdown), flush=True)
    if "timing" in parts:
        print(timing(list(read_questions(args.shared / "eval/squad/dev.jsonl.xz")), args.markdown), flush=True)


if __name__ == "__main__":
    main()
