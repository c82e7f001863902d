"""Extracting an article from what a reader brought, measured on the saved news pages.

The pages (tests/data/pages, built by benchmarks/make_pages.py) hold a Wikinews article inside
navigation, ads, a "most read" box, comments and a footer: the article's every sentence must come
through, and none of the words around it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.make_pages import ARTICLES, BOILERPLATE, CHOSEN, PAGES, article_parts
from bot.articles.corpus import parse_article
from bot.reading.errors import ReadError
from bot.reading.extract import extract_file, extract_html, extract_plain
from bot.reading.reader import first_link, looks_pasted

ROOT = Path(__file__).resolve().parents[2]


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_saved_pages_are_what_the_script_builds() -> None:
    done = subprocess.run([sys.executable, "benchmarks/make_pages.py", "--check"], cwd=ROOT, capture_output=True)
    assert done.returncode == 0, done.stderr.decode()


@pytest.mark.parametrize(("source", "page", "date"), CHOSEN, ids=[name for _, name, _ in CHOSEN])
def test_a_page_gives_every_sentence_of_its_article_and_nothing_around_it(source: str, page: str, date: str) -> None:
    title, lines = article_parts((ARTICLES / source).read_text(encoding="utf-8"))
    expected = [s for paragraph in parse_article("\n\n".join(lines), source).paragraphs for s in paragraph]
    found = extract_html((PAGES / page).read_bytes(), "page", "https://example.org/news")
    sentences = [s for paragraph in found.article.paragraphs for s in paragraph]
    text = _flat(" ".join(sentences))
    assert [s for s in expected if _flat(s) not in text] == []
    assert [line for line in BOILERPLATE if _flat(line) in text] == []
    assert found.article.title == title
    assert found.date == date
    assert found.article.source == "https://example.org/news"
    assert sentences[0] == expected[0]  # the headline is the title, not a first sentence


def test_a_page_without_article_text_is_refused() -> None:
    page = b"<html><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav><p>Hi.</p></body></html>"
    with pytest.raises(ReadError, match=r"^I couldn't read that page: I found no article text on it\.$"):
        extract_html(page, "page")


def test_files_are_read_by_kind() -> None:
    text = (ARTICLES / CHOSEN[2][0]).read_text(encoding="utf-8")
    assert extract_file(text.encode(), "lanterns.txt").article.title == "Lantern Festival in Taipei lights up the night"
    markdown = "# Lanterns light up Taipei\n\n" + "\n\n".join(article_parts(text)[1])
    assert extract_file(markdown.encode(), "notes.md").article.title == "Lanterns light up Taipei"
    html = (PAGES / "lanterns.html").read_bytes()
    assert extract_file(html, "saved.htm").article.title == "Lantern Festival in Taipei lights up the night"
    assert extract_file(html, "page", "text/html").article.paragraphs  # no extension: by its type


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 40, "photo.txt", "it isn't text I can read (I read UTF-8 text)"),
        (b"\x00\x01binary" * 100, "page.html", "it isn't text"),
        (b"%PDF-1.7", "report.pdf", "I read only .txt, .md and .html files"),
        (b"   \n\n  ", "empty.txt", "it is empty"),
    ],
    ids=["binary-text", "binary-html", "pdf", "empty"],
)
def test_files_that_are_no_article_are_refused(data: bytes, name: str, message: str) -> None:
    with pytest.raises(ReadError) as refused:
        extract_file(data, name)
    assert str(refused.value) == f"I couldn't read that file: {message}."


def test_a_short_text_is_not_an_article() -> None:
    with pytest.raises(ReadError, match="too short"):
        extract_plain("Just one line.", "pasted")


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("https://example.org/news/1", "https://example.org/news/1"),
        ("Read this: http://example.org/a?b=c.", "http://example.org/a?b=c"),
        ("(see https://example.org/x)", "https://example.org/x"),
        ("When did it open?", None),
    ],
)
def test_the_first_link_of_a_message(text: str, link: str | None) -> None:
    assert first_link(text) == link


def test_a_pasted_article_is_told_from_a_question() -> None:
    article = "\n\n".join(article_parts((ARTICLES / CHOSEN[2][0]).read_text(encoding="utf-8"))[1])
    assert looks_pasted(article)
    assert not looks_pasted("When did the festival start?")
    assert not looks_pasted("One\n\nTwo\n\nThree")  # paragraphs, but a few words
    assert not looks_pasted("word " * 200)  # long, but one paragraph
