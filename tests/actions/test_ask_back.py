"""Asking back on a near-tie between two topics, with titles from the domain's buttons."""

from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.ask_back import ActionAskBack, fallback_thresholds, two_close_topics
from tests.actions.conftest import make_tracker

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))


def ranking(*pairs: Any) -> List[Dict[str, Any]]:
    return [{"name": name, "confidence": confidence} for name, confidence in pairs]


def fallback_tracker(*pairs: Any) -> Tracker:
    tracker = make_tracker("Was hat Stress mit dem Darm zu tun?", intent="nlu_fallback")
    tracker.latest_message["intent_ranking"] = ranking(("nlu_fallback", 0.9), *pairs)
    return tracker


def test_the_thresholds_are_the_fallback_classifiers() -> None:
    pipeline = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    fallback = next(step for step in pipeline if step["name"] == "FallbackClassifier")
    assert fallback_thresholds()[0] == fallback["threshold"]


@pytest.mark.parametrize(
    "pairs, expected",
    [
        ((("holistic_view", 0.49), ("causes", 0.48), ("treatment", 0.02)), ("holistic_view", "causes")),
        ((("causes", 0.47), ("treatment", 0.46)), ("causes", "treatment")),
        ((("causes", 0.6), ("treatment", 0.2)), None),  # not close: the fallback had another reason
        ((("causes", 0.2), ("treatment", 0.15)), None),  # close but neither credible
        ((("greet", 0.45), ("thank", 0.44)), None),  # small talk is no topic to choose
        ((("out_of_scope", 0.45), ("causes", 0.40), ("diagnosis", 0.38)), ("causes", "diagnosis")),
        ((("causes", 0.5),), None),
    ],
)
def test_two_close_topics(pairs, expected) -> None:
    assert two_close_topics(ranking(*pairs), 0.3, 0.1) == expected


async def test_a_near_tie_is_asked_back_with_both_topics_as_buttons() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskBack().run(dispatcher, fallback_tracker(("holistic_view", 0.49), ("causes", 0.48)), DOMAIN)
    [message] = dispatcher.messages
    assert message["response"] == "utter_ask_back"
    assert [button["payload"] for button in message["buttons"]] == ["/holistic_view", "/causes"]
    assert [button["title"] for button in message["buttons"]] == ["Ganzheitlicher Blick", "Ursachen"]


async def test_a_topic_without_a_button_is_titled_from_the_practice_config() -> None:
    dispatcher = CollectingDispatcher()
    tracker = fallback_tracker(("extraintestinal_symptoms", 0.45), ("holistic_view", 0.44))
    await ActionAskBack().run(dispatcher, tracker, DOMAIN)
    titles = [button["title"] for button in dispatcher.messages[0]["buttons"]]
    assert titles[1] == "Ganzheitlicher Blick" and titles[0] and "_" not in titles[0]


async def test_without_two_credible_topics_the_topic_menu_is_sent() -> None:
    dispatcher = CollectingDispatcher()
    await ActionAskBack().run(dispatcher, fallback_tracker(("causes", 0.2), ("greet", 0.1)), DOMAIN)
    assert [message["response"] for message in dispatcher.messages] == ["utter_default"]
