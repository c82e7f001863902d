"""Several articles: answers name the article they quote, /about numbers them, and "#2 question"
asks one of them, in Telegram and in the console."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bot import messages
from bot.answer import Answerer, Verdict
from bot.articles.corpus import load_corpus
from bot.articles.narrowing import NoSuchArticle, article_corpus, fingerprint, narrow
from tests.helpers.fake_bot_api import GROUP, PRIVATE, FakeBotAPI
from tests.helpers.running import make_settings, running
from tests.helpers.telegram_helpers import ASK, answer_to

BRIDGE_OPENED = "The Harbour Bridge opened in March 1932 after eight years of work."
FESTIVAL_OPENED = "The lantern festival opened on Friday evening in the old town."
AMBIGUOUS = "When did it open?"  # both the bridge and the festival opened


# The pieces -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#2 When?", (1, "When?")),
        ("  #3: When?", (2, "When?")),
        ("#1", (0, "")),
        ("When? #2", (None, "When? #2")),
        ("#MeToo, when?", (None, "#MeToo, when?")),
        ("#2b is a flat", (None, "#2b is a flat")),
    ],
)
def test_a_leading_number_narrows_the_question(several: Answerer, text: str, expected: tuple[Any, str]) -> None:
    assert narrow(text, several.corpus) == expected


def test_a_number_beyond_the_articles_is_refused_with_a_reason(several: Answerer, answerer: Answerer) -> None:
    with pytest.raises(NoSuchArticle, match=r"no article #4: I know 3, numbered 1 to 3"):
        narrow("#4 When?", several.corpus)
    with pytest.raises(NoSuchArticle, match="only one article"):
        narrow("#2 When?", answerer.corpus)


def test_one_article_of_several_is_a_corpus_of_its_own(several: Answerer) -> None:
    corpus = several.corpus
    festival = corpus.articles[1]
    alone = article_corpus(corpus, 1)
    assert [a.title for a in alone.articles] == ["The Lantern Festival"]
    assert list(alone.texts()) == [corpus.text(festival.first + i) for i in range(festival.count)]
    assert [alone.sentence(i).paragraph for i in range(len(alone))] == [
        corpus.sentence(festival.first + i).paragraph for i in range(festival.count)
    ]


def test_fingerprint_is_stable_and_changes_with_any_article(articles_folder: Path) -> None:
    before = fingerprint(load_corpus(articles_folder))
    assert fingerprint(load_corpus(articles_folder)) == before  # another run, the same articles
    library = articles_folder / "03_library.txt"
    library.write_text(library.read_text().replace("two hundred", "three hundred"))
    assert fingerprint(load_corpus(articles_folder)) != before


def test_narrowed_answer_comes_from_that_article_in_corpus_numbers(several: Answerer) -> None:
    whole = several.answer(AMBIGUOUS)
    assert whole.quotes[0].sentence.text == BRIDGE_OPENED
    narrowed = several.ask(f"#2 {AMBIGUOUS}")
    assert narrowed.article == 1
    top = narrowed.quotes[0]
    assert top.sentence.text == FESTIVAL_OPENED and top.title == "The Lantern Festival"
    assert several.corpus.text(top.sentence.index) == FESTIVAL_OPENED  # numbers of the whole corpus
    festival = several.corpus.articles[1]
    assert all(festival.first <= i < festival.first + festival.count for i in narrowed.rest)
    assert several.ask(f"#3 {AMBIGUOUS}").verdict is Verdict.DECLINED  # the library never opened


# Telegram ---------------------------------------------------------------------------------


async def test_answers_name_the_article_they_quote(fake: FakeBotAPI, articles_folder: Path, several: Answerer) -> None:
    async with running(make_settings(fake, seeds=articles_folder), several):
        reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "What did the food stalls sell?"))
    assert reply.text.splitlines() == [
        "Food stalls sold dumplings and sweet rice cakes until midnight.",
        "The Lantern Festival · ¶2 · sentence 1",
    ]


async def test_about_lists_the_articles_numbered(fake: FakeBotAPI, articles_folder: Path, several: Answerer) -> None:
    async with running(make_settings(fake, seeds=articles_folder), several):
        reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "/about"))
    assert reply.text.splitlines() == [
        "#1 The Harbour Bridge: 2 paragraphs, 5 sentences",
        "Source: https://example.org/bridge",
        "#2 The Lantern Festival: 2 paragraphs, 5 sentences",
        "#3 The City Library: 1 paragraph, 2 sentences",
        "",
        messages.NARROWING,
    ]


@pytest.mark.parametrize(
    ("chat", "text", "expected"),
    [
        (PRIVATE, f"#2 {AMBIGUOUS}", FESTIVAL_OPENED),
        (PRIVATE, f"#1 {AMBIGUOUS}", BRIDGE_OPENED),
        (GROUP, f"{ASK} #2 {AMBIGUOUS}", FESTIVAL_OPENED),
        (GROUP, f"@Quote_Test_Bot #2 {AMBIGUOUS}", FESTIVAL_OPENED),
        (PRIVATE, f"#7 {AMBIGUOUS}", "There is no article #7: I know 3, numbered 1 to 3 in /about."),
    ],
    ids=["private-2", "private-1", "group-ask", "group-mention", "no-such-article"],
)
async def test_a_question_narrowed_to_one_article(
    fake: FakeBotAPI, articles_folder: Path, several: Answerer, chat: Any, text: str, expected: str
) -> None:
    async with running(make_settings(fake, seeds=articles_folder), several):
        reply = await answer_to(fake, chat, fake.push_text(chat, text))
    assert reply.text.startswith(expected)


# The console and the command line ---------------------------------------------------------


def quotebot(*args: str, stdin: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin.encode(), capture_output=True, cwd=cwd, timeout=60
    )


def test_console_narrows_and_names_articles(articles_folder: Path, tmp_path: Path) -> None:
    lines = f"{AMBIGUOUS}\n#2 {AMBIGUOUS}\n#9 {AMBIGUOUS}\n"
    result = quotebot("console", "--corpus", str(articles_folder), stdin=lines, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    whole, narrowed, refused = result.stdout.decode().strip().split("\n\n")
    assert whole.startswith(f"│ {BRIDGE_OPENED}\n  The Harbour Bridge · ¶1 · sentence 1")
    assert narrowed.startswith(f"│ {FESTIVAL_OPENED}\n  The Lantern Festival · ¶1 · sentence 1")
    assert refused == "There is no article #9: I know 3, numbered 1 to 3 in /about."


def test_ask_takes_an_article_option(articles_folder: Path, tmp_path: Path) -> None:
    result = quotebot("ask", "--corpus", str(articles_folder), "--article", "2", AMBIGUOUS, stdin="", cwd=tmp_path)
    assert result.stdout.decode().startswith(f"│ {FESTIVAL_OPENED}")
    refused = quotebot("ask", "--corpus", str(articles_folder), "--article", "4", AMBIGUOUS, stdin="", cwd=tmp_path)
    assert refused.returncode == 2
    assert "--article 4: the corpus has 3 article(s)" in refused.stderr.decode()
