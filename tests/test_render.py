"""Rendering: the same reply as Telegram HTML (escaped, split under the limit), text and JSON."""

import json

import pytest

from bot.answer import Answer, Answerer, Quote, Verdict
from bot.articles.corpus import Sentence
from bot.evaluate import corpus_of
from bot.render import MESSAGE_LIMIT, citation, json_line, to_html, to_json, to_text
from tests.helpers.telegram_html import parse, utf16_len


def _visible(message: str) -> str:
    """What a user sees of a message, after Telegram's HTML parser accepted it."""
    return parse(message).text


def _quote(text: str, paragraph: int = 4, position: int = 2, context: str | None = None) -> Quote:
    sentence = Sentence(text, "a.txt", 7, paragraph, position, 7)
    before = Sentence(context, "a.txt", 6, paragraph, position - 1, 6) if context else None
    return Quote(sentence, 0.8, before)


def test_quotes_are_blockquotes_with_their_place_in_the_article() -> None:
    answer = Answer("q", Verdict.ANSWERED, [_quote("Ukrainian forces captured them in January 2023.")])
    (message,) = to_html(answer)
    assert message == "<blockquote>Ukrainian forces captured them in January 2023.</blockquote>\n¶4 · sentence 2"
    assert to_text(answer) == "│ Ukrainian forces captured them in January 2023.\n  ¶4 · sentence 2"


def test_context_line_comes_first_and_the_citation_spans_both() -> None:
    quote = _quote("This allowed it.", paragraph=8, position=2, context="North Korea denied it.")
    assert citation(quote) == "¶8 · sentences 1–2"
    (message,) = to_html(Answer("q", Verdict.ANSWERED, [quote]))
    assert _visible(message).startswith("North Korea denied it.\nThis allowed it.")


def test_article_and_question_text_is_escaped() -> None:
    nasty = 'Tags <b>bold</b> & <script>alert("x")</script> &amp; stay text.'
    answer = Answer(nasty, Verdict.ANSWERED, [_quote(nasty)])
    (message,) = to_html(answer)
    assert "<b>" not in message and "<script>" not in message
    assert _visible(message).startswith(nasty)


def test_long_replies_are_split_at_quote_boundaries_under_the_limit() -> None:
    quotes = [_quote(f"Sentence {i} " + "word " * 300 + ".", position=i + 1) for i in range(3)]
    messages = to_html(Answer("q", Verdict.ANSWERED, quotes), limit=2000)
    assert len(messages) >= 2
    for message in messages:
        assert utf16_len(_visible(message)) <= 2000
    joined = "\n".join(_visible(m) for m in messages)
    for quote in quotes:
        assert quote.sentence.text in joined


def test_a_sentence_longer_than_a_message_is_cut_between_words() -> None:
    giant = " ".join(f"w{i}" for i in range(3000)) + " 😀" * 2000  # astral emoji: 2 UTF-16 units
    messages = to_html(Answer("q", Verdict.ANSWERED, [_quote(giant)]))
    assert len(messages) >= 3
    for message in messages:
        assert utf16_len(_visible(message)) <= MESSAGE_LIMIT
    words = " ".join(_visible(m).replace("\n¶4 · sentence 2", "") for m in messages).split()
    assert words == giant.split()


@pytest.mark.parametrize(
    ("verdict", "says"), [(Verdict.DECLINED, "doesn't answer"), (Verdict.EMPTY, "Send me a question")]
)
def test_declines_and_empty_questions_say_so_plainly(verdict: Verdict, says: str) -> None:
    answer = Answer("q", verdict)
    assert says in to_text(answer)
    assert says in _visible(to_html(answer)[0])


def test_json_follows_the_contract(answerer: Answerer) -> None:
    answer = answerer.answer("Who met the prisoners during a visit to Ukraine?")
    data = json.loads(json_line(answer))
    assert set(data) == {"question", "answered", "verdict", "quotes", "reply"}
    assert data["answered"] is True and data["verdict"] == "answered"
    top = data["quotes"][0]
    assert {"text", "document", "sentence", "score"} <= set(top)
    assert top["document"] == "000_af6a6ede7ec27ba1.txt"
    assert answerer.corpus.text(top["sentence"]) == top["text"]
    assert data["reply"] == to_text(answer)


def test_json_of_a_decline() -> None:
    answerer = Answerer(corpus_of("t", ["Alpha met Beta in Paris."]))
    data = to_json(answerer.answer("What is the boiling point of mercury?"))
    assert data["answered"] is False and data["quotes"] == []
    assert "doesn't answer" in data["reply"]


def test_several_articles_are_named_in_citations() -> None:
    quote = Quote(Sentence("x.", "b.txt", 0, 2, 1, 5), 0.5, title="Talks stall")
    assert citation(quote) == "Talks stall · ¶2 · sentence 1"


def test_a_paragraph_with_its_quoted_line_in_bold() -> None:
    from bot.render import paragraph_html

    corpus = corpus_of("T", ["One & two.", "Three <four>.", "Five."])
    paragraph = [corpus.sentence(i) for i in range(3)]  # corpus_of makes one paragraph a sentence
    paragraph = [Sentence(s.text, s.document, s.sentence, 1, i + 1, i) for i, s in enumerate(paragraph)]
    message = paragraph_html(paragraph, 1, "Title")
    assert message == (
        "<blockquote>One &amp; two. <b>Three &lt;four&gt;.</b> Five.</blockquote>\nTitle · ¶1 · sentences 1–3"
    )
    assert _visible(message) == "One & two. Three <four>. Five.\nTitle · ¶1 · sentences 1–3"


def test_a_paragraph_too_long_for_a_message_is_shown_around_the_quoted_line() -> None:
    from bot.render import paragraph_html

    texts = [f"Sentence {n} " + "word " * 300 + "end." for n in range(1, 21)]  # about 30,000 characters
    paragraph = [Sentence(t, "a.txt", i, 3, i + 1, i) for i, t in enumerate(texts)]
    message = paragraph_html(paragraph, 10)
    visible = _visible(message)
    assert utf16_len(visible) <= MESSAGE_LIMIT
    shown, where = visible.split("\n")
    assert where == "¶3 · sentences 10–11"  # as many as fit, the nearest first
    assert shown.startswith("… Sentence 10 ") and shown.endswith(" end. …")  # "…": sentences left out
    bold = [e for e in parse(message).entities if e["type"] == "bold"]
    assert [shown[b["offset"] : b["offset"] + b["length"]] for b in bold] == [texts[10]]
    giant = [Sentence("x" * 9000, "a.txt", 0, 1, 1, 0)]
    assert utf16_len(_visible(paragraph_html(giant, 0))) <= MESSAGE_LIMIT
