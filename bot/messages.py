"""The bot's fixed messages (start, help, about), as plain text for every front.

Telegram escapes them into HTML; the console prints them as they are.
"""

from __future__ import annotations

from bot.articles.corpus import Corpus

__all__ = ["about", "articles_line", "count", "help_text", "hint", "size", "start"]

EXAMPLE = "Who…? When…? Where…? Why…?"
NARROWING = "To ask about one article only, start with its number: “#2 Who…?”."


def count(n: int, noun: str) -> str:
    """ "1 sentence", "1,204 sentences"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def size(paragraphs: int, sentences: int) -> str:
    """ "4 paragraphs, 34 sentences"."""
    return f"{count(paragraphs, 'paragraph')}, {count(sentences, 'sentence')}"


def articles_line(corpus: Corpus) -> str:
    """The article, or how many: "the article “…”", "3 articles (/about lists them)"."""
    if len(corpus.articles) == 1:
        return f"the article “{corpus.articles[0].title}”"
    return f"{len(corpus.articles)} articles (/about lists them)"


def start(corpus: Corpus) -> str:
    lead = corpus.text(0)
    return (
        f"Hello! I answer questions about {articles_line(corpus)} by quoting its own sentences. "
        "I never make things up: when the article doesn't say, I tell you.\n\n"
        f"It begins: “{lead}”\n\n"
        "Ask me anything about it, for example: “What happened?” or " + EXAMPLE
    )


def help_text(corpus: Corpus | None = None) -> str:
    """How to ask; with a corpus of several articles, also how to ask about one of them."""
    several = corpus is not None and len(corpus.articles) > 1
    return (
        "Send me a question and I reply with the sentences of the article that answer it, "
        "each with where it stands (¶ paragraph · sentence).\n\n"
        "Under an answer: More shows the next lines, Context the paragraph around the first one, "
        "and 👍 or 👎 says whether it helped.\n\n"
        "In groups: /ask@ followed by my name and your question, reply to one of my messages, "
        "or mention me.\n\n"
        "In any chat: type @ and my name, then a question, and pick a line to post it.\n\n"
        + (NARROWING + "\n\n" if several else "")
        + "/about: which article I know\n/help: this message"
    )


def about(corpus: Corpus) -> str:
    lines = []
    for number, article in enumerate(corpus.articles, start=1):
        prefix = f"#{number} " if len(corpus.articles) > 1 else ""
        line = f"{prefix}{article.title}: {size(article.paragraphs, article.count)}"
        if article.source:
            line += f"\nSource: {article.source}"
        lines.append(line)
    if len(corpus.articles) > 1:
        lines += ["", NARROWING]
    return "\n".join(lines)


def hint() -> str:
    """The reply to a sticker, photo or other message without text, in private chats."""
    return "I can only read text. Send me a question about the article, for example: " + EXAMPLE
