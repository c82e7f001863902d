#!/usr/bin/env python3
"""Write ``tests/data/pages/*.html``: three Wikinews articles dressed as news-site pages.

usage: python benchmarks/make_pages.py [--check]

Each page holds one article of ``tests/data/articles`` (Wikinews, CC BY 2.5) inside what a real
news page has around it: a navigation bar, a cookie banner, advertisements, a "most read" box of
other headlines, a newsletter box, reader comments and a footer, plus a script and a stylesheet.
The words around the article are kept in :data:`BOILERPLATE`, one line each, so that the
extraction benchmark (``benchmarks/extraction.py``) and the tests can count how much of it an
extractor lets through, and how many of the article's sentences it keeps. ``--check`` fails when
the committed pages differ from what this script writes (the tests run it).
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLES = ROOT / "tests" / "data" / "articles"
PAGES = ROOT / "tests" / "data" / "pages"

# (article file, page name, publication date), the dates as in tests/data/articles/SOURCES.md.
CHOSEN = [
    ("01_nasa-shuttle-retirement-homes.txt", "shuttle.html", "2011-04-13"),
    ("06_scientology-website-attack.txt", "hackers.html", "2008-01-20"),
    ("07_taipei-lantern-festival.txt", "lanterns.html", "2007-03-05"),
]

NAVIGATION = ["Home", "World", "Politics", "Business", "Science", "Sport", "Culture", "Opinion"]
COOKIES = "We use cookies to improve your experience on our site and to show you relevant advertising."
ADVERT = "Advertisement: Upgrade your kitchen today with our spring sale, up to forty percent off selected ovens."
MOST_READ = [
    "Ten surprising ways to save on your heating bill this winter",
    "Local bakery wins national award for its sourdough loaf",
    "Why everyone is talking about the new electric scooter rules",
]
NEWSLETTER = "Sign up for our morning newsletter and get the day's top stories delivered to your inbox."
COMMENTS = [
    ("river_fan", "Great reporting, I shared this with my whole family last night."),
    ("Paul K.", "I completely disagree with the premise here and I think the editors should know better."),
    ("anon42", "Does anyone know where I can find the full schedule for next month?"),
    (
        "Margaret W.",
        "I have been reading this paper for over thirty years and I have to say that the quality of the "
        "coverage has gone downhill, with fewer local stories and more of these wire pieces that you can "
        "read anywhere else, which is a shame because the reporters here used to know the town inside out.",
    ),
]
RELATED = (
    "Related: Our reporters look back at a decade of stories from the region, with the people who "
    "lived them, in a special series that continues next week."
)
FOOTER = "Copyright 2024 The Daily Example. All rights reserved. Terms of use and privacy policy apply."
# Every line of words around the article, for counting what an extractor lets through.
BOILERPLATE = [COOKIES, ADVERT, *MOST_READ, NEWSLETTER, *(text for _, text in COMMENTS), RELATED, FOOTER]


def article_parts(text: str) -> tuple[str, list[str]]:
    """The title and the body lines (paragraphs and subheadings) of an article file."""
    title, lines = "", []
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if not lines and key in ("title", "source", "licence") and value:
            title = value.strip() if key == "title" else title
        elif line.strip():
            lines.append(line.strip())
    return title, lines


def _block(line: str) -> str:
    """A body line as HTML: a short line without a full stop is a subheading."""
    escaped = html.escape(line)
    if len(line) < 80 and not line.rstrip().endswith((".", "?", "!", '"', "”")):
        return f"      <h2>{escaped}</h2>"
    return f"      <p>{escaped}</p>"


def page(text: str, date: str) -> str:
    """The HTML page around one article file's text."""
    title, lines = article_parts(text)
    e = html.escape
    nav = "\n".join(f'        <li><a href="/{item.lower()}">{item}</a></li>' for item in NAVIGATION)
    most = "\n".join(f'        <li><a href="/story/{n}">{e(h)}</a></li>' for n, h in enumerate(MOST_READ, 1))
    comments = "\n".join(
        f'      <div class="comment"><span class="author">{e(who)}</span><p>{e(said)}</p></div>'
        for who, said in COMMENTS
    )
    body = "\n".join(_block(line) for line in lines)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{e(title)} | The Daily Example</title>
  <meta property="og:title" content="{e(title)}">
  <meta property="article:published_time" content="{date}T09:00:00Z">
  <link rel="stylesheet" href="/static/site.css">
  <script>window.dataLayer = window.dataLayer || []; function track(e) {{ dataLayer.push(e); }}</script>
</head>
<body>
  <div id="cookie-banner" class="banner">{e(COOKIES)} <button>Accept</button></div>
  <header class="site-header">
    <a class="logo" href="/">The Daily Example</a>
    <nav class="main-nav">
      <ul>
{nav}
      </ul>
    </nav>
  </header>
  <div class="ad ad-top" aria-label="advertisement"><p>{e(ADVERT)}</p></div>
  <main>
    <article>
      <h1>{e(title)}</h1>
      <p class="byline">By Wikinews contributors · <time datetime="{date}">{date}</time></p>
{body}
      <aside class="related"><p>{e(RELATED)}</p></aside>
      <p class="licence">This article is from Wikinews, under the Creative Commons Attribution 2.5 licence.</p>
    </article>
    <section class="comments" id="comments">
      <h3>Reader comments</h3>
{comments}
    </section>
  </main>
  <aside class="sidebar">
    <h3>Most read</h3>
    <ol>
{most}
    </ol>
    <div class="newsletter"><p>{e(NEWSLETTER)}</p><form><input type="email"><button>Subscribe</button></form></div>
    <div class="ad ad-side" aria-label="advertisement"><p>{e(ADVERT)}</p></div>
  </aside>
  <footer class="site-footer"><p>{e(FOOTER)}</p></footer>
  <script src="/static/ads.js" async></script>
</body>
</html>
"""


def pages() -> dict[str, str]:
    """Each page's name and HTML."""
    return {name: page((ARTICLES / source).read_text(encoding="utf-8"), date) for source, name, date in CHOSEN}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="fail when the committed pages differ")
    args = parser.parse_args(argv)
    built = pages()
    if args.check:
        stale = [n for n, h in built.items() if not (PAGES / n).exists() or (PAGES / n).read_text("utf-8") != h]
        if stale:
            print(f"stale pages: {', '.join(stale)}; run benchmarks/make_pages.py", file=sys.stderr)
            return 1
        return 0
    PAGES.mkdir(parents=True, exist_ok=True)
    for name, text in built.items():
        (PAGES / name).write_text(text, encoding="utf-8")
        print(f"wrote {PAGES / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
