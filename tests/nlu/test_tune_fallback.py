"""The replay of the FallbackClassifier's rule that chooses its ambiguity threshold."""

from tests.nlu.tune_fallback import Parsed, outcomes_of, proposed_ambiguity, replayed_intent


def parsed(expected: str, *ranking: tuple, predicted: str = "nlu_fallback") -> Parsed:
    return Parsed("set", expected, predicted, tuple(ranking))


def test_a_near_tie_falls_back_only_within_the_ambiguity_threshold() -> None:
    message = parsed("causes", ("causes", 0.45), ("holistic_view", 0.42))
    assert replayed_intent(message, threshold=0.3, ambiguity=0.05) == "nlu_fallback"
    assert replayed_intent(message, threshold=0.3, ambiguity=0.02) == "causes"


def test_an_unsure_best_intent_falls_back_whatever_the_ambiguity() -> None:
    message = parsed("causes", ("causes", 0.25), ("treatment", 0.05))
    assert replayed_intent(message, threshold=0.3, ambiguity=0.0) == "nlu_fallback"


def test_the_triage_and_the_language_check_keep_their_intent() -> None:
    message = parsed("treatment", ("treatment", 0.4), ("causes", 0.39), predicted="red_flag")
    assert replayed_intent(message, threshold=0.3, ambiguity=0.05) == "red_flag"


def test_outcomes_count_the_ask_back_that_offers_the_right_topic() -> None:
    messages = [
        parsed("causes", ("holistic_view", 0.46), ("causes", 0.44)),
        parsed("treatment", ("treatment", 0.9), ("causes", 0.05)),
        parsed("diagnosis", ("treatment", 0.9), ("diagnosis", 0.05)),
    ]
    outcomes = outcomes_of(messages, threshold=0.3, ambiguity=0.05)
    counted = (outcomes.right, outcomes.right_topic_offered, outcomes.not_understood, outcomes.wrong)
    assert counted == (1, 1, 1, 1)


def test_the_proposal_is_the_widest_ask_back_within_the_limit() -> None:
    assert proposed_ambiguity({0.0: 0.001, 0.02: 0.006, 0.05: 0.012}) == 0.02
    assert proposed_ambiguity({0.05: 0.02}) is None
