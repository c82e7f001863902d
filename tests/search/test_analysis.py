"""Text analysis: what a reader would call "the same word" must become the same term."""

from bot.search.analysis import STOP_WORDS, terms


def test_word_forms_meet() -> None:
    assert terms("captured") == terms("capture") == terms("Captures")
    assert terms("soldiers'") == terms("soldier") == terms("Soldiers")
    assert terms("the prisoner's will") == terms("prisoner will")


def test_case_unicode_and_punctuation_are_folded() -> None:
    assert terms("soldiers’ capture") == terms("soldiers' capture")
    assert terms("Russia–Ukraine") == terms("russia-ukraine") == terms("Russia Ukraine")
    assert terms("ＵＫＲＡＩＮＥ!!!") == terms("Ukraine")  # full-width letters (NFKC)


def test_question_words_and_function_words_never_match() -> None:
    assert terms("Who is it? What was when, where, why and how?") == []
    assert {"who", "when", "what", "is", "the"} <= STOP_WORDS


def test_acronyms_keep_their_identity() -> None:
    assert terms("U.S.") == terms("US") == ["us"]
    assert terms("tell us") == terms("tell")  # the pronoun is a stop word
    assert terms("the ICRC") == ["icrc"]


def test_numbers_stay_whole() -> None:
    assert terms("In 2023 it cost 3.5 million, or 1,000 each") == ["2023", "cost", "3.5", "million", "1000"]


def test_unspaced_scripts_become_character_pairs() -> None:
    assert terms("中国的首都") == ["中国", "国的", "的首", "首都"]
    assert terms("Привет мир") == ["привет", "мир"]


def test_shouted_text_is_not_taken_for_acronyms() -> None:
    assert terms("WHO WERE THE SOLDIERS") == terms("who were the soldiers")


def test_nationalities_meet_their_country() -> None:
    assert terms("Ukrainian forces") == terms("Ukraine forces")
    assert terms("Russians") == terms("Russia")
    assert terms("North Korean soldiers") == terms("North Korea soldiers")
