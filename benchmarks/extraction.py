#!/usr/bin/env python3
"""Compare article extractors on the saved pages of ``tests/data/pages``.

usage: pip install readability-lxml && python benchmarks/extraction.py

For each page (built by ``benchmarks/make_pages.py`` around a Wikinews article) and each
extractor, it counts the article's sentences found whole in the extracted text (recall), the
lines of navigation, advertising, comments and footer let through (noise), and the time one
extraction takes. The bot uses trafilatura through ``bot.reading.extract``; jusText (a
dependency of trafilatura) and readability-lxml are the alternatives measured.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.make_pages import ARTICLES, BOILERPLATE, CHOSEN, PAGES, article_parts
from bot.articles.corpus import parse_article


def _flat(text: str) -> str:
    return " ".join(text.split())


def with_trafilatura(page: str) -> str:
    from bot.reading.extract import extract_html

    parsed = extract_html(page.encode("utf-8"), "page")
    return "\n".join(" ".join(p) for p in parsed.article.paragraphs)


def metadata_trafilatura(page: str) -> tuple[str | None, str | None]:
    from bot.reading.extract import extract_html

    found = extract_html(page.encode("utf-8"), "page")
    return found.article.title, found.date


def with_justext(page: str) -> str:
    import justext

    paragraphs = justext.justext(page.encode("utf-8"), justext.get_stoplist("English"))
    return "\n".join(p.text for p in paragraphs if not p.is_boilerplate)


def with_readability(page: str) -> str:
    import lxml.html
    from readability import Document

    summary = lxml.html.fromstring(Document(page).summary())
    return "\n".join(block.text_content() for block in summary.iter("p", "h1", "h2", "h3", "li"))


def metadata_readability(page: str) -> tuple[str | None, str | None]:
    from readability import Document

    return Document(page).short_title(), None  # readability gives no date


def metadata_justext(page: str) -> tuple[str | None, str | None]:
    return None, None  # jusText classifies paragraphs only


EXTRACTORS: dict[str, Callable[[str], str]] = {
    "trafilatura": with_trafilatura,
    "jusText": with_justext,
    "readability-lxml": with_readability,
}
METADATA: dict[str, Callable[[str], tuple[str | None, str | None]]] = {
    "trafilatura": metadata_trafilatura,
    "jusText": metadata_justext,
    "readability-lxml": metadata_readability,
}


def measure(name: str) -> tuple[int, int, int, int, float, int, int]:
    """Sentences kept, sentences in all, boilerplate lines let through, lines offered, median ms,
    titles right, dates right."""
    extract, metadata = EXTRACTORS[name], METADATA[name]
    kept = total = noise = offered = titles = dates = 0
    times = []
    for source, page_name, date in CHOSEN:
        title, lines = article_parts((ARTICLES / source).read_text(encoding="utf-8"))
        article = parse_article("\n\n".join(lines), source)
        sentences = [s for paragraph in article.paragraphs for s in paragraph]
        page = (PAGES / page_name).read_text(encoding="utf-8")
        found_title, found_date = metadata(page)
        titles += found_title == title
        dates += found_date == date
        for _ in range(5):
            start = time.perf_counter()
            text = _flat(extract(page))
            times.append(time.perf_counter() - start)
        kept += sum(_flat(s) in text for s in sentences)
        total += len(sentences)
        noise += sum(_flat(line) in text for line in BOILERPLATE)
        offered += len(BOILERPLATE)
    return kept, total, noise, offered, statistics.median(times) * 1000, titles, dates


def main() -> int:
    print("| extractor | sentences kept | boilerplate let through | titles | dates | ms a page (median) |")
    print("|---|---|---|---|---|---|")
    for name in EXTRACTORS:
        try:
            kept, total, noise, offered, ms, titles, dates = measure(name)
        except ImportError as err:
            print(f"| {name} | not installed ({err.name}) | | | | |")
            continue
        pages = len(CHOSEN)
        print(
            f"| {name} | {kept}/{total} ({kept / total:.1%}) | {noise}/{offered} | {titles}/{pages} | {dates}/{pages} "
            f"| {ms:.1f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
