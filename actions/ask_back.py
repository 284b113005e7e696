"""Asks back when two topics are almost equally likely, instead of "nicht verstanden".

Rasa's FallbackClassifier (config.yml) turns a message into `nlu_fallback` when the best intent is
unsure or the two best are close ("Was hat Stress mit dem Darm zu tun?": ganzheitlicher Blick or
Ursachen). Both readings are often good answers, so the patient is asked "Meinen Sie …?" with the two
topics as buttons, titled as patients see them elsewhere (practice/topics.py); the choice is then
answered by the usual rules. Without two credible topics the patient gets `utter_default`, the topic
menu. The domain is sent with this action (domain.yml) for the titles.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Text, Tuple

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from practice.topics import topic_titles

ASK_BACK_RESPONSE = "utter_ask_back"
NOT_UNDERSTOOD_RESPONSE = "utter_default"
FALLBACK_INTENT = "nlu_fallback"
# Intents that are no topic to choose between: small talk, urgent or foreign messages, off-topic.
NOT_A_TOPIC = frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "affirm",
        "deny",
        "bot_challenge",
        "out_of_scope",
        "red_flag",
        "other_language",
        FALLBACK_INTENT,
    }
)
CONFIG = Path(__file__).resolve().parent.parent / "config.yml"


def fallback_thresholds(config_path: Path = CONFIG) -> Tuple[float, float]:
    """(threshold, ambiguity_threshold) of the FallbackClassifier in config.yml (Rasa's defaults if unset)."""
    pipeline = yaml.safe_load(config_path.read_text(encoding="utf-8"))["pipeline"]
    fallback = next(step for step in pipeline if step["name"] == "FallbackClassifier")
    return float(fallback.get("threshold", 0.3)), float(fallback.get("ambiguity_threshold", 0.1))


def two_close_topics(
    ranking: Sequence[Mapping[str, Any]], threshold: float, ambiguity: float
) -> Optional[Tuple[Text, Text]]:
    """The two best topics if they are close (within the ambiguity threshold) and each credible (at least
    the fallback threshold less the ambiguity), else None."""
    ranked = sorted(
        (entry for entry in ranking if entry.get("name") not in NOT_A_TOPIC),
        key=lambda entry: entry.get("confidence") or 0.0,
        reverse=True,
    )
    if len(ranked) < 2:
        return None
    first, second = ranked[0], ranked[1]
    close = (first["confidence"] or 0.0) - (second["confidence"] or 0.0) < ambiguity
    credible = (second["confidence"] or 0.0) >= threshold - ambiguity
    return (first["name"], second["name"]) if close and credible else None


class ActionAskBack(Action):
    def name(self) -> Text:
        return "action_ask_back"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[Dict[Text, Any]]:
        ranking = tracker.latest_message.get("intent_ranking") or []
        topics = two_close_topics(ranking, *fallback_thresholds())
        if topics is None:
            dispatcher.utter_message(response=NOT_UNDERSTOOD_RESPONSE)
            return []
        titles = topic_titles(domain.get("responses") or {}, topics)
        buttons = [{"title": titles[intent], "payload": f"/{intent}"} for intent in topics]
        dispatcher.utter_message(response=ASK_BACK_RESPONSE, buttons=buttons)
        return []
