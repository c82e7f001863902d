# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""The three inner loops of a search, compiled: BM25 recall, the best candidates, and the
re-ranker's features (issue 16).

Each mirrors a numpy computation kept in :mod:`bot.search.recall`, :mod:`bot.search.index` and
:mod:`bot.search.features`, which runs where this module could not be built (no C compiler at
install). A question has a few dozen candidates, so numpy spent most of its time there in the
overhead of a hundred small calls; these loops do the same work in one call each.
``tests/search/test_kernel.py`` checks both paths against each other and against the plain
computation of ``tests/search/test_features.py``.
"""

from libc.math cimport log1p, log1pf
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t
from libc.stdlib cimport free, malloc
from libc.string cimport memset
from cpython.number cimport PyNumber_Index
from cpython.buffer cimport PyBUF_C_CONTIGUOUS, PyBUF_FORMAT, PyBUF_WRITABLE, PyBuffer_Release, PyObject_GetBuffer

import numpy as np

from bot.search import cues

# The features this module computes, in the order it computes them; features.py maps them to
# its own columns by name.
COLUMNS = (
    "bm25", "bm25_share", "rank", "coverage", "coverage_squared", "background_coverage",
    "background_window", "window_gain", "previous_gain", "anaphor_previous_gain", "previous",
    "next", "far", "prefix", "related", "phrases", "rarest", "proximity", "early", "lead", "first",
    "length", "novelty", "anaphor", "when_year", "when_date", "number", "measure", "who_capital",
    "who_name", "where_place", "why_cause", "define_first",
)

cdef enum:
    BM25, BM25_SHARE, RANK, COVERAGE, COVERAGE_SQUARED, BACKGROUND_COVERAGE, BACKGROUND_WINDOW,
    WINDOW_GAIN, PREVIOUS_GAIN, ANAPHOR_PREVIOUS_GAIN, PREVIOUS, NEXT, FAR, PREFIX, RELATED,
    PHRASES, RAREST, PROXIMITY, EARLY, LEAD, FIRST, LENGTH, NOVELTY, ANAPHOR, WHEN_YEAR, WHEN_DATE,
    NUMBER, MEASURE, WHO_CAPITAL, WHO_NAME, WHERE_PLACE, WHY_CAUSE, DEFINE_FIRST, COLUMN_COUNT

cdef uint16_t CAPITAL = cues.CAPITAL
cdef uint16_t YEAR = cues.YEAR
cdef uint16_t NUMBER_BIT = cues.NUMBER
cdef uint16_t PLACE_WORD = cues.PLACE_WORD
cdef uint16_t THE = cues.THE
cdef uint16_t DATE_WORD = cues.DATE_WORD
cdef uint16_t CAUSE_WORD = cues.CAUSE_WORD
cdef uint16_t ANAPHOR_WORD = cues.ANAPHOR_WORD
cdef uint16_t MEASURE_BIT = cues.MEASURE


cdef class _Arrays:
    """The arrays of one call, released with this object: numpy arrays read through the buffer
    protocol (checked for their element type), and a question's few numbers copied from lists.

    A question's values are a handful each and new every time: making typed memoryviews (or
    numpy arrays) of them cost more than the loops that read them.
    """

    cdef Py_buffer views[4]
    cdef int count
    cdef void *copies[8]
    cdef int copied

    def __dealloc__(self):
        cdef int i
        for i in range(self.count):
            PyBuffer_Release(&self.views[i])
        for i in range(self.copied):
            free(self.copies[i])

    cdef void *get(self, object array, char kind, Py_ssize_t size, Py_ssize_t *length, bint writable=False) except? NULL:
        """The data of a C-contiguous ``array`` whose elements are ``size`` bytes of ``kind`` ("i"
        signed, "u" unsigned, "f" floating), its element count in ``length``."""
        if self.count == 4:
            raise RuntimeError("too many arrays in one call")
        cdef Py_buffer *view = &self.views[self.count]
        PyObject_GetBuffer(array, view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT | (PyBUF_WRITABLE if writable else 0))
        self.count += 1
        cdef bytes code = view.format
        if view.itemsize != size or len(code) == 0 or code[0] in b">!" or _kind(code[len(code) - 1]) != kind:
            raise TypeError(f"expected a contiguous array of {size}-byte {chr(kind)!r} elements, got {code!r}")
        length[0] = view.len // size
        return view.buf

    cdef void *_room(self, Py_ssize_t size) except NULL:
        if self.copied == 8:
            raise RuntimeError("too many lists in one call")
        cdef void *room = malloc(max(size, 1))
        if room == NULL:
            raise MemoryError()
        self.copies[self.copied] = room
        self.copied += 1
        return room

    cdef void *copy(self, object values, char kind, Py_ssize_t *length) except NULL:
        """A copy of a list (any iterable) of whole numbers as int64 (``kind`` "i"; 1.5 is
        refused, not cut to 1), of numbers as doubles ("f"), or of truth values as 0 and 1 ("u")."""
        cdef list items = values if type(values) is list else list(values)
        cdef Py_ssize_t i, n = len(items)
        cdef void *out = self._room(n * (1 if kind == b"u" else 8))
        for i in range(n):
            if kind == b"i":
                (<int64_t *> out)[i] = PyNumber_Index(items[i])
            elif kind == b"f":
                (<double *> out)[i] = items[i]
            else:
                (<uint8_t *> out)[i] = 1 if items[i] else 0
        length[0] = n
        return out


cdef char _kind(char code):
    if code in b"bhilq":
        return b"i"
    if code in b"BHILQ?":
        return b"u"
    if code in b"fd":
        return b"f"
    return b"?"


cdef class Postings:
    """BM25's posting lists (see ``recall.BM25``), held for :meth:`score`."""

    cdef const int64_t[::1] indptr
    cdef const int32_t[::1] rows
    cdef const float[::1] weights

    def __init__(self, indptr, rows, weights):
        self.indptr = indptr
        self.rows = rows
        self.weights = weights

    def score(self, term_ids, into):
        """Add each term's posting weights into ``into``; every sentence touched, once per term it
        holds (the numpy path's ``np.add.at``, term by term, in the same order)."""
        cdef _Arrays arrays = _Arrays()
        cdef Py_ssize_t q, size
        cdef const int64_t *terms = <const int64_t *> arrays.copy(term_ids, b"i", &q)
        cdef float *scores = <float *> arrays.get(into, b"f", 4, &size, True)
        cdef Py_ssize_t t, p, k = 0, total = 0
        cdef int64_t j
        for t in range(q):
            j = terms[t]
            if not 0 <= j < self.indptr.shape[0] - 1:
                raise IndexError(f"term id {j} outside the vocabulary")
            total += self.indptr[j + 1] - self.indptr[j]
        touched = np.empty(total, dtype=np.int64)
        cdef int64_t *out = <int64_t *> arrays.get(touched, b"i", 8, &size, True)
        cdef int32_t row
        for t in range(q):
            j = terms[t]
            for p in range(self.indptr[j], self.indptr[j + 1]):
                row = self.rows[p]
                scores[row] += self.weights[p]
                out[k] = row
                k += 1
        return touched


cdef class Words:
    """An index's per-word and per-sentence arrays, held for :meth:`matrix`."""

    cdef const int32_t[::1] units
    cdef const uint16_t[::1] unit_flags
    cdef const int64_t[::1] unit_starts
    cdef const uint8_t[::1] is_term
    cdef const uint16_t[::1] sentence_flags
    cdef const int64_t[::1] position
    cdef const int64_t[::1] remaining
    cdef const float[::1] lengths
    cdef const int32_t[::1] distinct
    cdef const int32_t[::1] prefix_of
    cdef float[::1] scores  # the index's score buffer (a float per sentence)
    cdef int32_t[::1] slot  # over the vocabulary: a question term's place, else -1
    cdef uint8_t[::1] asked  # over the vocabulary: 1 for the question's own words
    cdef int32_t[::1] prefix_slot  # over prefix ids: a question prefix's place, else -1

    def __init__(self, units, unit_flags, unit_starts, is_term, sentence_flags, position, remaining,
                 lengths, distinct, prefix_of, scores):
        self.units = units
        self.unit_flags = unit_flags
        self.unit_starts = unit_starts
        self.is_term = is_term
        self.sentence_flags = sentence_flags
        self.position = position
        self.remaining = remaining
        self.lengths = lengths
        self.distinct = distinct
        self.prefix_of = prefix_of
        self.scores = scores
        self.slot = np.full(is_term.shape[0], -1, dtype=np.int32)
        self.asked = np.zeros(is_term.shape[0], dtype=np.uint8)
        self.prefix_slot = np.full(max(np.max(prefix_of, initial=-1) + 1, 0), -1, dtype=np.int32)

    def candidates(self, touched_array, Py_ssize_t count):
        """The ``count`` best touched sentences by score (ties to the earlier one) and the
        sentences either side of them in the same article, sorted and distinct."""
        if count <= 0:
            return np.empty(0, dtype=np.int64)
        cdef _Arrays arrays = _Arrays()
        cdef Py_ssize_t touched_count
        cdef const int64_t *touched = <const int64_t *> arrays.get(touched_array, b"i", 8, &touched_count)
        cdef int64_t *best = <int64_t *> malloc(count * sizeof(int64_t))
        cdef float *best_score = <float *> malloc(count * sizeof(float))
        cdef int64_t *around = <int64_t *> malloc(3 * count * sizeof(int64_t))
        cdef Py_ssize_t have = 0, i, m, size = 0, kept = 0, length
        cdef int64_t s
        cdef int64_t *view
        cdef float v
        cdef bint seen
        try:
            for i in range(touched_count):
                s = touched[i]
                v = self.scores[s]
                if have == count and (v < best_score[have - 1] or (v == best_score[have - 1] and s >= best[have - 1])):
                    continue
                seen = False
                for m in range(have):
                    if best[m] == s:
                        seen = True
                        break
                if seen:
                    continue
                # Insert in order: higher score first, then the earlier sentence.
                m = have if have < count else count - 1
                while m > 0 and (best_score[m - 1] < v or (best_score[m - 1] == v and best[m - 1] > s)):
                    if m < count:
                        best[m] = best[m - 1]
                        best_score[m] = best_score[m - 1]
                    m -= 1
                best[m] = s
                best_score[m] = v
                if have < count:
                    have += 1
            for i in range(have):
                s = best[i]
                if self.position[s] >= 1:
                    around[size] = s - 1
                    size += 1
                around[size] = s
                size += 1
                if self.remaining[s] >= 1:
                    around[size] = s + 1
                    size += 1
            # Sorted (a few dozen: insertion sort), then distinct.
            for i in range(1, size):
                s = around[i]
                m = i
                while m > 0 and around[m - 1] > s:
                    around[m] = around[m - 1]
                    m -= 1
                around[m] = s
            for i in range(size):
                if i == 0 or around[i] != around[i - 1]:
                    around[kept] = around[i]
                    kept += 1
            result = np.empty(kept, dtype=np.int64)
            view = <int64_t *> arrays.get(result, b"i", 8, &length, True)
            for i in range(kept):
                view[i] = around[i]
            return result
        finally:
            free(best)
            free(best_score)
            free(around)

    def clear(self, touched_array):
        """Zero the scores of the sentences ``touched``, for the next question."""
        cdef _Arrays arrays = _Arrays()
        cdef Py_ssize_t i, count
        cdef const int64_t *touched = <const int64_t *> arrays.get(touched_array, b"i", 8, &count)
        for i in range(count):
            self.scores[touched[i]] = 0.0

    cdef void _held(self, int64_t s, uint8_t *into):
        cdef int64_t w
        cdef int32_t k
        for w in range(self.unit_starts[s], self.unit_starts[s + 1]):
            k = self.slot[self.units[w]]
            if k >= 0:
                into[k] = 1

    def matrix(
        self, candidates_array, term_id_list, word_list, prefix_list, weight_list, related_list,
        double total, background_list, double background_total, prefix_term_list, prefix_weight_list,
        frozenset pairs, frozenset triples, bint when, bint number, bint who, bint where, bint why, bint define,
    ):
        """Feature rows for the candidates (columns in the order of :data:`COLUMNS`), and each
        one's window coverage: what ``features.matrix`` computes with numpy. ``term_ids``,
        ``words`` and ``prefixes`` are the question's (see ``Query``)."""
        cdef _Arrays arrays = _Arrays()
        cdef Py_ssize_t n, q, word_count, prefix_count, p_count, length
        cdef const int64_t *candidates = <const int64_t *> arrays.get(candidates_array, b"i", 8, &n)
        cdef const int64_t *term_ids = <const int64_t *> arrays.copy(term_id_list, b"i", &q)
        cdef const int64_t *words = <const int64_t *> arrays.copy(word_list, b"i", &word_count)
        cdef const int64_t *prefixes = <const int64_t *> arrays.copy(prefix_list, b"i", &prefix_count)
        cdef const double *weights = <const double *> arrays.copy(weight_list, b"f", &length)
        if length != q:
            raise ValueError("weights: one for each term")
        cdef const uint8_t *related = <const uint8_t *> arrays.copy(related_list, b"u", &length)
        if length != q:
            raise ValueError("related: one for each term")
        cdef const double *background = <const double *> arrays.copy(background_list, b"f", &length)
        if length != q:
            raise ValueError("background: one for each term")
        cdef const int64_t *prefix_terms = <const int64_t *> arrays.copy(prefix_term_list, b"i", &p_count)
        cdef const double *prefix_weights = <const double *> arrays.copy(prefix_weight_list, b"f", &length)
        if length != p_count or prefix_count != p_count:
            raise ValueError("prefixes: a term and a weight for each")
        # The values index this object's tables: out of range is an error, never a stray write.
        cdef Py_ssize_t k, vocabulary = self.slot.shape[0], sentences = self.position.shape[0]
        for k in range(q):
            if not 0 <= term_ids[k] < vocabulary:
                raise IndexError(f"term id {term_ids[k]} outside the vocabulary")
        for k in range(word_count):
            if not 0 <= words[k] < vocabulary:
                raise IndexError(f"word id {words[k]} outside the vocabulary")
        for k in range(p_count):
            if not 0 <= prefixes[k] < self.prefix_slot.shape[0] or not -1 <= prefix_terms[k] < vocabulary:
                raise IndexError("prefix outside the vocabulary")
        for k in range(n):
            if not 0 <= candidates[k] < sentences:
                raise IndexError(f"candidate {candidates[k]} outside the corpus")
        result = np.zeros((n, COLUMN_COUNT), dtype=np.float64)
        window_out = np.zeros(n, dtype=np.float64)
        cdef double *f = <double *> arrays.get(result, b"f", 8, &length, True)
        cdef double *window = <double *> arrays.get(window_out, b"f", 8, &length, True)
        cdef double *row
        cdef uint8_t *own = <uint8_t *> malloc(max(q, 1))
        cdef uint8_t *previous = <uint8_t *> malloc(max(q, 1))
        cdef uint8_t *following = <uint8_t *> malloc(max(q, 1))
        cdef uint8_t *has_prefix = <uint8_t *> malloc(max(p_count, 1))
        cdef Py_ssize_t i, m, matched, higher
        cdef int64_t c, w, lo, hi, seen_terms, first_hit, last_hit
        cdef int32_t ps
        cdef uint16_t flag, next_flag, bits
        cdef double top = 0.0, rarest = 0.0, bm, cover, with_previous, near, bg_own, bg_near, rel
        cdef double prefix_sum, best_weight, before, after, far
        cdef bint is_new, next_new, capital, next_capital
        cdef int found
        cdef const float[::1] scores = self.scores
        cdef const int32_t[::1] slot = self.slot
        cdef const uint8_t[::1] asked = self.asked
        cdef const int32_t[::1] prefix_slot = self.prefix_slot
        for k in range(q):
            self.slot[term_ids[k]] = k
        for k in range(word_count):
            self.asked[words[k]] = 1
        for k in range(prefix_count):
            self.prefix_slot[prefixes[k]] = k
        try:
            for i in range(n):
                bm = scores[candidates[i]]
                if i == 0 or bm > top:
                    top = bm
            if top == 0.0:
                top = 1.0
            for k in range(q):
                if weights[k] > rarest:
                    rarest = weights[k]
            if rarest == 0.0:
                rarest = 1.0
            total = max(total, 1e-9)
            background_total = max(background_total, 1e-9)
            for i in range(n):
                c = candidates[i]
                row = f + i * COLUMN_COUNT
                bm = scores[c]
                memset(own, 0, max(q, 1))
                memset(previous, 0, max(q, 1))
                memset(following, 0, max(q, 1))
                self._held(c, own)
                if self.position[c] >= 1:
                    self._held(c - 1, previous)
                if self.remaining[c] >= 1:
                    self._held(c + 1, following)
                cover = with_previous = near = bg_own = bg_near = rel = best_weight = 0.0
                matched = 0
                for k in range(q):
                    if own[k]:
                        matched += 1
                        cover += weights[k]
                        bg_own += background[k]
                        if related[k]:
                            rel += weights[k]
                        if weights[k] > best_weight:
                            best_weight = weights[k]
                    if own[k] or previous[k]:
                        with_previous += weights[k]
                    if own[k] or previous[k] or following[k]:
                        near += weights[k]
                        bg_near += background[k]
                cover /= total
                with_previous = with_previous / total - cover
                near /= total

                # Proximity and how early the first matched term comes, counted in terms.
                lo, hi = self.unit_starts[c], self.unit_starts[c + 1]
                seen_terms = 0
                first_hit = last_hit = -1
                for w in range(lo, hi):
                    if self.is_term[self.units[w]]:
                        seen_terms += 1
                    if slot[self.units[w]] >= 0:
                        if first_hit < 0:
                            first_hit = seen_terms
                        last_hit = seen_terms
                if matched >= 2:
                    row[PROXIMITY] = matched / <double> max(last_hit - first_hit + 1, 1)
                if first_hit >= 0:
                    row[EARLY] = 1.0 / (first_hit + 1.0)

                # Runs of two and three of the question's words.
                found = 0
                if pairs:
                    for w in range(lo, hi - 1):
                        if asked[self.units[w]] and asked[self.units[w + 1]]:
                            if (self.units[w], self.units[w + 1]) in pairs:
                                found += 1
                            if (triples and w + 2 < hi and asked[self.units[w + 2]]
                                    and (self.units[w], self.units[w + 1], self.units[w + 2]) in triples):
                                found += 1
                row[PHRASES] = found

                # Question terms met only through a shared prefix.
                if p_count:
                    memset(has_prefix, 0, p_count)
                    for w in range(lo, hi):
                        ps = self.prefix_of[self.units[w]]
                        if ps >= 0 and prefix_slot[ps] >= 0:
                            has_prefix[prefix_slot[ps]] = 1
                    prefix_sum = 0.0
                    for k in range(p_count):
                        if has_prefix[k] and (prefix_terms[k] < 0 or q == 0 or not own[slot[prefix_terms[k]]]):
                            prefix_sum += prefix_weights[k]
                    row[PREFIX] = prefix_sum / total

                # Answer-type cues: words the question lacks, and what they are.
                bits = self.sentence_flags[c]
                for w in range(lo, hi):
                    flag = self.unit_flags[w]
                    is_new = not asked[self.units[w]]
                    if when and flag & YEAR and is_new:
                        row[WHEN_YEAR] = 1.0
                    if number and flag & NUMBER_BIT:
                        row[NUMBER] = 1.0
                    capital = (flag & CAPITAL) != 0 and is_new
                    if who and capital:
                        row[WHO_CAPITAL] = 1.0
                    if w + 1 < hi:
                        next_flag = self.unit_flags[w + 1]
                        next_new = not asked[self.units[w + 1]]
                        next_capital = (next_flag & CAPITAL) != 0 and next_new
                        if who and capital and next_capital:
                            row[WHO_NAME] = 1.0
                        if where and flag & PLACE_WORD:
                            if next_capital:
                                row[WHERE_PLACE] = 1.0
                            elif (next_flag & THE and w + 2 < hi and self.unit_flags[w + 2] & CAPITAL
                                    and not asked[self.units[w + 2]]):
                                row[WHERE_PLACE] = 1.0
                if when and bits & DATE_WORD:
                    row[WHEN_DATE] = 1.0
                if number and bits & MEASURE_BIT:
                    row[MEASURE] = 1.0
                if why and bits & CAUSE_WORD:
                    row[WHY_CAUSE] = 1.0
                if define and self.position[c] == 0:
                    row[DEFINE_FIRST] = 1.0

                higher = 0
                for m in range(n):
                    if scores[candidates[m]] > bm:
                        higher += 1
                before = <double> scores[c - 1] if self.position[c] >= 1 else 0.0
                after = <double> scores[c + 1] if self.remaining[c] >= 1 else 0.0
                far = (<double> scores[c - 2] if self.position[c] >= 2 else 0.0) + (
                    <double> scores[c + 2] if self.remaining[c] >= 2 else 0.0)
                row[BM25] = bm
                row[BM25_SHARE] = bm / top
                row[RANK] = 1.0 / (1.0 + min(higher, 12))
                row[COVERAGE] = cover
                row[RELATED] = rel / total
                row[COVERAGE_SQUARED] = cover * cover
                row[BACKGROUND_COVERAGE] = bg_own / background_total
                row[BACKGROUND_WINDOW] = bg_near / background_total
                row[WINDOW_GAIN] = near - cover
                row[PREVIOUS_GAIN] = with_previous
                if bits & ANAPHOR_WORD:
                    row[ANAPHOR] = 1.0
                    row[ANAPHOR_PREVIOUS_GAIN] = with_previous
                row[PREVIOUS] = before / top
                row[NEXT] = after / top
                row[FAR] = far / top
                row[RAREST] = best_weight / rarest
                row[LEAD] = 1.0 / (1.0 + self.position[c])
                row[FIRST] = self.position[c] == 0
                row[LENGTH] = log1pf(self.lengths[c])  # in single precision, as numpy does for float32
                row[NOVELTY] = log1p(self.distinct[c] - matched)
                window[i] = near
            return result, window_out
        finally:
            for k in range(q):
                self.slot[term_ids[k]] = -1
            for k in range(word_count):
                self.asked[words[k]] = 0
            for k in range(prefix_count):
                self.prefix_slot[prefixes[k]] = -1
            free(own)
            free(previous)
            free(following)
            free(has_prefix)
