"""The triage stage's decisions (components/triage.py), without a trained model: rules plus given scores."""

from typing import List, Optional

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.triage import Thresholds, TriageResult, annotate_message, triage_text, with_subject

THRESHOLDS = Thresholds(crisis=0.5, emergency=0.5)
CONFIRMING = Thresholds(crisis=0.5, emergency=0.5, rule_confirmation=0.1)
NOTHING = {"crisis": 0.0, "emergency": 0.0, "none": 1.0}


def classified(text: str, ranking: List[tuple]) -> Message:
    message = Message(data={"text": text})
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set("intent", entries[0])
    message.set("intent_ranking", entries)
    message.set("entities", [])
    return message


def entity(message: Message, name: str) -> Optional[object]:
    return next((e["value"] for e in message.get("entities") if e["entity"] == name), None)


def test_a_rule_alone_finds_an_emergency_and_knows_the_number() -> None:
    result = triage_text("Ich habe seit einer Stunde starke Brustschmerzen", NOTHING, THRESHOLDS)
    assert (result.outcome, result.emergency_level) == ("emergency", "call_112")
    result = triage_text("Seit gestern Blut im Stuhl", NOTHING, THRESHOLDS)
    assert (result.outcome, result.emergency_level) == ("emergency", "see_doctor")


def test_the_classifier_alone_finds_a_crisis() -> None:
    scores = {"crisis": 0.8, "emergency": 0.1, "none": 0.1}
    result = triage_text("Ich sehe für mich keinen Ausweg mehr", scores, THRESHOLDS)
    assert (result.outcome, result.found_by) == ("crisis", "classifier")


def test_a_crisis_wins_over_an_emergency_whichever_part_found_it() -> None:
    scores = {"crisis": 0.7, "emergency": 0.2, "none": 0.1}
    assert triage_text("Ich habe Blut im Stuhl und mag nicht mehr", scores, THRESHOLDS).outcome == "crisis"


def test_an_emergency_found_only_by_the_classifier_leaves_the_number_to_the_answer() -> None:
    scores = {"crisis": 0.0, "emergency": 0.9, "none": 0.1}
    result = triage_text("Mir ist ganz komisch und alles dreht sich", scores, THRESHOLDS)
    assert (result.outcome, result.emergency_level) == ("emergency", "unspecified")


def test_scores_below_the_thresholds_are_not_urgent() -> None:
    scores = {"crisis": 0.3, "emergency": 0.3, "none": 0.4}
    assert triage_text("Ich habe Blähungen nach dem Essen", scores, THRESHOLDS).outcome == "none"


def test_an_animal_gets_no_emergency_but_a_crisis_is_never_overruled() -> None:
    scores = {"crisis": 0.0, "emergency": 0.9, "none": 0.1}
    assert triage_text("Mein Hund hat blutigen Durchfall", scores, THRESHOLDS).outcome == "none"
    crisis = {"crisis": 0.9, "emergency": 0.0, "none": 0.1}
    assert (
        triage_text("Wenn mein Hund stirbt, will ich auch nicht mehr leben", crisis, THRESHOLDS).outcome
        == "crisis"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Kälbchen hat seit gestern Durchfall, hilft da Heilerde?",
        "Unsere Ziegen husten, und eine hat etwas Blut an der Nase.",
    ],
)
def test_farm_animals_get_no_emergency(text: str) -> None:
    assert triage_text(text, {"crisis": 0.0, "emergency": 0.9, "none": 0.1}, THRESHOLDS).outcome == "none"


def test_own_signs_beside_an_animal_are_still_an_emergency() -> None:
    scores = {"crisis": 0.0, "emergency": 0.9, "none": 0.1}
    result = triage_text("Ich habe Blut im Stuhl und mein Hund auch", scores, THRESHOLDS)
    assert result.outcome == "emergency"


@pytest.mark.parametrize("probability, subject", [(0.9, "other"), (0.2, "self")])
def test_the_subject_model_says_whose_signs_they_are(probability: float, subject: str) -> None:
    result = TriageResult("emergency", "rule", "call_112")
    assert with_subject(result, probability, "Blut erbrochen").subject == subject


@pytest.mark.parametrize(
    "text, subject",
    [
        ("Bewohnerin, 87 J., heute Synkope beim Toilettengang, jetzt wach.", "other"),
        ("Pat. 79 J., seit heute Morgen Teerstühle x2.", "other"),
        ("Kollege beim Schichtwechsel umgefallen, kurz bewusstlos.", "other"),
        ("Ich bin Pflegekraft und habe selbst seit heute Blut im Stuhl.", "self"),
    ],
)
def test_a_carer_writing_about_someone_in_care_is_answered_about_that_person(text: str, subject: str) -> None:
    """The subject model has seen little of the chart's terms; the rules name the person in care."""
    result = TriageResult("emergency", "rule", "call_112")
    assert with_subject(result, 0.1, text).subject == subject


def test_urgent_messages_get_red_flag_and_the_entities_that_choose_the_answer() -> None:
    message = classified("Mein Mann hat Blut erbrochen", [("extraintestinal_symptoms", 0.8)])
    annotate_message(message, TriageResult("emergency", "vomiting_blood", "call_112", "other"))
    assert message.get("intent") == {"name": "red_flag", "confidence": 1.0}
    assert message.get("intent_ranking")[1]["name"] == "extraintestinal_symptoms"
    assert (
        entity(message, "red_flag_type"),
        entity(message, "emergency_level"),
        entity(message, "urgent_subject"),
    ) == (
        "somatic",
        "call_112",
        "other",
    )


def test_a_crisis_is_reported_as_red_flag_of_type_crisis() -> None:
    message = classified("Ich will nicht mehr", [("out_of_scope", 0.5)])
    annotate_message(message, TriageResult("crisis", "classifier"))
    assert message.get("intent")["name"] == "red_flag" and entity(message, "red_flag_type") == "crisis"


def test_a_red_flag_guessed_by_the_faq_classifier_is_dropped() -> None:
    message = classified("Was bedeutet Teerstuhl?", [("red_flag", 0.7), ("diagnosis", 0.2)])
    annotate_message(message, TriageResult("none"))
    assert message.get("intent")["name"] == "diagnosis"
    assert all(e["name"] != "red_flag" for e in message.get("intent_ranking"))
    assert entity(message, "red_flag_type") is None


@pytest.mark.parametrize("text, own", [("Habe ich Leaky Gut?", True), ("Was ist Leaky Gut?", False)])
def test_every_message_says_whether_it_is_about_the_user(text: str, own: bool) -> None:
    message = classified(text, [("diagnosis", 0.9)])
    annotate_message(message, TriageResult("none"))
    assert entity(message, "own_situation") is own


def test_a_rule_emergency_needs_the_classifiers_confirmation() -> None:
    text = "Wie erkennt man eigentlich, ob Brustschmerzen vom Herz kommen?"
    doubtful = {"crisis": 0.01, "emergency": 0.04, "none": 0.95}
    assert triage_text(text, doubtful, CONFIRMING).outcome == "none"
    confirming = {"crisis": 0.01, "emergency": 0.2, "none": 0.79}
    result = triage_text(text, confirming, CONFIRMING)
    assert (result.outcome, result.emergency_level) == ("emergency", "call_112")


def test_a_rule_crisis_needs_no_confirmation() -> None:
    text = "Ich will mich umbringen"
    assert triage_text(text, NOTHING, Thresholds(0.5, 0.5, rule_confirmation=0.5)).outcome == "crisis"


def test_without_a_classifier_the_rules_act_alone() -> None:
    result = triage_text("Seit gestern Blut im Stuhl", {}, Thresholds(0.5, 0.5, rule_confirmation=0.5))
    assert result.outcome == "emergency"
