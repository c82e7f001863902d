"""Articles to a corpus and its :class:`~bot.search.index.Index`, the index kept on disk.

Splitting and indexing a million sentences takes seconds; reading the result back takes a
fraction of one. So the corpus and index arrays are saved under the cache folder, keyed by a
hash of the articles' bytes (and of this code's version), and memory-mapped on the next start.
Any change to any article, or a new version of Quotebot, builds afresh. The cache is a
convenience: when it cannot be written (a read-only disk, no space), the bot runs without it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import shutil
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from bot import __version__
from bot.articles.corpus import Article, Corpus, article_files, load_corpus
from bot.search.index import Index
from bot.search.progress import Progress

__all__ = ["CACHE_FORMAT", "KEPT", "load_index"]

log = logging.getLogger("quotebot.cache")

CACHE_FORMAT = 2  # bump when the arrays' meaning changes
KEPT = 4  # cached indexes kept, the most recently used
SHOWN = 50_000  # characters or sentences from which building shows a progress bar


def load_index(path: str | Path, cache: Path | None = None, progress: bool = False) -> tuple[Corpus, Index]:
    """The articles at ``path`` and their index, the index from ``cache`` when built before.

    ``progress`` draws progress bars on a terminal while building. Raises
    :class:`~bot.articles.corpus.CorpusError` when there is nothing to serve.
    """
    if cache is None:
        return _build(path, progress)
    key = _key(path)
    folder = cache.expanduser() / key
    loaded = _load(folder)
    if loaded is not None:
        return loaded
    corpus, index = _build(path, progress)
    _save(folder, corpus, index)
    return corpus, index


def _key(path: str | Path) -> str:
    digest = hashlib.blake2b(f"quotebot {__version__} format {CACHE_FORMAT}".encode(), digest_size=20)
    for document, file in article_files(path):
        digest.update(document.encode() + b"\0")
        try:
            digest.update(file.read_bytes())
        except OSError:
            digest.update(b"\0unreadable\0")  # the build will name the file and skip it
        digest.update(b"\0")
    return digest.hexdigest()


def _build(path: str | Path, progress: bool) -> tuple[Corpus, Index]:
    size = sum(_size(file) for _, file in article_files(path)) if progress else 0
    reading = Progress("reading articles", size, minimum=SHOWN * 100) if progress else None
    corpus = load_corpus(path, reading)
    if reading is not None:
        reading.close()
    indexing = Progress("indexing       ", len(corpus), minimum=SHOWN) if progress else None
    index = Index(corpus, indexing)
    if indexing is not None:
        indexing.close()
    return corpus, index


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except OSError:
        return 0


def _load(folder: Path) -> tuple[Corpus, Index] | None:
    meta_file = folder / "meta.json"
    if not meta_file.exists():
        return None
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        corpus_arrays = {name: _mapped(folder / f"corpus.{name}.npy") for name in meta["corpus"]}
        index_arrays = {name: _mapped(folder / f"index.{name}.npy") for name in meta["index"]}
        articles = [Article(**a) for a in meta["articles"]]
        corpus = Corpus.from_arrays(articles, corpus_arrays, meta["warnings"])
        _check(index_arrays, len(corpus))
        index = Index(corpus, arrays=index_arrays)
        os.utime(meta_file)  # recently used: kept when older entries are pruned
        return corpus, index
    except (OSError, ValueError, KeyError, TypeError) as err:
        log.warning("Ignoring the cached index in %s (%s); building afresh", folder, err)
        return None


_HEADERS = {(1, 0): np.lib.format.read_array_header_1_0, (2, 0): np.lib.format.read_array_header_2_0}


def _check(a: dict[str, np.ndarray], sentences: int) -> None:
    """Raise ValueError unless the arrays hold together: the compiled search trusts every index
    in them, so a damaged cache must be rebuilt, not read past its ends."""
    vocabulary = len(a["is_term"])
    checks = {
        "sentences": len(a["lengths"]) == len(a["distinct"]) == len(a["sentence_flags"]) == sentences,
        "word starts": len(a["unit_starts"]) == sentences + 1 and int(a["unit_starts"][-1]) == len(a["units"]),
        "words": len(a["unit_flags"]) == len(a["units"]) and int(a["units"].max(initial=0)) < max(vocabulary, 1),
        "postings": len(a["indptr"]) == vocabulary + 1 and int(a["indptr"][-1]) == len(a["rows"]) == len(a["weights"]),
        "posting rows": int(a["rows"].max(initial=0)) < max(sentences, 1) and int(a["rows"].min(initial=0)) >= 0,
        "terms": len(a["idf"]) == len(a["background"]) == len(a["prefix_of"]) == vocabulary,
        # Neighbours are read only within a sentence's article: these keep them inside the arrays.
        "articles": len(a["first_of"]) == len(a["last_of"]) == sentences
        and int(a["first_of"].min(initial=0)) >= 0
        and int(a["last_of"].max(initial=0)) < max(sentences, 1),
    }
    broken = [name for name, ok in checks.items() if not ok]
    if broken:
        raise ValueError(f"inconsistent {', '.join(broken)}")


def _mapped(file: Path) -> np.ndarray:
    """An array saved by :func:`_save`, memory-mapped, its pages mapped in at once.

    A plain ndarray over the mapping: ``np.memmap`` runs Python code on every indexing, which
    cost a question on the seed article a third of its time. ``MAP_POPULATE`` maps every page
    now: left to first use, each question paid page faults for the postings it touched first,
    about a fifth more time a question after a restart on a million sentences.
    """
    with file.open("rb") as f:
        version = np.lib.format.read_magic(f)
        if version not in _HEADERS:  # a format np.save writes only for unusual dtypes
            loaded: np.ndarray = np.load(file, mmap_mode="r").view(np.ndarray)
            return loaded
        shape, fortran, dtype = _HEADERS[version](f)
        offset = f.tell()
        count = int(np.prod(shape)) if shape else 1
        if count == 0 or dtype.itemsize == 0:
            return np.zeros(shape, dtype=dtype)
        flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
        mapping = mmap.mmap(f.fileno(), offset + count * dtype.itemsize, flags=flags, prot=mmap.PROT_READ)
    array: np.ndarray = np.frombuffer(mapping, dtype=dtype, count=count, offset=offset)
    return array.reshape(shape, order="F" if fortran else "C")


def _save(folder: Path, corpus: Corpus, index: Index) -> None:
    """Write the arrays into a new folder, then move it into place in one step."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".building-", dir=folder.parent))
        corpus_arrays, index_arrays = corpus.arrays(), index.arrays()
        for name, array in corpus_arrays.items():
            np.save(work / f"corpus.{name}.npy", np.asarray(array))
        for name, array in index_arrays.items():
            np.save(work / f"index.{name}.npy", np.asarray(array))
        meta = {
            "corpus": sorted(corpus_arrays),
            "index": sorted(index_arrays),
            "articles": [asdict(a) for a in corpus.articles],
            "warnings": corpus.warnings,
        }
        (work / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        try:
            work.rename(folder)
        except OSError:  # another process cached the same articles meanwhile
            shutil.rmtree(work, ignore_errors=True)
        _prune(folder.parent)
    except OSError as err:
        log.warning("Could not cache the index in %s (%s); it is rebuilt at each start", folder.parent, err)


def _prune(cache: Path) -> None:
    """Drop all but the :data:`KEPT` most recently used cached indexes (and failed builds)."""
    entries = [p for p in cache.iterdir() if p.is_dir()]
    an_hour_ago = time.time() - 3600
    for stale in (p for p in entries if p.name.startswith(".building-") and p.stat().st_mtime < an_hour_ago):
        shutil.rmtree(stale, ignore_errors=True)
    done = [p for p in entries if (p / "meta.json").exists()]
    done.sort(key=lambda p: (p / "meta.json").stat().st_mtime, reverse=True)
    for old in done[KEPT:]:
        shutil.rmtree(old, ignore_errors=True)
