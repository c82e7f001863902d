"""Building an index: every sentence read once into flat arrays, and BM25 weights over them.

The arrays (see :class:`bot.search.index.Index`) are each sentence's words as ids in order, with
a few bits per word and per sentence (:mod:`bot.search.cues`), and the terms' posting lists
holding their BM25 weight in each sentence::

    bm25(t, s) = idf(t) * tf(t,s) * (k1 + 1) / (tf(t,s) + k1 * (1 - b + b * len(s) / avglen))

where scikit-learn's ``TfidfTransformer`` fits ``idf = ln((1 + N) / (1 + df))`` (without its
"+ 1") over the term counts. The arrays are what the on-disk cache saves and maps back.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from itertools import islice

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
    # Only building needs these: a restart from the on-disk cache starts without them (about
    # a fifth of a second, and 20 MB for SciPy alone).
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

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
    rows = np.repeat(np.arange(n, dtype=np.int32), np.diff(start_array))
    keep = term_mask[unit_array] if len(unit_array) else np.zeros(0, dtype=bool)
    counts = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.float32), (rows[keep], unit_array[keep])), shape=(n, size)
    )
    counts.sum_duplicates()
    del rows, keep
    if size:
        # Without scikit-learn's "+ 1": a word in every sentence should tell nothing, as in BM25.
        idf = (TfidfTransformer(smooth_idf=True).fit(counts).idf_ - 1.0).astype(np.float32)
    else:  # articles of punctuation only: nothing to weigh, nothing will match
        idf = np.zeros(0, dtype=np.float32)
    lengths = np.asarray(counts.sum(axis=1)).ravel().astype(np.float32)
    distinct = np.diff(counts.indptr).astype(np.int32)
    average = float(lengths.mean()) if n else 1.0
    norm = K1 * (1 - B + B * lengths / max(average, 1e-9))
    tf = counts.data
    counts.data = idf[counts.indices] * tf * (K1 + 1) / (tf + np.repeat(norm, distinct))
    postings = counts.tocsc()
    del counts
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
        "indptr": postings.indptr.astype(np.int64),
        "rows": postings.indices.astype(np.int32),
        "weights": postings.data.astype(np.float32),
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
