"""Inline mode end to end: someone types ``@bot question`` in a chat, sees the best lines, picks one."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from bot.answer import Answerer
from bot.articles.corpus import load_corpus
from bot.config import Settings
from bot.telegram.inline import CACHE_TIME, LEAD_SENTENCES, NOT_ANSWERED, shorten
from tests.helpers.fake_bot_api import ADA, BOB, GROUP, FakeBotAPI, Fault
from tests.helpers.running import make_settings, running
from tests.helpers.telegram_helpers import ANSWER, QUESTION, eventually, rows


async def inline_results(fake: FakeBotAPI, query: str, **options: Any) -> tuple[dict[str, Any], Any]:
    """Type ``@bot query``: the query sent and the bot's answer to it."""
    inline = fake.push_inline_query(ADA, query, **options)
    [answer] = await fake.wait_inline_answer(inline)
    assert answer.ok, answer.error
    return inline, answer


async def test_inline_query_lists_the_best_quotes(fake: FakeBotAPI, bot: Any, answerer: Answerer) -> None:
    _, answer = await inline_results(fake, QUESTION, chat_type="supergroup")
    results = answer.params["results"]
    expected = answerer.answer(QUESTION)
    assert len(results) == len(expected.quotes) + len(expected.rest) <= 50
    best = results[0]
    title = answerer.corpus.articles[0].title
    assert best["type"] == "article"
    assert best["title"] == ANSWER
    assert best["description"] == f"{title} · ¶4 · sentence 2"  # the article and the place
    content = best["input_message_content"]
    assert content["message_text"] == f"<blockquote>{ANSWER}</blockquote>\n{title} · ¶4 · sentence 2"
    assert content["parse_mode"] == "HTML"
    assert answer.params["cache_time"] == CACHE_TIME
    assert answer.params["is_personal"] is False
    assert answer.params.get("next_offset", "") == ""  # no more pages


async def test_choosing_a_result_posts_the_quote_and_records_the_question(
    fake: FakeBotAPI, bot: Any, settings: Settings
) -> None:
    inline, answer = await inline_results(fake, QUESTION)
    posted = fake.choose(inline, answer.params["results"][0]["id"], GROUP)
    assert posted["text"].startswith(f"{ANSWER}\n")  # what the group sees, via the bot
    assert posted["entities"][0] == {"type": "blockquote", "offset": 0, "length": len(ANSWER)}
    recorded = await eventually(
        lambda: rows(settings.db, "SELECT chat_type, question, answered, top_text FROM questions")
    )
    assert recorded == [("inline", QUESTION, 1, ANSWER)]


async def test_empty_query_lists_how_the_article_begins(fake: FakeBotAPI, bot: Any, answerer: Answerer) -> None:
    _, answer = await inline_results(fake, "")
    titles = [r["title"] for r in answer.params["results"]]
    assert titles == [shorten(answerer.corpus.text(i), 100) for i in range(LEAD_SENTENCES)]
    assert all(len(t) <= 100 for t in titles)


async def test_query_of_the_longest_length_is_answered(fake: FakeBotAPI, bot: Any) -> None:
    query = " ".join([QUESTION] * 11)[:256]  # Telegram's longest
    _, answer = await inline_results(fake, query)
    assert answer.params["results"][0]["title"] == ANSWER


async def test_query_the_article_does_not_answer_offers_a_private_chat(fake: FakeBotAPI, bot: Any) -> None:
    _, answer = await inline_results(fake, "What is the price of bitcoin?")
    assert answer.params["results"] == []
    assert answer.params["button"] == {"text": NOT_ANSWERED, "start_parameter": "inline"}


async def test_inline_with_several_articles_names_them_and_narrows(
    fake: FakeBotAPI, settings: Settings, several: Answerer
) -> None:
    async with running(settings, several):
        _, leads = await inline_results(fake, "")
        assert [r["description"] for r in leads.params["results"]] == [
            "The Harbour Bridge · ¶1 · sentence 1",
            "The Lantern Festival · ¶1 · sentence 1",
            "The City Library · ¶1 · sentence 1",
        ]
        _, narrowed = await inline_results(fake, "#2 When did it open?")
        best = narrowed.params["results"][0]
        assert best["title"] == "The lantern festival opened on Friday evening in the old town."
        _, wrong = await inline_results(fake, "#9 When did it open?")
        assert wrong.params["results"] == [] and "no article #9" in wrong.params["button"]["text"]


async def test_more_than_fifty_results_come_in_pages(fake: FakeBotAPI, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(1, 61):
        (folder / f"{n:02d}.txt").write_text(f"title: Report {n}\n\nReport number {n} was filed on a Monday.\n")
    settings = make_settings(fake, seeds=folder)
    async with running(settings, Answerer(load_corpus(folder))):
        _, first = await inline_results(fake, "")
        assert len(first.params["results"]) == 50
        assert first.params["next_offset"] == "1"
        inline = fake.push_inline_query(BOB, "", offset=first.params["next_offset"])
        [second] = await fake.wait_inline_answer(inline)
    assert [r["title"] for r in second.params["results"]] == [
        f"Report number {n} was filed on a Monday." for n in range(51, 61)
    ]
    assert second.params.get("next_offset", "") == ""


async def test_an_inline_query_answered_too_late_is_no_error(fake: FakeBotAPI, bot: Any, caplog: Any) -> None:
    too_old = "Bad Request: query is too old and response timeout expired or query ID is invalid"
    fake.inject("answerInlineQuery", Fault.error(400, too_old))
    inline = fake.push_inline_query(ADA, QUESTION)
    await fake.wait_inline_answer(inline)
    _, answer = await inline_results(fake, QUESTION)  # the next one is answered as usual
    assert answer.params["results"][0]["title"] == ANSWER
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
