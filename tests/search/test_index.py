"""Search: scored sentences, best first, matching on meaning-bearing words only."""

import numpy as np
import pytest

from bot.articles.corpus import load_corpus
from bot.evaluate import corpus_of
from bot.search.index import Index
from bot.search.recall import BM25


@pytest.fixture(scope="module")
def index(seed_corpus) -> Index:  # type: ignore[no-untyped-def]
    return Index(seed_corpus)


def test_search_returns_scored_sentences_best_first(index: Index) -> None:
    hits = index.search("What do the Geneva Conventions prohibit?", k=3)
    assert len(hits) == 3
    assert index.corpus.text(hits[0].index) == (
        "Importantly, the Geneva Conventions also prohibit repatriation against a prisoner’s will."
    )
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_word_forms_match_across_question_and_article(index: Index) -> None:
    hits = index.search("Which prisoners were interviewed by a filmmaker?", k=1)
    assert "interviewed North Korean prisoners Baek and Ri" in index.corpus.text(hits[0].index)


def test_question_words_alone_match_nothing(index: Index) -> None:
    assert index.search("Who? What is it? When and where, and why?") == []


def test_words_the_article_never_uses_match_nothing(index: Index) -> None:
    assert index.search("Who painted the Mona Lisa?") == []


def test_k_limits_the_hits(index: Index) -> None:
    assert len(index.search("North Korea prisoners negotiations", k=2)) == 2
    assert index.search("North Korea prisoners negotiations", k=0) == []


def test_spelled_out_name_finds_the_acronym() -> None:
    corpus = corpus_of("t", ["The U.S. envoy arrived on Monday.", "The weather was mild in the capital."])
    hits = Index(corpus).search("When did the envoy of the United States arrive?")
    assert hits and corpus.text(hits[0].index).startswith("The U.S. envoy")


def test_bm25_walk_equals_the_matrix_product(index: Index) -> None:
    """The posting-list walk is the sparse product q · Xᵀ with BM25 weights, nothing else."""
    query = index.query("repatriation of prisoners of war under the Geneva Conventions")
    dense = np.zeros((len(index), len(index.vocabulary)))
    recall = index.recall
    assert isinstance(recall, BM25)
    for j in range(len(index.vocabulary)):
        lo, hi = recall.indptr[j], recall.indptr[j + 1]
        dense[recall.rows[lo:hi], j] = recall.weights[lo:hi]
    q = np.zeros(len(index.vocabulary))
    q[query.term_ids] = 1
    assert np.allclose(index.bm25(query), dense @ q, atol=1e-5)


def test_ranking_covers_every_sentence_once(index: Index) -> None:
    ranking = index.ranking("Who met the prisoners in March?")
    assert sorted(ranking) == list(range(len(index)))


def test_neighbours_never_cross_articles(write, tmp_path) -> None:  # type: ignore[no-untyped-def]
    write("a.txt", "Alpha talks began. This was in May.\n")
    write("b.txt", "This story is unrelated. Beta ended.\n")
    index = Index(load_corpus(tmp_path))
    hits = index.search("When did the alpha talks begin?", k=5)
    assert {index.corpus.article_of(h.index).document for h in hits} == {"a.txt"}


TRICKY = [
    "The U.S. and the ICRC met at 5 p.m. on Jan. 3, 2023 — “talks” went well.",
    "PRISONERS WANT TO GO SOUTH, SAYS THE UN ENVOY IN KYIV",
    "Prices rose 3.5% to $1,000; the soldiers’ capture isn't news: don't panic_now.",
    "北京是中国的首都。 Привет, мир! Café naïve ＵＫＲＡＩＮＥ",
    "\u200fRTL mark\u200d and zero\u2060width joiners \x1e and a separator",
    "",
]


def test_sentences_are_read_exactly_as_questions_are(write, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Building reads sentences in bulk; a question is read alone: both must see the same words."""
    write("tricky.txt", "\n\n".join(t for t in TRICKY if t) + "\n")
    index = Index(load_corpus(tmp_path))
    for i in range(len(index)):
        built = index.units[index.unit_starts[i] : index.unit_starts[i + 1]].tolist()
        query = index.query(index.corpus.text(i))
        assert sorted(set(built)) == query.words, index.corpus.text(i)


def test_an_article_without_words_is_indexed_and_matches_nothing(write, tmp_path) -> None:  # type: ignore[no-untyped-def]
    write("marks.txt", "—— !!! ...\n\n*** ???\n")
    index = Index(load_corpus(tmp_path))
    assert len(index) == 2
    assert index.search("What happened?") == []


def test_a_question_s_phrases_are_its_runs_of_known_words_holding_a_term(write, tmp_path) -> None:  # type: ignore[no-untyped-def]
    write("talks.txt", "The talks in Geneva ended in a deal on the exchange of prisoners.\n")
    index = Index(load_corpus(tmp_path))
    query = index.query("did the talks in Geneva lol end in a deal")
    unit = {word: index.vocabulary[key] for word, key in [("the", " the"), ("in", " in"), ("a", " a")]}
    unit |= {word: index.vocabulary[word] for word in ("talk", "geneva", "deal")}
    # Runs stop at words the article lacks ("did", and "lol", a chat word read as a stop word)
    # and must hold a term, not only stop words.
    assert query.pairs >= {(unit["the"], unit["talk"]), (unit["talk"], unit["in"]), (unit["in"], unit["geneva"])}
    assert (unit["in"], unit["a"]) not in query.pairs  # two stop words hold no term
    assert (unit["the"], unit["talk"], unit["in"]) in query.triples
    assert (unit["in"], unit["a"], unit["deal"]) in query.triples
    assert all(len(run) == 2 for run in query.pairs) and all(len(run) == 3 for run in query.triples)
    assert all(u >= 0 for run in query.pairs | query.triples for u in run)
