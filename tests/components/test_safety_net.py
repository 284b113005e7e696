from typing import List, Optional

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.safety_net import annotate_message

CONFIDENT = 0.6


def classified(text: str, ranking: List[tuple]) -> Message:
    message = Message(data={"text": text})
    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message.set("intent", entries[0])
    message.set("intent_ranking", entries)
    message.set("entities", [])
    return message


def entity(message: Message, name: str) -> Optional[object]:
    return next((e["value"] for e in message.get("entities") if e["entity"] == name), None)


def test_detected_red_flag_overrides_an_faq_prediction() -> None:
    message = classified("Kann Leaky Gut Blut im Stuhl machen? Ich habe das seit gestern.", [("extraintestinal_symptoms", 0.8)])
    annotate_message(message, CONFIDENT)
    assert message.get("intent") == {"name": "red_flag", "confidence": 1.0}
    assert message.get("intent_ranking")[1]["name"] == "extraintestinal_symptoms"
    assert entity(message, "red_flag_type") == "somatic"


def test_suicidal_statement_is_a_crisis() -> None:
    message = classified("Ich will nicht mehr leben", [("out_of_scope", 0.5)])
    annotate_message(message, CONFIDENT)
    assert message.get("intent")["name"] == "red_flag" and entity(message, "red_flag_type") == "crisis"


def test_unsure_classifier_alarm_without_detected_red_flag_is_demoted() -> None:
    message = classified("Ich habe Diclofenac genommen, macht das den Darm durchlässig?", [("red_flag", 0.45), ("causes", 0.4)])
    annotate_message(message, CONFIDENT)
    assert message.get("intent")["name"] == "causes"
    assert all(e["name"] != "red_flag" for e in message.get("intent_ranking"))
    assert entity(message, "red_flag_type") is None


def test_confident_classifier_alarm_is_kept() -> None:
    message = classified("Mir geht es richtig schlecht, es ist ein Notfall", [("red_flag", 0.9), ("out_of_scope", 0.05)])
    annotate_message(message, CONFIDENT)
    assert message.get("intent")["name"] == "red_flag" and entity(message, "red_flag_type") == "somatic"


@pytest.mark.parametrize("text, own", [("Habe ich Leaky Gut?", True), ("Was ist Leaky Gut?", False)])
def test_every_message_says_whether_it_is_about_the_user(text: str, own: bool) -> None:
    message = classified(text, [("diagnosis", 0.9)])
    annotate_message(message, CONFIDENT)
    assert entity(message, "own_situation") is own


def test_button_payloads_are_left_alone() -> None:
    message = classified("/affirm", [("affirm", 1.0)])
    annotate_message(message, CONFIDENT)
    assert message.get("entities") == [] and message.get("intent")["name"] == "affirm"
