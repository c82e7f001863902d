"""The eval metrics, on rankings small enough to check by hand, and the file format."""

import json
import lzma

import pytest

from bot.evaluate import EvalError, RankingScores, evaluate, read_questions


def test_metrics_by_hand() -> None:
    m = RankingScores()
    m.add([3, 1, 2, 0], frozenset({1}))  # first gold at rank 2
    m.add([0, 1, 2, 3], frozenset({0, 2}))  # gold at ranks 1 and 3
    m.add([0, 1, 2, 3], frozenset())  # no gold: not counted
    s = m.summary()
    assert m.questions == 2
    assert s["P@1"] == pytest.approx(0.5)
    assert s["R@3"] == pytest.approx(1.0)
    assert s["MRR"] == pytest.approx((1 / 2 + 1) / 2)
    assert s["MAP"] == pytest.approx((1 / 2 + (1 + 2 / 3) / 2) / 2)


def _rows() -> list[dict]:
    sentences = ["The bridge opened in 1932.", "It is made of steel.", "Tourists like the view."]
    return [
        {
            "qid": "a",
            "question": "When did the bridge open?",
            "doc_title": "Bridge",
            "sentences": sentences,
            "gold": [0],
        },
        {
            "qid": "b",
            "question": "What is the bridge made of?",
            "doc_title": "Bridge",
            "sentences": sentences,
            "gold": [1],
        },
        {"qid": "c", "question": "Who built it?", "doc_title": "Bridge", "sentences": sentences, "gold": []},
    ]


def test_evaluate_reads_xz_and_writes_rankings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "set.jsonl.xz"
    with lzma.open(path, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in _rows())
    out = tmp_path / "rankings.jsonl"
    report = evaluate(path, out)
    assert "3 questions, 2 with a gold sentence" in report
    assert "P@1 1.000" in report
    assert "declined 1 of the 1 without an answer" in report
    rankings = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["qid"] for r in rankings] == ["a", "b", "c"]
    assert rankings[0]["ranking"][0] == 0 and sorted(rankings[0]["ranking"]) == [0, 1, 2]


def test_questions_of_one_article_share_an_index(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _rows()), encoding="utf-8")
    questions = list(read_questions(path))
    assert len({q.sentences for q in questions}) == 1


def test_malformed_lines_are_reported_with_their_number(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(_rows()[0]) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(EvalError, match="line 2"):
        list(read_questions(path))
    with pytest.raises(EvalError, match="cannot read"):
        list(read_questions(tmp_path / "missing.jsonl"))


def test_questions_about_the_bots_own_corpus(tmp_path, seed_corpus) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "seed.jsonl"
    rows = [
        {"q": "Where did the interview with the prisoners take place?", "gold": ["POW camp near Kyiv"]},
        {"q": "What is the tallest mountain on Mars?", "gold": None},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    questions = list(read_questions(path, seed_corpus))
    assert len(questions[0].gold) == 1 and questions[1].gold == frozenset()
    report = evaluate(path, corpus=seed_corpus)
    assert "2 questions, 1 with a gold sentence" in report
    assert "declined 1 of the 1 without an answer" in report
