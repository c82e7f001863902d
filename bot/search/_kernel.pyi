# Types of the compiled module built from _kernel.pyx (see kernel.py).
import numpy as np

COLUMNS: tuple[str, ...]

def accumulate(
    indptr: np.ndarray, rows: np.ndarray, weights: np.ndarray, term_ids: np.ndarray, into: np.ndarray
) -> np.ndarray: ...
def candidates(
    touched: np.ndarray, scores: np.ndarray, position: np.ndarray, remaining: np.ndarray, count: int
) -> np.ndarray: ...

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
    ) -> None: ...
    def matrix(
        self,
        candidates: np.ndarray,
        scores: np.ndarray,
        slot: np.ndarray,
        asked: np.ndarray,
        prefix_slot: np.ndarray,
        weights: np.ndarray,
        related: np.ndarray,
        total: float,
        background: np.ndarray,
        background_total: float,
        prefix_terms: np.ndarray,
        prefix_weights: np.ndarray,
        pairs: frozenset[tuple[int, ...]],
        triples: frozenset[tuple[int, ...]],
        when: bool,
        number: bool,
        who: bool,
        where: bool,
        why: bool,
        define: bool,
    ) -> tuple[np.ndarray, np.ndarray]: ...
