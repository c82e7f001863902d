"""Readers bring their own article, end to end: the real bot long-polling the fake Bot API, the
pages served over real HTTP by the small site on 127.0.0.1 (allowed by QUOTEBOT_FETCH_ALLOW, as
the loopback address it is would otherwise be refused)."""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import AsyncIterator
from typing import Any

import pytest
from telegram.ext import Application

from bot import messages
from bot.answer import Answerer
from bot.config import Settings
from bot.telegram.app import file_url
from bot.telegram.reading import HOW_TO_READ, READS_A_MINUTE, TURNED_OFF
from tests.helpers.fake_bot_api import BOB, FORUM, GROUP, PRIVATE, FakeBotAPI
from tests.helpers.pages_server import ARTICLE_TEXT, PAGES, PagesServer
from tests.helpers.running import make_settings, running
from tests.helpers.telegram_helpers import ANSWER, ASK, QUESTION, answer_to

LANTERNS = "Lantern Festival in Taipei lights up the night"
GOT_LANTERNS = f"Got it: {LANTERNS} (9 paragraphs, 26 sentences). Ask me about it."  # 8 and the licence
VISITORS = "How many visitors came last year?"
VISITORS_ANSWER = "Last Year over 4 million visitors attended the event"
HACKERS = "Hackers attack Church of Scientology website"
ATTACKERS = "Who attacked the website?"
ATTACKERS_ANSWER = 'The attack was launched on Wednesday by a user labelled "Anonymous"'
REFUSED_PRIVATE = "I couldn't read that page: it points to a private or local address, which I don't visit."


@pytest.fixture
def settings(fake: FakeBotAPI) -> Settings:
    return make_settings(fake, fetch_allow=frozenset({ipaddress.ip_network("127.0.0.1")}))


@pytest.fixture
async def reading_bot(fake: FakeBotAPI, settings: Settings, answerer: Answerer) -> AsyncIterator[Application]:
    async with running(settings, answerer) as app:
        yield app


async def say(fake: FakeBotAPI, chat: Any, text: str, **options: Any) -> str:
    """What the bot replies to ``text`` in ``chat``, as the reader sees it."""
    return (await answer_to(fake, chat, fake.push_text(chat, text, **options))).text


async def test_a_link_in_a_private_chat_is_read_and_then_answered_from(
    fake: FakeBotAPI, site: PagesServer, reading_bot: Any, answerer: Answerer
) -> None:
    got = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, site.url("/news/lanterns.html")))
    assert got.text == GOT_LANTERNS
    assert f"<i>{LANTERNS}</i>" in got.params["text"]
    assert fake.calls_to("sendChatAction")[0].params["action"] == "typing"
    assert (await say(fake, PRIVATE, VISITORS)).startswith(VISITORS_ANSWER)
    assert ANSWER not in await say(fake, PRIVATE, QUESTION)  # the operator's article is not asked now
    about = await say(fake, PRIVATE, "/about")
    assert about.startswith(f"You're asking about the article you sent: {LANTERNS}")
    assert "Published: 2007-03-05" in about and f"Source: {site.url('/news/lanterns.html')}" in about
    back = await say(fake, PRIVATE, "/reset")
    assert back.startswith(f"Back to {messages.articles_line(answerer.corpus)}.")
    assert (await say(fake, PRIVATE, QUESTION)).startswith(ANSWER)
    assert await say(fake, PRIVATE, "/about") == messages.about(answerer.corpus)


async def test_read_command_and_the_buttons_under_an_answer_from_the_article(
    fake: FakeBotAPI, site: PagesServer, reading_bot: Any
) -> None:
    assert await say(fake, PRIVATE, f"/read {site.url('/hop/2')}") == GOT_LANTERNS  # redirects followed
    answer = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, VISITORS))
    fake.press(answer.result, "Context")
    paragraph = (await fake.wait_sent(PRIVATE, count=len(fake.sent(PRIVATE)) + 1))[-1].text
    assert "Started in 1990, the Taipei lantern festival" in paragraph and VISITORS_ANSWER in paragraph
    assert await say(fake, PRIVATE, "/read") == HOW_TO_READ


async def test_read_in_a_group_is_for_that_group_and_topic_only(
    fake: FakeBotAPI, site: PagesServer, reading_bot: Any
) -> None:
    got = await say(fake, GROUP, f"/read@Quote_Test_Bot {site.url('/news/hackers.html')}", sender=BOB)
    assert got.startswith(f"Got it: {HACKERS} (")
    assert (await say(fake, GROUP, f"{ASK} {ATTACKERS}")).startswith(ATTACKERS_ANSWER)
    assert (await say(fake, PRIVATE, QUESTION)).startswith(ANSWER)  # other chats keep the operator's article
    topic = fake.open_topic(FORUM, "Lanterns")
    assert await say(fake, FORUM, f"/read@Quote_Test_Bot {site.url('/news/lanterns.html')}", topic=topic) == (
        GOT_LANTERNS
    )
    assert (await say(fake, FORUM, f"{ASK} {VISITORS}", topic=topic)).startswith(VISITORS_ANSWER)
    assert (await say(fake, FORUM, f"{ASK} {QUESTION}")).startswith(ANSWER)  # the General topic: unchanged


async def test_a_document_is_read(fake: FakeBotAPI, reading_bot: Any) -> None:
    sent = fake.push_document(PRIVATE, (PAGES / "lanterns.html").read_bytes(), "lanterns.html", "text/html")
    assert (await answer_to(fake, PRIVATE, sent)).text == GOT_LANTERNS
    assert fake.downloads == ["documents/file_1.html"]
    text = fake.push_document(PRIVATE, ARTICLE_TEXT.read_bytes(), "festival.txt")
    assert (await answer_to(fake, PRIVATE, text)).text.startswith(f"Got it: {LANTERNS} (")
    assert (await say(fake, PRIVATE, VISITORS)).startswith(VISITORS_ANSWER)


@pytest.mark.parametrize(
    ("content", "name", "reply"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8, "photo.txt", "it isn't text I can read (I read UTF-8 text)"),
        (b"%PDF-1.7 ...", "report.pdf", "I read only .txt, .md and .html files"),
        (b"a" * (2 * 1024 * 1024 + 1), "huge.txt", "it is over 2 MB"),
    ],
    ids=["binary", "pdf", "over-2-mb"],
)
async def test_a_file_that_is_no_article_gets_one_sentence(
    fake: FakeBotAPI, reading_bot: Any, content: bytes, name: str, reply: str
) -> None:
    sent = fake.push_document(PRIVATE, content, name)
    assert (await answer_to(fake, PRIVATE, sent)).text == f"I couldn't read that file: {reply}."
    assert (await say(fake, PRIVATE, QUESTION)).startswith(ANSWER)  # the chat keeps its article
    assert name != "huge.txt" or fake.downloads == []  # too big: refused before downloading


async def test_a_pasted_article_is_read(fake: FakeBotAPI, reading_bot: Any) -> None:
    assert (await say(fake, PRIVATE, ARTICLE_TEXT.read_text(encoding="utf-8"))).startswith(f"Got it: {LANTERNS}")
    assert (await say(fake, PRIVATE, VISITORS)).startswith(VISITORS_ANSWER)


@pytest.mark.parametrize(
    ("path", "reply"),
    [
        ("/to-metadata", REFUSED_PRIVATE),
        ("/big", "I couldn't read that page: it is over 5 MB."),
        ("/pdf", "I couldn't read that page: it isn't a web page or text (the site says application/pdf)."),
        ("/menu", "I couldn't read that page: I found no article text on it."),
    ],
)
async def test_a_page_that_cannot_be_read_gets_one_sentence_and_the_chat_keeps_its_article(
    fake: FakeBotAPI, site: PagesServer, reading_bot: Any, path: str, reply: str
) -> None:
    assert await say(fake, PRIVATE, site.url(path)) == reply
    assert (await say(fake, PRIVATE, QUESTION)).startswith(ANSWER)


async def test_a_private_address_is_refused_without_the_setting(
    fake: FakeBotAPI, site: PagesServer, answerer: Answerer
) -> None:
    async with running(make_settings(fake), answerer):
        assert await say(fake, PRIVATE, site.url("/news/lanterns.html")) == REFUSED_PRIVATE
    assert site.requests == []


async def test_each_person_brings_a_few_articles_a_minute(
    fake: FakeBotAPI, site: PagesServer, reading_bot: Any
) -> None:
    for _ in range(READS_A_MINUTE):
        assert (await say(fake, PRIVATE, site.url("/news/lanterns.html"))).startswith("Got it")
    over = await say(fake, PRIVATE, site.url("/news/hackers.html"))
    assert over.startswith(f"I read up to {READS_A_MINUTE} new articles a minute from each person.")
    assert (await say(fake, PRIVATE, VISITORS)).startswith(VISITORS_ANSWER)  # still the last one read


async def test_turned_off_links_are_questions_and_nothing_is_fetched(
    fake: FakeBotAPI, site: PagesServer, answerer: Answerer
) -> None:
    async with running(make_settings(fake, read_links=False), answerer):
        assert not (await say(fake, PRIVATE, site.url("/news/lanterns.html"))).startswith("Got it")
        assert await say(fake, PRIVATE, f"/read {site.url('/news/lanterns.html')}") == TURNED_OFF
    assert site.requests == []


def test_files_are_downloaded_beside_the_bot_api() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot/") == "http://127.0.0.1:8081/file/bot"


async def test_the_log_names_the_host_only_never_the_link_or_the_text(
    fake: FakeBotAPI, site: PagesServer, reading_bot: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert await say(fake, PRIVATE, site.url("/news/lanterns.html?token=s3cr3t")) == GOT_LANTERNS
    assert (await say(fake, PRIVATE, site.url("/pdf?token=s3cr3t"))).startswith("I couldn't read that page")
    reading = [r.getMessage() for r in caplog.records if r.name == "quotebot.reading"]
    assert any("127.0.0.1" in line for line in reading)
    assert [line for line in reading if site.url("") in line or "/news/" in line or "s3cr3t" in line] == []
    leaks = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO and "Taipei" in r.getMessage()]
    assert leaks == []


async def test_the_menus_offer_read_and_reset_only_while_reading_is_on(fake: FakeBotAPI, answerer: Answerer) -> None:
    async with running(make_settings(fake, read_links=False), answerer):
        pass
    menus = {
        c.params["scope"]["type"]: [m["command"] for m in c.params["commands"]] for c in fake.calls_to("setMyCommands")
    }
    assert menus == {"all_private_chats": ["start", "help", "about"], "all_group_chats": ["ask", "help", "about"]}


async def test_a_site_named_without_a_link_is_a_question(fake: FakeBotAPI, reading_bot: Any) -> None:
    url = {"type": "url", "offset": 0, "length": 11}  # Telegram marks a bare domain as a link too
    reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, f"example.org {QUESTION}", entities=[url]))
    assert ANSWER in reply.text  # answered (under a hedge: the article never names example.org)
    link = {"type": "text_link", "offset": 0, "length": 4, "url": "http://10.0.0.1/news"}  # no lookup, no connection
    hidden = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, "this one, please", entities=[link]))
    assert hidden.text == REFUSED_PRIVATE  # a text link's target is what is read (and refused, being private)


@pytest.mark.slow
async def test_a_page_slower_than_10_seconds_is_given_up(fake: FakeBotAPI, site: PagesServer, reading_bot: Any) -> None:
    site.slow_for = 15.0
    reply = await answer_to(fake, PRIVATE, fake.push_text(PRIVATE, site.url("/slow")), timeout=20)
    assert reply.text == "I couldn't read that page: it took too long."
    assert (await say(fake, PRIVATE, QUESTION)).startswith(ANSWER)
