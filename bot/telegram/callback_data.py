"""What a button under an answer carries: at most 64 bytes of ``callback_data``, self-contained
so that it still works after a restart, and signed so that the bot serves only data it made.

    m:<edition>:<i>.<i>.<i>:<signature>    More: the next quotes, as sentence numbers
    c:<edition>:<i>:<signature>            Context: the paragraph around sentence i
    y:<question>:<signature>               👍 on recorded question <question>
    n:<question>:<signature>               👎 on it

Numbers are base 36. ``<edition>`` is the fingerprint of the articles the numbers refer to, so
a button from before a reload that changed them is known to be stale. The signature is an HMAC
of the rest, keyed by the bot's token: the same on every run, unknown to anyone else, so a
forged or mangled button decodes to None like any other stale one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

__all__ = ["MAX_BYTES", "Context", "Feedback", "More", "Payload", "Signer"]

MAX_BYTES = 64  # Telegram's limit on callback_data
SIGNATURE_LENGTH = 8  # base64url characters: 48 bits
_NUMBER = re.compile(r"[0-9a-z]{1,12}")
_EDITION = re.compile(r"[A-Za-z0-9_-]{1,16}")


@dataclass(frozen=True, slots=True)
class More:
    """Show these sentences (corpus numbers, best first) of edition ``edition`` as further quotes."""

    edition: str
    sentences: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Context:
    """Show the paragraph around sentence ``sentence`` of edition ``edition``."""

    edition: str
    sentence: int


@dataclass(frozen=True, slots=True)
class Feedback:
    """A reader's verdict on the answer to recorded question ``question``."""

    question: int
    helpful: bool


Payload = More | Context | Feedback


def _b36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if not n:
            return out


def _number(text: str) -> int | None:
    return int(text, 36) if _NUMBER.fullmatch(text) else None


class Signer:
    """Encodes payloads as signed ``callback_data`` and decodes them back."""

    def __init__(self, secret: str) -> None:
        # A key of its own, derived from the secret, so that signatures reveal nothing about it.
        self._key = hashlib.sha256(b"quotebot callback data\0" + secret.encode()).digest()

    def _sign(self, body: str) -> str:
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:SIGNATURE_LENGTH]

    def encode(self, payload: Payload) -> str:
        """``payload`` as callback data of at most 64 bytes (a More drops its last sentences to fit)."""
        if isinstance(payload, More):
            sentences = list(payload.sentences)
            while True:
                body = f"m:{payload.edition}:{'.'.join(_b36(i) for i in sentences)}"
                if len(body) + 1 + SIGNATURE_LENGTH <= MAX_BYTES or len(sentences) == 1:
                    break
                sentences.pop()
        elif isinstance(payload, Context):
            body = f"c:{payload.edition}:{_b36(payload.sentence)}"
        else:
            body = f"{'y' if payload.helpful else 'n'}:{_b36(payload.question)}"
        data = f"{body}:{self._sign(body)}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
        return data

    def decode(self, data: str | None) -> Payload | None:
        """The payload ``data`` carries, or None if it is not well formed or not signed by this bot."""
        if not data or len(data.encode()) > MAX_BYTES:
            return None
        body, _, signature = data.rpartition(":")
        if not body or not hmac.compare_digest(signature.encode(), self._sign(body).encode()):
            return None
        kind, *fields = body.split(":")
        if kind in ("y", "n") and len(fields) == 1:
            question = _number(fields[0])
            return None if question is None else Feedback(question, kind == "y")
        if kind not in ("m", "c") or len(fields) != 2 or not _EDITION.fullmatch(fields[0]):
            return None
        numbers = [_number(n) for n in fields[1].split(".")]
        sentences = tuple(n for n in numbers if n is not None)
        if len(sentences) != len(numbers):
            return None
        if kind == "c":
            return Context(fields[0], sentences[0]) if len(sentences) == 1 else None
        return More(fields[0], sentences)
