"""What a button carries: round trips within 64 bytes, and anything not made by this bot refused."""

from __future__ import annotations

import pytest

from bot.telegram.callback_data import MAX_BYTES, Context, Feedback, More, Payload, Signer

EDITION = "Ab3-dE_9"


@pytest.mark.parametrize(
    "payload",
    [
        More(EDITION, (8, 1, 0, 18, 17, 9)),
        More(EDITION, tuple(range(9_999_990, 9_999_996))),  # a ten-million-sentence archive
        Context(EDITION, 0),
        Feedback(1, True),
        Feedback(2**40, False),
    ],
)
def test_payloads_round_trip_within_64_bytes(payload: Payload) -> None:
    signer = Signer("token")
    data = signer.encode(payload)
    assert len(data.encode()) <= MAX_BYTES
    assert signer.decode(data) == payload


def test_a_more_too_long_for_64_bytes_keeps_its_best_sentences() -> None:
    signer = Signer("token")
    payload = signer.decode(signer.encode(More(EDITION, tuple(range(10**12, 10**12 + 6)))))
    assert isinstance(payload, More)
    assert 1 <= len(payload.sentences) < 6 and payload.sentences == tuple(
        range(10**12, 10**12 + len(payload.sentences))
    )


@pytest.mark.parametrize(
    "data",
    [None, "", "m", "m:x:1", "hello:world:AAAAAAAA", "c:é:1:AAAAAAAA", "x" * 65, "c:Ab3-dE_9:1.2:AAAAAAAA"],
)
def test_data_not_made_by_the_bot_decodes_to_none(data: str | None) -> None:
    assert Signer("token").decode(data) is None


def test_a_tampered_or_foreign_signature_decodes_to_none() -> None:
    data = Signer("token").encode(Context(EDITION, 8))
    body, _, signature = data.rpartition(":")
    assert Signer("token").decode(body.replace(":8", ":9") + ":" + signature) is None
    assert Signer("another token").decode(data) is None
