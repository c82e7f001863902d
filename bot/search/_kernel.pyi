# Types of the compiled module built from _kernel.pyx (see kernel.py).
import numpy as np

COLUMNS: tuple[str, ...]

class Postings:
    def __init__(self, indptr: np.ndarray, rows: np.ndarray, weights: np.ndarray) -> None: ...
    def score(self, term_ids: list[int], into: np.ndarray) -> np.ndarray: ...

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
        term_id_list: list[int],
        word_list: list[int],
        prefix_list: list[int],
        weight_list: list[float],
        related_list: list[bool],
        total: float,
        background_list: list[float],
        background_total: float,
        prefix_term_list: list[int],
        prefix_weight_list: list[float],
        pairs: frozenset[tuple[int, ...]],
        triples: frozenset[tuple[int, ...]],
        when: bool,
        number: bool,
        who: bool,
        where: bool,
        why: bool,
        define: bool,
    ) -> tuple[np.ndarray, np.ndarray]: ...
