"""The answerer: quotes best first, context when a line leans on the one before, or a decline."""

from bot.answer import MAX_QUESTION, MAX_QUOTES, Answerer, Verdict
from bot.evaluate import corpus_of


def test_answers_with_whole_sentences_from_the_article(answerer: Answerer) -> None:
    answer = answerer.answer("When did Ukraine capture the soldiers?")
    assert answer.answered
    assert 1 <= len(answer.quotes) <= MAX_QUOTES
    assert any("January 2023" in q.sentence.text for q in answer.quotes)
    texts = set(answerer.corpus.texts())
    assert all(q.sentence.text in texts for q in answer.quotes)
    scores = [q.score for q in answer.quotes]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)


def test_declines_questions_the_article_does_not_answer(answerer: Answerer) -> None:
    for question in ["What is the capital of Australia?", "How do I bake sourdough bread?", "Sing me a song"]:
        answer = answerer.answer(question)
        assert answer.verdict is Verdict.DECLINED, question
        assert answer.quotes == []


def test_empty_or_stop_word_only_questions(answerer: Answerer) -> None:
    for question in ["", "   ", "???", "who is it?"]:
        assert answerer.answer(question).verdict is Verdict.EMPTY


def test_a_line_that_leans_on_the_one_before_brings_it_along(answerer: Answerer) -> None:
    answer = answerer.answer("What allowed the US government to demand humanitarian repatriation?")
    top = answer.quotes[0]
    assert top.sentence.text.startswith("This allowed the U.S. government")
    assert top.context is not None
    assert top.context.text.startswith("North Korea initially denied involvement")


def test_context_is_not_added_to_self_contained_lines(answerer: Answerer) -> None:
    answer = answerer.answer("Who interviewed Baek and Ri near Kyiv?")
    assert answer.quotes[0].context is None


def test_very_long_questions_are_read_up_to_a_limit(answerer: Answerer) -> None:
    question = "Where were the prisoners interviewed? " + "blah " * 5000
    answer = answerer.answer(question)
    assert answer.truncated and len(question) > MAX_QUESTION
    # Most of what was read is a word the article never uses: hedged, but the line is shown.
    assert answer.verdict is not Verdict.DECLINED
    assert "POW camp near Kyiv" in answer.quotes[0].sentence.text


def test_titles_are_given_only_with_several_articles() -> None:
    single = Answerer(corpus_of("One", ["Alpha met Beta in Paris."]))
    assert single.answer("Where did Alpha meet Beta?").quotes[0].title is None
