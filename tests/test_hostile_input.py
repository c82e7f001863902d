"""Hostile input, property-tested: any Unicode (control characters, bidi marks, zero-width joiners,
lone surrogates, emoji sequences) and HTML or Markdown, in questions and in articles, through the
answerer and the renderer, the Telegram handlers (against the fake Bot API) and the command
line (real processes, 100 KB at a time). Never an exception; every HTML message parses under
Telegram's rules (only its tags, entities escaped, tags balanced: :mod:`telegram_html`) and
holds at most 4096 UTF-16 units of text.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answer import Answerer
from bot.articles.corpus import Corpus, CorpusError, parse_article
from bot.articles.narrowing import NoSuchArticle
from bot.render import DECLINED, MESSAGE_LIMIT, paragraph_html, to_html, to_json, to_text
from bot.telegram.filters import well_formed
from bot.telegram.handlers import html_parts, plain_text
from tests.helpers.fake_bot_api import CHANNEL, GROUP, PRIVATE, FakeBotAPI
from tests.helpers.running import TOKEN, make_settings, running
from tests.helpers.telegram_helpers import ASK
from tests.helpers.telegram_html import parse, utf16_len

# Pieces that have broken text handling somewhere: markup, entities, bidi and zero-width marks,
# joined emoji, flags, combining marks, a BOM, controls, and lone surrogates.
PIECES = [
    "<b>", "</b>", "<blockquote>", "</blockquote>", "<a href='x'>", "&amp;", "&lt;", "&", "<", ">", "&#0;",
    "**bold**", "__it__", "[link](https://example.org)", "`code`", "```", "> quote", "# heading", "- item",
    "\u200f", "\u202e", "\u2066", "\u200d", "\u200b", "\ufeff", "\u0301", "👩\u200d👩\u200d👧\u200d👦", "🇰🇷",
    "🏳️\u200d🌈", "\x00", "\x1b[31m", "\r\n", "\t", "\ud800", "\udfff", "#2", "/ask", "@Quote_Test_Bot",
]  # fmt: skip
ANY_CHARACTER = st.characters(exclude_categories=())  # every code point, lone surrogates too
HOSTILE = st.lists(st.one_of(ANY_CHARACTER, st.sampled_from(PIECES)), max_size=40).map("".join)
WORDS = st.sampled_from(["soldiers", "captured", "Ukraine", "January", "prisoners", "Seoul", "talks", "the"])
# An article as read from a UTF-8 file: anything but surrogates (which UTF-8 cannot hold).
ARTICLE_PIECE = st.one_of(
    WORDS,
    st.sampled_from([p for p in PIECES if not any(0xD800 <= ord(c) <= 0xDFFF for c in p)]),
    st.characters(codec="utf-8"),
)
# Paragraphs of it, the first word a searchable one (for an article with none, see the xfail below).
ARTICLE = st.lists(st.lists(ARTICLE_PIECE, min_size=1, max_size=60).map(" ".join), min_size=1, max_size=6).map(
    lambda paragraphs: "Soldiers " + "\n\n".join(paragraphs)
)


def check_html(parts: list[str]) -> None:
    """Every part is HTML Telegram accepts, within its length limit, and can be sent as UTF-8."""
    for part in parts:
        parsed = parse(part)  # raises on anything Telegram would refuse
        assert 0 < utf16_len(parsed.text) <= MESSAGE_LIMIT
        part.encode("utf-8")  # no lone surrogate: the request body is UTF-8 JSON
        assert utf16_len(plain_text(part)) <= MESSAGE_LIMIT  # the fallback, should Telegram refuse it


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=HOSTILE)
def test_any_question_gets_an_answer_that_renders(answerer: Answerer, question: str) -> None:
    answer = answerer.answer(question)  # as given, lone surrogates and all
    check_html(to_html(answer))
    to_text(answer)
    json.dumps(to_json(answer))  # the ask --json line, surrogates escaped
    try:  # as the chat fronts ask it: cleaned, "#N" narrowing to an article
        check_html(to_html(answerer.ask(well_formed(question))))
    except NoSuchArticle as err:  # "#7" of one article: the reader is told so
        check_html(html_parts(str(err)))


@settings(max_examples=60, deadline=None)
@given(article=ARTICLE, question=st.lists(WORDS, min_size=1, max_size=6).map(" ".join), extra=HOSTILE)
def test_any_article_gives_answers_that_render(article: str, question: str, extra: str) -> None:
    try:
        corpus = Corpus.from_articles([("hostile.txt", parse_article(article, "hostile"))])
    except CorpusError:  # nothing to serve in it (markup only, say): refused, as a file would be
        return
    answerer = Answerer(corpus)
    for asked in (question, f"{question} {extra}"):
        answer = answerer.answer(asked)
        check_html(to_html(answer))
        to_text(answer)
        json.dumps(to_json(answer))
        for quote in answer.quotes:  # the Context button's message
            i = quote.sentence.index
            check_html([paragraph_html(corpus.paragraph(i), i, quote.title)])


def test_an_article_without_a_single_word_is_served_and_declines(tmp_path: Path) -> None:
    (tmp_path / "amp.txt").write_text("&\n", encoding="utf-8")
    result = quotebot("ask", "--corpus", str(tmp_path / "amp.txt"), "Who is the president?", stdin=b"", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().strip() == DECLINED


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet=ANY_CHARACTER, max_size=10_000), pre=st.booleans())
def test_fixed_messages_of_any_text_render(text: str, pre: bool) -> None:
    if well_formed(text).strip():
        check_html(html_parts(well_formed(text), pre))


# Through Telegram -------------------------------------------------------------------------


async def conversation(messages: list[str], caplog: pytest.LogCaptureFixture, answerer: Answerer) -> None:
    """Each message asked in a private chat, a group (/ask) and a channel (a mention); each answered."""
    fake = FakeBotAPI(TOKEN)
    await fake.start()
    try:
        async with running(make_settings(fake, user_rate=0), answerer):
            asked = []
            for text in messages:
                asked.append((PRIVATE, fake.push_text(PRIVATE, text)))
                asked.append((GROUP, fake.push_text(GROUP, f"{ASK} {text}")))
                asked.append((CHANNEL, fake.push_text(CHANNEL, f"@Quote_Test_Bot {text}")))
            for chat, question in asked:
                await fake.wait_for(
                    lambda c, chat=chat, question=question: (
                        c.method == "sendMessage"
                        and c.ok
                        and c.result["chat"]["id"] == chat.id
                        and c.params.get("reply_parameters", {}).get("message_id") == question["message_id"]
                    )
                )
    finally:
        await fake.stop()
    assert not fake.violations
    refused = [c for c in fake.calls if c.status == 400]
    assert not refused, [c.error for c in refused]  # no HTML Telegram could not parse, no part too long
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [r.getMessage() for r in errors]


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(messages=st.lists(HOSTILE.filter(lambda t: t.strip()), min_size=1, max_size=4))
def test_any_message_to_the_bot_gets_a_reply_telegram_accepts(
    messages: list[str], caplog: pytest.LogCaptureFixture, answerer: Answerer
) -> None:
    caplog.clear()
    asyncio.run(conversation(messages, caplog, answerer))


# The command line -------------------------------------------------------------------------

BIG = "".join(PIECES[i % len(PIECES)] + " Who captured them? " for i in range(5_000)).encode("utf-8", "surrogatepass")


def quotebot(*args: str | bytes, stdin: bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("QUOTEBOT_", "TELEGRAM_"))}
    clean["QUOTEBOT_CACHE"] = str(cwd / "cache")  # built indexes: never in the user's cache
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, cwd=cwd, env=clean, timeout=120
    )


@pytest.mark.parametrize("command", [["console"], ["ask"], ["ask", "--json"]])
def test_100_kb_of_hostile_text_through_the_command_line(tmp_path: Path, command: list[str]) -> None:
    assert len(BIG) > 100_000
    lines = BIG + b"\n" + BIG.replace(b" ", b"") + b"\n\xff\xfe\x00\x80 invalid UTF-8\n"
    result = quotebot(*command, stdin=lines, cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    assert b"Traceback" not in result.stderr
    out = result.stdout.decode("utf-8")  # what it prints is valid UTF-8
    questions = [line for line in io.TextIOWrapper(io.BytesIO(lines), errors="replace") if line.strip()]
    if "--json" in command:  # one object a line per question (U+2028 and kin are no line breaks here)
        assert len([json.loads(line) for line in out.rstrip("\n").split("\n")]) == len(questions)
    else:
        assert out.count("The article doesn't answer that") + out.count("\n│ ") >= len(questions) > 3


def test_hostile_arguments_through_ask(tmp_path: Path) -> None:
    # Arguments that are not UTF-8 reach Python as lone surrogates ("surrogateescape").
    question = b"When were they \xff\xfe captured? \x1b[2J <b>&amp;</b> \xe2\x80\x8f"
    result = quotebot("ask", "--json", question, stdin=b"", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    [row] = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert row["question"].startswith("When were they ??")  # what UTF-8 cannot hold is printed as "?"
