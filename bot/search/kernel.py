"""The search's compiled inner loops, where the install could build them.

``_kernel`` is compiled from ``_kernel.pyx`` by Cython when the package is installed. The
extension is optional: without a C compiler the install goes on, :data:`COMPILED` is False, and
recall, candidates and features run their numpy computations instead (the same results, about
three times as slow a question). Callers read ``kernel.COMPILED`` at each call, so a test can switch
to the numpy path and compare.
"""

from __future__ import annotations

__all__ = ["COLUMNS", "COMPILED", "Postings", "Words"]

try:
    from bot.search._kernel import COLUMNS, Postings, Words
except ImportError:  # built without a C compiler: the numpy paths run
    COLUMNS = ()
    Postings = Words = None  # type: ignore[assignment,misc]

COMPILED: bool = Words is not None
