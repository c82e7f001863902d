"""Search: text analysis, BM25 recall, the learned re-ranker, and the index cache on disk."""

from bot.search.analysis import terms
from bot.search.cache import load_index
from bot.search.index import Hit, Index, Query

__all__ = ["Hit", "Index", "Query", "load_index", "terms"]
