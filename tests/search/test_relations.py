"""WordNet relations: the shipped table loads, carries its licence, and joins readers' words to
the article's ("need" / "require") where no stemmer does."""

import gzip

from bot.search.analysis import terms
from bot.search.relations import KINDS, RELATIONS_FILE, kinds, related
from bot.search.relations import terms as related_terms


def term(word: str) -> str:
    (only,) = terms(word)
    return only


def joined(a: str, b: str) -> set[str]:
    """The kinds under which two words' terms are related, checked both ways."""
    ta, tb = term(a), term(b)
    there = {kind for kind, others in related(ta).items() if tb in others}
    back = {kind for kind, others in related(tb).items() if ta in others}
    assert there == back, (a, b)  # relations are symmetric
    return there


def test_table_loads_with_a_plausible_size() -> None:
    keys = related_terms()
    assert 30_000 <= len(keys) <= 45_000  # 36,842 with WordNet 3.0 and the default options
    assert sum(" " in key for key in keys) > 5_000  # phrase keys ("take part")
    assert kinds() == KINDS == ("syn", "der", "sim", "cau", "hyp")
    assert related("no-such-term") == {}


def test_licence_ships_beside_the_table() -> None:
    licence = RELATIONS_FILE.with_name("LICENSE-wordnet.txt").read_text(encoding="utf-8")
    assert "WordNet 3.0 Copyright 2006 by Princeton University" in licence
    with gzip.open(RELATIONS_FILE, "rt", encoding="utf-8") as lines:
        first = next(lines)
    assert first.startswith("# Princeton WordNet 3.0") and "LICENSE-wordnet.txt" in first


def test_pairs_readers_need() -> None:
    assert "syn" in joined("admit", "acknowledged")
    assert "syn" in joined("needs", "require")
    assert "syn" in joined("kid", "child")  # not "children": the analysis keeps irregular plurals
    assert "syn" in joined("prisoner", "captive")
    assert "syn" in joined("arrested", "apprehended")
    assert "cau" in joined("killed", "died")
    assert "sim" in joined("angry", "irate")
    assert "hyp" in joined("killed", "murdered")
    # WordNet has no arrest ~ detain; "detain" meets "custody" (and "arrest" the phrase "take custody").
    assert "syn" in joined("detained", "custody")
    assert "take custodi" in related("arrest")["syn"]


def test_phrases_are_keys_for_word_pairs() -> None:
    # "participation" and "participate" are one term already: no pair, but the phrase relates.
    assert terms("participation") == terms("participate")
    assert term("participated") in related("take part")["syn"]
    assert "take part" in related(term("participate"))["syn"]


def test_no_pair_of_equal_or_empty_terms() -> None:
    for key in related_terms():
        assert key and key == key.strip()
        for others in related(key).values():
            assert key not in others and all(others) and "" not in others
