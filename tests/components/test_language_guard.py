"""The language check (components/language_guard.py) with the real detector, on messages written here.

The evidence sets are scored in tests/language/test_language_sets.py; these are the rules one by one.
"""

from typing import List, Optional

import pytest
from rasa.shared.nlu.training_data.message import Message

from components.language_guard import LanguageGuard, default_check
from components.triage import TriageResult, annotate_message


def classified(text: str, intent: str = "nlu_fallback") -> Message:
    """A message as the pipeline hands it on: intent, ranking, an entity of an earlier extractor."""
    ranking = [{"name": intent, "confidence": 0.9}, {"name": "out_of_scope", "confidence": 0.1}]
    return Message(
        data={
            "text": text,
            "intent": ranking[0],
            "intent_ranking": ranking,
            "entities": [{"entity": "trigger", "value": "stress"}],
        }
    )


def guarded(message: Message) -> Message:
    [processed] = LanguageGuard(default_check()).process([message])
    return processed


def language_entities(message: Message) -> List[str]:
    return [e["value"] for e in message.get("entities") or [] if e["entity"] == "language"]


def intent_name(message: Message) -> Optional[str]:
    return message.get("intent")["name"]


@pytest.mark.parametrize(
    "text, language",
    [
        ("Hello, I am new in Germany and would like to know if you treat bloating.", "en"),
        ("Merhaba, midem çok ağrıyor, ne zaman gelebilirim?", "tr"),
        ("مرحبا، أعاني من ألم في المعدة منذ أسبوع", "ar"),
        ("Здравствуйте, у меня болит живот, можно прийти завтра?", "ru"),
        ("Добрий день, у мене болить живіт, можна прийти завтра?", "uk"),
        ("Dzień dobry, od tygodnia boli mnie brzuch, kiedy mogę przyjść?", "pl"),
    ],
)
def test_a_message_in_one_of_the_six_languages_gets_other_language(text: str, language: str) -> None:
    message = guarded(classified(text))
    assert intent_name(message) == "other_language"
    assert message.get("intent_ranking")[0]["name"] == "other_language"
    assert language_entities(message) == [language]
    assert message.get("entities")[0]["entity"] == "trigger", "entities of earlier extractors are kept"


@pytest.mark.parametrize(
    "text",
    [
        "Was ist Leaky Gut und wie wird es festgestellt?",
        "hallo ich hab seit tagen durchfall, muss ich sofort kommen",
        # foreign names, whose letters alone make the detector sure of Turkish or Polish
        "Ich heiße Małgorzata Wiśniewska und hätte gern einen Termin",
        "mein name ist şükrü çelik",
        "Hallo Herr Yıldız",
        # English words in German sentences
        "Ich habe seit Wochen Bloating und Brain Fog, kann das vom Darm kommen?",
        "sorry for my bad german, ich verstehe nicht alles",
        "Book me an appointment, bitte.",
    ],
)
def test_a_german_message_stays_german(text: str) -> None:
    message = guarded(classified(text, "what_is_leaky_gut"))
    assert intent_name(message) == "what_is_leaky_gut"
    assert language_entities(message) == []


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "hi",
        "danke",
        "Leaky Gut?",
        "merci",
        "Ayşe Yılmaz",
        "katarzyna nowak",
        "dzień dobry",
        "thanks a lot",
    ],
)
def test_a_short_message_stays_german(text: str) -> None:
    """One or two words tell no language safely: greetings Germans use, names, the topic's English name."""
    assert default_check().language_of(text) is None


def test_short_english_stays_with_the_faq_model_but_a_sentence_does_not() -> None:
    check = default_check()
    assert check.language_of("Who won the Champions League last year?") is None
    assert check.language_of("My stomach hurts after every meal and I feel tired all day.") == "en"


def test_a_message_in_arabic_or_cyrillic_letters_needs_no_length() -> None:
    """German is never written in these letters, so one word is enough; ru or uk by the detector."""
    check = default_check()
    assert [check.language_of(text) for text in ("شكرا", "спасибо", "дякую")] == ["ar", "ru", "uk"]


def test_an_urgent_message_is_never_overridden() -> None:
    text = "I have terrible chest pain and I cannot breathe, please help me quickly"
    assert default_check().language_of(text) == "en", "the check alone would take it for English"
    message = classified(text, "nlu_fallback")
    annotate_message(message, TriageResult("emergency", "classifier"))  # as the triage stage marks it
    assert intent_name(guarded(message)) == "red_flag"
    assert language_entities(message) == []


def test_button_payloads_are_not_checked() -> None:
    message = guarded(classified('/causes{"trigger": "stress"}', "causes"))
    assert intent_name(message) == "causes" and language_entities(message) == []


def test_nothing_to_read_stays_german() -> None:
    check = default_check()
    assert [check.language_of(text) for text in ("", "👍🙂", "0171 2345678", "???")] == [None] * 4
