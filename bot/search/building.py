"""Building an index: every sentence read once into flat arrays, and BM25 weights over them.

The arrays (see :class:`bot.search.index.Index`) are each sentence's words as ids in order, with
a few bits per word and per sentence (:mod:`bot.search.cues`), and the terms' posting lists
holding their BM25 weight in each sentence::

    bm25(t, s) = idf(t) * tf(t,s) * (k1 + 1) / (tf(t,s) + k1 * (1 - b + b * len(s) / avglen))

where ``idf = ln((1 + N) / (1 + df))`` is scikit-learn's smooth IDF (its ``TfidfTransformer``'s,
without the "+ 1"; ``tests/search/test_building.py`` checks them against it). The arrays are
what the on-disk cache saves and maps back.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from itertools import islice
from typing import NamedTuple

import numpy as np

from bot.articles.corpus import Corpus
from bot.search import background, cues
from bot.search.analysis import SEPARATOR, piece_words, pieces
from bot.search.cues import word_flags

__all__ = ["K1", "PREFIX", "STOP_PREFIX", "B", "Progress", "build_arrays"]

K1 = 0.9
B = 0.4
PREFIX = 5  # letters two terms must share to count as a near miss
STOP_PREFIX = " "  # key prefix of words that are not terms (stop words), so "us" and " us" differ

Progress = Callable[[int], None]  # told how many sentences are done

CHUNK = 8192  # sentences cut into pieces at once while building
SEPARATOR_BYTES = SEPARATOR.encode()


def build_arrays(corpus: Corpus, progress: Progress | None = None) -> dict[str, np.ndarray]:
    """Read every sentence once into the index's arrays."""
    vocabulary: dict[str, int] = {}
    is_term = array("b")
    # Each distinct piece of text (see analysis.pieces), numbered, with its words laid out flat:
    # piece p's words are word_ids[piece_start[p] : piece_start[p] + piece_length[p]].
    piece_number: dict[bytes, int] = {}
    piece_start, piece_length = array("q"), array("i")
    word_ids, word_bits = array("i"), array("H")

    def number(piece: bytes) -> None:
        piece_number[piece] = len(piece_start)
        piece_start.append(len(word_ids))
        words = () if piece == SEPARATOR_BYTES else piece_words(piece)
        piece_length.append(len(words))
        for word, term in words:
            key = term if term is not None else STOP_PREFIX + word.text
            unit = vocabulary.get(key)
            if unit is None:
                unit = vocabulary[key] = len(vocabulary)
                is_term.append(term is not None)
            word_ids.append(unit)
            word_bits.append(word_flags(word))

    number(SEPARATOR_BYTES)
    units_parts, flags_parts, ends_parts = [], [], []
    texts = corpus.texts()
    done = offset = 0
    while chunk := list(islice(texts, CHUNK)):
        cut = pieces(chunk)
        for piece in set(cut).difference(piece_number):
            number(piece)
        ids = np.fromiter(map(piece_number.__getitem__, cut), dtype=np.int64, count=len(cut))
        lengths = np.frombuffer(piece_length, dtype=np.int32)[ids]
        starts = np.frombuffer(piece_start, dtype=np.int64)[ids]
        total = int(lengths.sum())
        before = np.cumsum(lengths) - lengths  # words before each piece, in this chunk
        where = np.repeat(starts - before, lengths) + np.arange(total)
        units_parts.append(np.frombuffer(word_ids, dtype=np.int32)[where])
        flags_parts.append(np.frombuffer(word_bits, dtype=np.uint16)[where])
        ends_parts.append(offset + before[ids == 0])  # a sentence ends at each separator
        offset += total
        done += len(chunk)
        if progress is not None:
            progress(done)
    unit_array = np.concatenate(units_parts) if units_parts else np.zeros(0, dtype=np.int32)
    flag_array = np.concatenate(flags_parts) if flags_parts else np.zeros(0, dtype=np.uint16)
    ends = np.concatenate(ends_parts) if ends_parts else np.zeros(0, dtype=np.int64)
    del units_parts, flags_parts, ends_parts
    start_array = np.concatenate([[0], ends]).astype(np.int64)
    sentence_starts = start_array[:-1]
    nonempty = start_array[1:] > sentence_starts
    # A sentence's first word is capitalised by writing convention, not as a name.
    flag_array[sentence_starts[nonempty]] &= np.uint16(~cues.CAPITAL & 0xFFFF)
    sentence_bits = np.zeros(len(sentence_starts), dtype=np.uint16)
    if len(flag_array):
        reduced = np.bitwise_or.reduceat(flag_array, np.minimum(sentence_starts, len(flag_array) - 1))
        sentence_bits[nonempty] = reduced[nonempty] & cues.SENTENCE_BITS
        sentence_bits[nonempty] |= flag_array[sentence_starts[nonempty]] & cues.ANAPHOR_WORD
    term_mask = np.frombuffer(is_term, dtype=np.int8).astype(bool) if is_term else np.zeros(0, dtype=bool)
    n, size = len(sentence_starts), len(vocabulary)
    postings, tf, lengths, distinct = _postings(unit_array, start_array, term_mask, n, size)
    document_frequency = np.diff(postings.indptr)
    # scikit-learn's smooth IDF (in single precision, as its TfidfTransformer computes it over
    # float32 counts) without its "+ 1": a word in every sentence tells nothing, as in BM25.
    idf = np.log(np.float32(1 + n) / (1 + document_frequency.astype(np.float32)))
    average = float(lengths.mean()) if n else 1.0
    norm = K1 * (1 - B + B * lengths / max(average, 1e-9))
    weights = idf[postings.terms] * tf * (K1 + 1) / (tf + norm[postings.rows])
    names = sorted(vocabulary, key=vocabulary.__getitem__)
    prefix_ids: dict[str, int] = {}
    prefix_of = np.full(size, -1, dtype=np.int32)
    for j, name in enumerate(names):
        if term_mask[j] and len(name) >= PREFIX:
            prefix_of[j] = prefix_ids.setdefault(name[:PREFIX], len(prefix_ids))
    return {
        "vocabulary": np.frombuffer("\n".join(names).encode("utf-8"), dtype=np.uint8),
        "is_term": term_mask,
        "idf": idf,
        "unknown_idf": np.array(float(np.log1p(n))),  # the idf above at df = 0
        "background": np.array(
            [background.weight(t) if m else 0.0 for t, m in zip(names, term_mask)], dtype=np.float32
        ),
        "prefix_of": prefix_of,
        "lengths": lengths,
        "distinct": distinct,
        "indptr": postings.indptr,
        "rows": postings.rows,
        "weights": weights.astype(np.float32),
        "units": unit_array,
        "unit_flags": flag_array,
        "unit_starts": start_array,
        "sentence_flags": sentence_bits,
        "first_of": np.repeat(
            np.array([a.first for a in corpus.articles], dtype=np.int64), [a.count for a in corpus.articles]
        ),
        "last_of": np.repeat(
            np.array([a.first + a.count - 1 for a in corpus.articles], dtype=np.int64),
            [a.count for a in corpus.articles],
        ),
    }


class Postings(NamedTuple):
    """Each term's sentences: ``rows[indptr[t] : indptr[t + 1]]``, in order, and ``terms`` the
    term of each entry."""

    indptr: np.ndarray  # int64, vocabulary size + 1
    rows: np.ndarray  # int32
    terms: np.ndarray  # int64


def _postings(
    units: np.ndarray, starts: np.ndarray, term_mask: np.ndarray, n: int, size: int
) -> tuple[Postings, np.ndarray, np.ndarray, np.ndarray]:
    """The posting lists of every term, with each entry's term frequency (float32); and each
    sentence's length in terms and its number of distinct terms.

    One sort of (term, sentence) keys counts and orders them at once. This was scikit-learn's
    and SciPy's sparse matrices, whose imports alone cost a fresh start 0.8 s and 65 MB.
    """
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(starts))
    keep = term_mask[units] if len(units) else np.zeros(0, dtype=bool)
    terms_only, rows = units[keep], rows[keep]
    lengths = np.bincount(rows, minlength=n).astype(np.float32)
    keys = terms_only.astype(np.int64) * max(n, 1) + rows
    del terms_only, rows, keep
    keys.sort()
    first = np.flatnonzero(np.diff(keys, prepend=-1))  # where each distinct (term, sentence) begins
    tf = np.diff(np.append(first, len(keys))).astype(np.float32)
    keys = keys[first]
    terms, entry_rows = np.divmod(keys, max(n, 1))
    del keys
    indptr = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(np.bincount(terms, minlength=size), out=indptr[1:])
    distinct = np.bincount(entry_rows, minlength=n).astype(np.int32)
    return Postings(indptr, entry_rows.astype(np.int32), terms), tf, lengths, distinct
