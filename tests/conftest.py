"""Shared fixtures: the bundled article, and small articles written to a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.answer import Answerer
from bot.corpus import Corpus, default_seeds, load_corpus

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def seed_corpus() -> Corpus:
    return load_corpus(default_seeds())


@pytest.fixture(scope="session")
def seed_answerer(seed_corpus: Corpus) -> Answerer:
    return Answerer(seed_corpus)


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a file under a temporary folder and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write
