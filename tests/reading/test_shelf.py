"""The per-chat shelf of articles readers brought: least recently used out first, two bounds."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.reading.extract import extract_plain
from bot.reading.reader import Reading, index
from bot.reading.shelf import Shelf
from tests.helpers.pages_server import ARTICLE_TEXT


@pytest.fixture(scope="module")
def reading() -> Reading:
    return index(extract_plain(ARTICLE_TEXT.read_text(encoding="utf-8"), "lanterns"), "lanterns.txt")


def test_a_chat_gets_back_its_own_article_and_reset_forgets_it(reading: Reading) -> None:
    shelf = Shelf()
    shelf.put((1, None), reading)
    assert shelf.get((1, None)) is reading
    assert shelf.get((2, None)) is None and shelf.get((1, 7)) is None  # another chat, another topic
    assert shelf.drop((1, None)) and not shelf.drop((1, None))
    assert shelf.get((1, None)) is None and shelf.bytes == 0


def test_past_the_count_the_least_recently_used_chat_loses_its_article(reading: Reading) -> None:
    shelf = Shelf(max_chats=2)
    shelf.put("a", reading)
    shelf.put("b", reading)
    shelf.get("a")  # a asked since: b is the least recently used
    shelf.put("c", reading)
    assert [shelf.get(k) is not None for k in "abc"] == [True, False, True]


def test_past_the_memory_budget_older_articles_go_until_it_fits(reading: Reading) -> None:
    shelf = Shelf(max_bytes=reading.size * 2)
    for key in "abc":
        shelf.put(key, reading)
    assert len(shelf) == 2 and shelf.bytes == reading.size * 2 and shelf.get("a") is None
    shelf.put("b", replace(reading, size=reading.size // 2))  # a smaller article for b
    assert shelf.bytes == reading.size + reading.size // 2


def test_an_article_larger_than_the_budget_does_not_fit(reading: Reading) -> None:
    assert not Shelf(max_bytes=reading.size - 1).fits(reading)
    assert reading.size > 100_000  # the estimate counts the index, not the text alone (3 KB)
