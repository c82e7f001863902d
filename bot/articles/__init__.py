"""Articles: reading files into paragraphs and sentences, and narrowing a question to one article."""

from bot.articles.corpus import ARTICLE_SUFFIXES, Article, Corpus, CorpusError, Sentence, load_corpus, parse_article
from bot.articles.narrowing import NoSuchArticle, article_corpus, fingerprint, narrow

__all__ = [
    "ARTICLE_SUFFIXES",
    "Article",
    "Corpus",
    "CorpusError",
    "NoSuchArticle",
    "Sentence",
    "article_corpus",
    "fingerprint",
    "load_corpus",
    "narrow",
    "parse_article",
]
