"""The built index on disk: a second start reads it back, any change to the articles builds afresh."""

import logging
import mmap
from pathlib import Path

import numpy as np
import pytest

from bot.answer import load_answerer
from bot.search.cache import KEPT


def _article(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "story.txt").write_text(text, encoding="utf-8")
    return folder


STORY = "The bridge opened in 1932. It was built by Dorman Long.\nThe tolls ended in 1998.\n"


def _backing(array: np.ndarray) -> object:
    """What an array's memory finally belongs to."""
    base: object = array
    while isinstance(base, np.ndarray):
        base = base.base
    return base.obj if isinstance(base, memoryview) else base


def test_a_second_start_reads_the_index_back(tmp_path: Path) -> None:
    articles, cache = _article(tmp_path / "articles", STORY), tmp_path / "cache"
    first = load_answerer(articles, cache)
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == 1
    second = load_answerer(articles, cache)
    # Read from disk, not rebuilt: a mapping of the file, seen as a plain array (np.memmap
    # itself makes every indexing slow), which cannot be written to.
    assert isinstance(_backing(second.index.units), mmap.mmap)
    assert type(second.index.units) is np.ndarray
    assert not second.index.units.flags.writeable
    for question in ["Who built the bridge?", "When did the tolls end?", "What is the capital of Peru?"]:
        a, b = first.answer(question), second.answer(question)
        assert a.verdict == b.verdict
        assert [q.sentence for q in a.quotes] == [q.sentence for q in b.quotes]


def test_a_changed_article_is_indexed_afresh(tmp_path: Path) -> None:
    articles, cache = _article(tmp_path / "articles", STORY), tmp_path / "cache"
    load_answerer(articles, cache)
    _article(articles, STORY.replace("Dorman Long", "Arrol Brothers"))
    answer = load_answerer(articles, cache).answer("Who built the bridge?")
    assert answer.quotes[0].sentence.text == "It was built by Arrol Brothers."


def test_a_damaged_cache_is_rebuilt(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    articles, cache = _article(tmp_path / "articles", STORY), tmp_path / "cache"
    load_answerer(articles, cache)
    (entry,) = [p for p in cache.iterdir() if not p.name.startswith(".")]
    (entry / "index.units.npy").write_bytes(b"not numpy")
    with caplog.at_level(logging.WARNING):
        answer = load_answerer(articles, cache).answer("Who built the bridge?")
    assert answer.quotes[0].sentence.text == "It was built by Dorman Long."
    assert "building afresh" in caplog.text


@pytest.mark.parametrize("array", ["units", "rows", "indptr", "unit_starts", "last_of"])
def test_a_cache_whose_arrays_do_not_hold_together_is_rebuilt(
    array: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Well-formed files with indices pointing past the ends: read as they are, the compiled
    # search would read outside its arrays.
    articles, cache = _article(tmp_path / "articles", STORY), tmp_path / "cache"
    load_answerer(articles, cache)
    (entry,) = [p for p in cache.iterdir() if not p.name.startswith(".")]
    damaged = np.load(entry / f"index.{array}.npy").copy()
    damaged[-1] += 1_000_000
    np.save(entry / f"index.{array}.npy", damaged)
    with caplog.at_level(logging.WARNING):
        answer = load_answerer(articles, cache).answer("Who built the bridge?")
    assert answer.quotes[0].sentence.text == "It was built by Dorman Long."
    assert "building afresh" in caplog.text


def test_an_unwritable_cache_only_costs_the_speed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    articles = _article(tmp_path / "articles", STORY)
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("x")
    with caplog.at_level(logging.WARNING):
        answer = load_answerer(articles, blocked / "cache").answer("Who built the bridge?")
    assert answer.answered
    assert "Could not cache the index" in caplog.text


def test_only_the_most_recently_used_indexes_are_kept(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    for n in range(KEPT + 2):
        load_answerer(_article(tmp_path / f"articles{n}", f"Story number {n} is short.\n"), cache)
    assert len([p for p in cache.iterdir() if not p.name.startswith(".")]) == KEPT


def test_warnings_about_skipped_files_survive_the_cache(tmp_path: Path) -> None:
    articles, cache = _article(tmp_path / "articles", STORY), tmp_path / "cache"
    (articles / "empty.txt").write_text("")
    load_answerer(articles, cache)
    again = load_answerer(articles, cache)
    assert len(again.corpus.warnings) == 1 and "empty.txt" in again.corpus.warnings[0]
