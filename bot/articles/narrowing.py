"""Several articles in one corpus: one of them on its own, asking about one, and telling editions apart.

    article_corpus(corpus, k)    the k-th article (0-based) as a corpus of its own
    narrow(text, corpus)         "#2 When…?" -> (1, "When…?"); NoSuchArticle for "#9" of three
    fingerprint(corpus)          a short digest of every article's text, title and layout

A question is narrowed to one article by starting it with ``#`` and the article's number, as
``/about`` numbers them. The narrowed question is answered over that article alone (its own
term weights and candidates), exactly as a bot serving only that article would answer it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import replace

import numpy as np

from bot.articles.corpus import Corpus

__all__ = ["FINGERPRINT_LENGTH", "NoSuchArticle", "article_corpus", "fingerprint", "narrow"]

FINGERPRINT_LENGTH = 8  # characters of base64url: 48 bits, plenty to tell two editions apart

# "#2 question", "#2: question", "#2, question" or "#2" alone; not "#MeToo" nor "#2b".
_TARGET = re.compile(r"\s*#(\d{1,6})(?:[\s,:;.]+|$)")


class NoSuchArticle(Exception):
    """A question narrowed to an article number the corpus does not have; the message says so."""


def narrow(text: str, corpus: Corpus) -> tuple[int | None, str]:
    """The article (0-based) ``text`` is narrowed to with a leading ``#N``, and the question after it.

    ``(None, text)`` when the text does not start with ``#N``. A number beyond the corpus's
    articles raises :class:`NoSuchArticle` with a message for the reader.
    """
    match = _TARGET.match(text)
    if match is None:
        return None, text
    number = int(match.group(1))
    count = len(corpus.articles)
    if not 1 <= number <= count:
        if count == 1:
            raise NoSuchArticle(f"I know only one article, so there is no #{number}: ask without the number.")
        raise NoSuchArticle(f"There is no article #{number}: I know {count}, numbered 1 to {count} in /about.")
    return number - 1, text[match.end() :]


def article_corpus(corpus: Corpus, k: int) -> Corpus:
    """Article ``k`` of ``corpus`` as a one-article corpus; its sentence ``i`` is ``corpus``'s ``first + i``."""
    article = corpus.articles[k]
    lo, hi = article.first, article.first + article.count
    columns = corpus.arrays()
    starts = columns["starts"][lo : hi + 1]
    blob = columns["blob"][starts[0] : starts[-1]].tobytes()
    return Corpus(
        [replace(article, first=0)],
        blob,
        starts - starts[0],
        columns["paragraph_of"][lo:hi],
        columns["position_of"][lo:hi],
    )


def fingerprint(corpus: Corpus) -> str:
    """A short digest of the corpus: the same articles give the same one, on any run.

    Buttons under an answer carry it, so that after a reload that changed the articles an old
    button is recognised as stale instead of showing some other sentence under the same number.
    """
    digest = hashlib.sha256()
    for article in corpus.articles:
        for part in (article.document, article.title, article.source or "", str(article.count)):
            digest.update(part.encode("utf-8") + b"\0")
    for name, column in sorted(corpus.arrays().items()):
        digest.update(name.encode() + b"\0")
        digest.update(np.ascontiguousarray(column).tobytes())
    return base64.urlsafe_b64encode(digest.digest()).decode()[:FINGERPRINT_LENGTH]
