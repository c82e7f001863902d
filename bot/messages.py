"""The bot's fixed messages (start, help, about), as plain text for every front.

Telegram escapes them into HTML; the console prints them as they are.
"""

from __future__ import annotations

from bot.corpus import Corpus

__all__ = ["about", "help_text", "hint", "start"]

EXAMPLE = "Who…? When…? Where…? Why…?"


def _articles_line(corpus: Corpus) -> str:
    if len(corpus.articles) == 1:
        return f"the article “{corpus.articles[0].title}”"
    return f"{len(corpus.articles)} articles (/about lists them)"


def start(corpus: Corpus) -> str:
    lead = corpus.text(0)
    return (
        f"Hello! I answer questions about {_articles_line(corpus)} by quoting its own sentences. "
        "I never make things up: when the article doesn't say, I tell you.\n\n"
        f"It begins: “{lead}”\n\n"
        "Ask me anything about it, for example: “What happened?” or " + EXAMPLE
    )


def help_text() -> str:
    return (
        "Send me a question and I reply with the sentences of the article that answer it, "
        "each with where it stands (¶ paragraph · sentence).\n\n"
        "In groups: /ask@ followed by my name and your question, reply to one of my messages, "
        "or mention me.\n\n"
        "/about: which article I know\n/help: this message"
    )


def about(corpus: Corpus) -> str:
    lines = []
    for number, article in enumerate(corpus.articles, start=1):
        prefix = f"#{number} " if len(corpus.articles) > 1 else ""
        line = f"{prefix}{article.title}: {article.paragraphs} paragraphs, {article.count} sentences"
        if article.source:
            line += f"\nSource: {article.source}"
        lines.append(line)
    return "\n".join(lines)


def hint() -> str:
    """The reply to a sticker, photo or other message without text, in private chats."""
    return "I can only read text. Send me a question about the article, for example: " + EXAMPLE
