"""Loading articles: paragraphs, sentences that survive abbreviations, titles, bad input."""

from pathlib import Path
from typing import Any

import pytest

from bot.answer import Answerer
from bot.articles.corpus import CorpusError, load_corpus
from bot.config import default_seeds


def test_seed_article_paragraphs_and_sentences(seed_corpus) -> None:  # type: ignore[no-untyped-def]
    (article,) = seed_corpus.articles
    assert article.document == "000_af6a6ede7ec27ba1.txt"
    assert article.paragraphs == 16
    assert len(seed_corpus) == article.count == 34
    first = seed_corpus.sentence(0)
    assert (first.paragraph, first.position, first.sentence) == (1, 1, 0)


def test_seed_article_has_a_headline_that_is_not_a_sentence(seed_corpus) -> None:  # type: ignore[no-untyped-def]
    (article,) = seed_corpus.articles
    assert article.title == (
        "North Korean POWs in Ukraine wish to defect to South Korea, but little progress on their transfer"
    )
    assert article.title not in list(seed_corpus.texts())
    assert seed_corpus.text(0).startswith("Two North Korean soldiers captured by Ukrainian forces")


@pytest.mark.parametrize(
    "whole",
    [
        "During a March visit to Ukraine, Rep. Yoo Yong Won of the ruling People Power Party met with the prisoners.",
        "U.S. President Donald Trump has struggled to find an optimal mediation solution, at times "
        "appearing to side with Russia and at other times with Ukraine, further complicating ceasefire "
        "negotiations.",
    ],
)
def test_abbreviations_do_not_end_sentences(seed_corpus, whole: str) -> None:  # type: ignore[no-untyped-def]
    assert whole in list(seed_corpus.texts())


def test_every_sentence_is_verbatim_from_the_article(seed_corpus) -> None:  # type: ignore[no-untyped-def]
    text = (default_seeds() / "000_af6a6ede7ec27ba1.txt").read_text(encoding="utf-8")
    for sentence in seed_corpus.texts():
        assert sentence in text
        assert sentence == sentence.strip()


def test_position_of_a_sentence(seed_corpus) -> None:  # type: ignore[no-untyped-def]
    hits = [seed_corpus.sentence(i) for i in range(len(seed_corpus))]
    captured = next(s for s in hits if s.text.startswith("Ukrainian forces captured them"))
    assert (captured.paragraph, captured.position) == (4, 2)


def test_initials_quotes_and_times_stay_in_one_sentence(write) -> None:  # type: ignore[no-untyped-def]
    path = write(
        "a.txt",
        'Dr. J. R. R. Tolkien met Mr. Smith at 5 p.m. on Friday. He said, "It is done." Then he left!\n',
    )
    assert list(load_corpus(path).texts()) == [
        "Dr. J. R. R. Tolkien met Mr. Smith at 5 p.m. on Friday.",
        'He said, "It is done."',
        "Then he left!",
    ]


def test_title_from_front_matter_first_line_or_file_name(write) -> None:  # type: ignore[no-untyped-def]
    front = write("f/front.txt", "title: Talks stall\nsource: https://example.org/a\n\nBody text here.\n")
    headline = write("h/headline.md", "# Soldiers want to go south\n\nBody text here. More text.\n")
    plain = write("p/plain_story.txt", "A first line that is a whole paragraph. It goes on.\n")
    assert load_corpus(front).articles[0].title == "Talks stall"
    assert load_corpus(front).articles[0].source == "https://example.org/a"
    assert list(load_corpus(front).texts()) == ["Body text here."]
    assert load_corpus(headline).articles[0].title == "Soldiers want to go south"
    assert load_corpus(plain).articles[0].title == "plain_story"


def test_hard_wrapped_paragraphs_are_joined(write) -> None:  # type: ignore[no-untyped-def]
    text = (
        "The talks resumed on Monday after a pause of several weeks, officials\n"
        "said, and both delegations expected a first result by the end of the\n"
        "month.\n\nA second paragraph.\n"
    )
    corpus = load_corpus(write("w.txt", text))
    assert corpus.articles[0].paragraphs == 2
    assert corpus.text(0).startswith("The talks resumed") and corpus.text(0).endswith("end of the month.")


def test_folder_of_articles_is_read_in_order_recursively(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("b.txt", "Second article. It has two sentences.\n")
    write("a.md", "First article.\n")
    write("sub/c.txt", "Third article.\n")
    write("notes.csv", "ignored,file\n")
    corpus = load_corpus(tmp_path)
    assert [a.document for a in corpus.articles] == ["a.md", "b.txt", "sub/c.txt"]
    assert corpus.sentence(1).document == "b.txt" and corpus.sentence(1).sentence == 0


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", "", "is empty"),
        ("blank.txt", "  \n\n \t\n", "is empty"),
        ("binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("latin1.txt", "Caf\xe9 au lait".encode("latin-1"), "not UTF-8"),
    ],
)
def test_bad_article_files_are_refused_with_a_reason(write, name, content, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CorpusError, match=message):
        load_corpus(write(name, content))


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no such file"):
        load_corpus(tmp_path / "nowhere")
    with pytest.raises(CorpusError, match=r"no articles \(\.txt or \.md"):
        load_corpus(tmp_path)


def test_a_bad_file_among_good_ones_is_skipped_and_named(write, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    write("good.txt", "A good article.\n")
    write("bad.txt", b"\xff\xfe\x00\x00garbage\x00")
    corpus = load_corpus(tmp_path)
    assert [a.document for a in corpus.articles] == ["good.txt"]
    assert len(corpus.warnings) == 1 and "bad.txt" in corpus.warnings[0]


def test_utf8_bom_and_windows_line_ends(write) -> None:  # type: ignore[no-untyped-def]
    corpus = load_corpus(write("bom.txt", "\ufeffFirst line here.\r\nSecond paragraph.\r\n"))
    assert list(corpus.texts()) == ["First line here.", "Second paragraph."]
    assert corpus.articles[0].paragraphs == 2


def test_paragraph_of_a_sentence(seed_corpus) -> None:  # type: ignore[no-untyped-def]
    paragraph = seed_corpus.paragraph(9)
    assert [s.position for s in paragraph] == [1, 2, 3]
    assert all(s.paragraph == 4 for s in paragraph)


def test_a_headline_without_a_title_line_is_the_title_not_a_sentence(write: Any) -> None:
    path = write("bridge.txt", "River bridge closes for repairs\n\nThe bridge closes on Monday for three weeks.\n")
    corpus = load_corpus(path)
    assert corpus.articles[0].title == "River bridge closes for repairs"
    assert list(corpus.texts()) == ["The bridge closes on Monday for three weeks."]
    answer = Answerer(corpus).answer("When does the bridge close?")
    assert answer.quotes[0].sentence.text == "The bridge closes on Monday for three weeks."
    assert answer.quotes[0].sentence.paragraph == 1


def test_a_one_sentence_lead_stays_a_sentence(write: Any) -> None:
    path = write("lead.txt", "The bridge closes on Monday.\n\nTraffic will go through the tunnel.\n")
    assert list(load_corpus(path).texts()) == ["The bridge closes on Monday.", "Traffic will go through the tunnel."]


def test_a_licence_line_is_front_matter(write: Any) -> None:
    path = write(
        "wn.txt", "title: Lanterns\nsource: https://example.org\nlicence: CC BY 2.5\n\nLanterns lit the river.\n"
    )
    assert list(load_corpus(path).texts()) == ["Lanterns lit the river."]
