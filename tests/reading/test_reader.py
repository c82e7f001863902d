"""From what a reader brought to an indexed article, or one sentence saying why not."""

from __future__ import annotations

import pytest

from bot.articles.corpus import ParsedArticle
from bot.reading.errors import ReadError
from bot.reading.extract import Extracted
from bot.reading.reader import MAX_FILE_BYTES, MAX_SENTENCES, Reader, index
from bot.reading.texts import got_it
from tests.helpers.pages_server import ARTICLE_TEXT


async def test_a_file_over_2_mb_is_refused_even_when_telegram_did_not_say_its_size() -> None:
    with pytest.raises(ReadError, match=r"^I couldn't read that file: it is over 2 MB\.$"):
        await Reader().file(b"a" * (MAX_FILE_BYTES + 1), "huge.txt")


async def test_pasted_text_is_indexed_and_answers() -> None:
    reading = await Reader().text(ARTICLE_TEXT.read_text(encoding="utf-8"))
    assert reading.title == "Lantern Festival in Taipei lights up the night"
    assert reading.edition.answerer.corpus.articles[0].document == "pasted text"
    answer = reading.edition.answerer.ask("How many visitors came last year?")
    assert answer.quotes[0].sentence.text.startswith("Last Year over 4 million visitors")


async def test_a_title_is_shown_as_text_never_as_markup() -> None:
    text = "Fish & <b>chips</b> at the harbour\n\n" + ARTICLE_TEXT.read_text(encoding="utf-8").split("\n\n", 1)[1]
    reading = await Reader().text(text)
    assert got_it(reading, as_html=True).startswith(
        "Got it: <i>Fish &amp; &lt;b&gt;chips&lt;/b&gt; at the harbour</i> ("
    )
    assert got_it(reading).startswith("Got it: Fish & <b>chips</b> at the harbour (")


def test_a_book_is_refused_before_it_is_indexed() -> None:
    sentence = "The lanterns were lit again on the next night."
    paragraphs = [ParsedArticle("A book", None, [[sentence] * 1000 for _ in range(MAX_SENTENCES // 1000 + 1)])]
    with pytest.raises(ReadError, match="too long for me"):
        index(Extracted(paragraphs[0]), "book.txt")
