"""The line for a message in another language, generated from domain.yml by the project's NLG.

addons/contact_data_hint.py passes the practice's values to every response, so {phone} is filled in a
response that no custom action sends; the slot `language` chooses the variation.
"""

import re
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
from rasa.core.nlg.generator import ResponseVariationFilter
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.contact_data_hint import ContactDataHintNLG
from components import language_guard
from practice.config import load_practice_config
from tests.language.sets import FOREIGN_LANGUAGES

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.load(str(PROJECT_ROOT / "domain.yml"))
RESPONSE = "utter_other_language"
# A word of each line that only its language has, so a line in the wrong language is noticed.
WORD_OF = {
    "en": "German",
    "tr": "Almanca",
    "ar": "الألمانية",
    "ru": "немецком",
    "uk": "німецькою",
    "pl": "niemiecku",
}


def tracker_with(slots: Dict[str, Any], last_message: str = "...") -> DialogueStateTracker:
    events = [
        ActionExecuted("action_listen"),
        UserUttered(last_message),
        *(SlotSet(name, value) for name, value in slots.items()),
    ]
    return DialogueStateTracker.from_events("language-test", events, slots=DOMAIN.slots)


async def line(language: Optional[str], **kwargs: Any) -> str:
    slots = {"language": language} if language else {}
    nlg = ContactDataHintNLG(domain=DOMAIN)
    response = await nlg.generate(RESPONSE, tracker_with(slots), "rest", **kwargs)
    return response["text"]


@pytest.mark.parametrize("language", FOREIGN_LANGUAGES)
async def test_the_line_is_in_the_language_with_the_phone_and_112(language: str) -> None:
    text, phone = await line(language), load_practice_config().phone
    assert WORD_OF[language] in text
    assert phone in text and "112" in text
    assert "{" not in text, "every placeholder filled"
    assert len(re.findall(r"[.!?](\s|$)", text.replace(phone, ""))) <= 2, "one or two short sentences"


async def test_without_a_language_the_line_is_english() -> None:
    assert WORD_OF["en"] in await line(None)


@pytest.mark.parametrize("language", FOREIGN_LANGUAGES)
def test_exactly_one_variation_fits_each_language(language: str) -> None:
    """Rasa picks at random among all variations that fit, so no two may fit the same slot value."""
    slots = {**{slot.name: None for slot in DOMAIN.slots}, "language": language}
    fitting = ResponseVariationFilter(DOMAIN.responses).responses_for_utter_action(RESPONSE, "rest", slots)
    assert len(fitting) == 1 and WORD_OF[language] in fitting[0]["text"]


def test_every_value_of_the_slot_has_its_variation() -> None:
    [slot] = [slot for slot in DOMAIN.slots if slot.name == "language"]
    conditions = [v["condition"][0]["value"] for v in DOMAIN.responses[RESPONSE] if v.get("condition")]
    values = [value for value in slot.values if value != "__other__"]  # Rasa adds __other__ itself
    assert sorted(conditions) == sorted(values) == sorted(language_guard.FOREIGN_LANGUAGES.values())


async def test_values_an_action_passes_win_over_the_practice_config() -> None:
    assert "030 999999" in await line("tr", phone="030 999999")


async def test_the_practice_values_reach_responses_no_action_sends() -> None:
    """Every {placeholder} of a practice value in domain.yml is filled, whoever sends the response."""
    values = load_practice_config().template_values()
    nlg = ContactDataHintNLG(domain=DOMAIN)
    for name in ("utter_technical_problem", "utter_contact_practice", "utter_booking"):
        response = await nlg.generate(name, tracker_with({}), "rest")
        assert values["phone"] in response["text"], name


async def test_the_german_contact_data_hint_is_not_put_before_the_foreign_line() -> None:
    tracker = tracker_with({"contact_data": True, "language": "pl"}, "mój numer to 0162 44455566")
    response = await ContactDataHintNLG(domain=DOMAIN).generate(RESPONSE, tracker, "rest")
    assert response["text"].startswith("Jestem")
    german_answer = await ContactDataHintNLG(domain=DOMAIN).generate("utter_thank", tracker, "rest")
    assert german_answer["text"].startswith("Sie müssen mir keine Telefonnummer"), "the hint still works"
