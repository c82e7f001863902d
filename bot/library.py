"""The articles being served, and reading them again without a restart (/reload, SIGHUP).

A :class:`Library` holds one :class:`Edition`: an answerer and the fingerprint of its articles.
Handlers take ``library.current`` once per update and use that edition throughout, so a reload
that lands mid-answer never mixes two editions. A reload reads and indexes the articles in a
worker thread while the old edition keeps answering, then swaps the reference in one step.

A reload is all or nothing: if any article cannot be read (even one file in a folder, which
``quotebot run`` would skip with a warning at start-up), the edition in service stays and the
reload fails with the reason, so a half-saved file never silently drops an article.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from bot import messages
from bot.answer import Answerer, load_answerer
from bot.articles.corpus import CorpusError
from bot.articles.narrowing import fingerprint

__all__ = ["Edition", "Library", "Reloaded"]

log = logging.getLogger("quotebot.library")


@dataclass(frozen=True, slots=True)
class Edition:
    """Articles in service: the answerer over them and their fingerprint."""

    answerer: Answerer
    fingerprint: str

    @classmethod
    def of(cls, answerer: Answerer) -> Edition:
        return cls(answerer, fingerprint(answerer.corpus))


@dataclass(frozen=True, slots=True)
class Reloaded:
    """What a reload changed."""

    before: Edition
    after: Edition

    @property
    def changed(self) -> bool:
        return self.before.fingerprint != self.after.fingerprint

    def summary(self) -> str:
        """One line for the admin and the log, e.g. "Reloaded: 3 articles, 120 sentences (was 2, 80)"."""
        old, new = self.before.answerer.corpus, self.after.answerer.corpus
        now = f"{messages.count(len(new.articles), 'article')}, {messages.count(len(new), 'sentence')}"
        if not self.changed:
            return f"Reloaded: nothing changed ({now})."
        return f"Reloaded: {now} (was {len(old.articles)} and {len(old)})."


class Library:
    """The edition in service, and :meth:`reload` to read the articles at ``seeds`` again."""

    def __init__(self, answerer: Answerer, seeds: Path, cache: Path | None = None) -> None:
        self.seeds = seeds
        self.cache = cache  # where built indexes are kept (see bot.search.cache)
        self._current = Edition.of(answerer)
        self._reloading = asyncio.Lock()  # two reloads at once would race to the swap

    @property
    def current(self) -> Edition:
        return self._current

    async def reload(self) -> Reloaded:
        """Read and index the articles again and serve them from now on.

        Raises :class:`CorpusError` (the message says why) and keeps the edition in service
        when any article cannot be read.
        """
        async with self._reloading:
            fresh = await asyncio.to_thread(self._read)
            reloaded = Reloaded(self._current, fresh)
            self._current = fresh
        log.info("%s", reloaded.summary())
        return reloaded

    def _read(self) -> Edition:
        answerer = load_answerer(self.seeds, self.cache)
        if answerer.corpus.warnings:
            problems = "; ".join(w.removeprefix("skipped ") for w in answerer.corpus.warnings)
            raise CorpusError(f"{problems} (fix or remove it, then reload again)")
        return Edition.of(answerer)
