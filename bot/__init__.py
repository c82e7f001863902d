"""Quotebot: answers questions about news articles by quoting the article's own sentences."""

__version__ = "0.1.0"
