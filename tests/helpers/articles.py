"""Articles written for the tests: three short ones on different topics, and one of very long sentences."""

from __future__ import annotations

__all__ = ["ARTICLES", "long_article"]

ARTICLES = {
    "01_bridge.md": """title: The Harbour Bridge
source: https://example.org/bridge

The Harbour Bridge opened in March 1932 after eight years of work.
It was built by Dorman Long, a company from Middlesbrough.
About 1,400 workers worked on the arch, and sixteen of them died.

The toll for a car was sixpence when the bridge opened.
Today the bridge carries eight lanes of traffic and two railway lines.
""",
    "02_festival.txt": """title: The Lantern Festival

The lantern festival opened on Friday evening in the old town.
Thousands of paper lanterns were hung along the river by volunteers.
The mayor said the festival would bring visitors back after a quiet winter.

Food stalls sold dumplings and sweet rice cakes until midnight.
The festival ends on Sunday with a parade of dragon lanterns.
""",
    "03_library.txt": """title: The City Library

The new city library has a reading room for two hundred people.
Its architect designed the roof to let in daylight from the north.
""",
}


def long_article() -> str:
    """Three sentences of about 3,000 characters each about a captured convoy, then filler."""
    clause = "the convoy was captured near the river crossing while the soldiers waited for orders"
    sentences = [
        f"Report {n}: " + ", and ".join(f"{clause} at dawn on day {n}-{i}" for i in range(30)) + "."
        for n in range(1, 4)
    ]
    filler = ["The weather was mild that spring.", "Markets opened late on Monday."]
    return "Title: The long report\n\n" + "\n\n".join([" ".join(sentences), " ".join(filler)]) + "\n"
