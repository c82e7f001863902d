# Types of the compiled module built from _kernel.pyx (see kernel.py).
import numpy as np

COLUMNS: tuple[str, ...]

class Postings:
    def __init__(self, indptr: np.ndarray, rows: np.ndarray, weights: np.ndarray) -> None: ...
    def score(self, term_ids: np.ndarray, into: np.ndarray) -> np.ndarray: ...

class Words:
    def __init__(
        self,
        units: np.ndarray,
        unit_flags: np.ndarray,
        unit_starts: np.ndarray,
        is_term: np.ndarray,
        sentence_flags: np.ndarray,
        position: np.ndarray,
        remaining: np.ndarray,
        lengths: np.ndarray,
        distinct: np.ndarray,
        prefix_of: np.ndarray,
        scores: np.ndarray,
    ) -> None: ...
    def candidates(self, touched_array: np.ndarray, count: int) -> np.ndarray: ...
    def clear(self, touched_array: np.ndarray) -> None: ...
    def matrix(
        self,
        candidates_array: np.ndarray,
        term_ids_array: np.ndarray,
        words_array: np.ndarray,
        prefixes_array: np.ndarray,
        weights_array: np.ndarray,
        related_array: np.ndarray,
        total: float,
        background_array: np.ndarray,
        background_total: float,
        prefix_terms_array: np.ndarray,
        prefix_weights_array: np.ndarray,
        pairs: frozenset[tuple[int, ...]],
        triples: frozenset[tuple[int, ...]],
        when: bool,
        number: bool,
        who: bool,
        where: bool,
        why: bool,
        define: bool,
    ) -> tuple[np.ndarray, np.ndarray]: ...
