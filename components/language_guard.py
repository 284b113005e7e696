"""The language check: a typed message in another language gets the intent `other_language`.

The assistant understands German only, so a message in English, Turkish, Arabic, Russian, Ukrainian or
Polish (the languages most spoken by patients in Germany besides German) is answered with one line in
that language (`utter_other_language`: German only, the practice's phone, 112 in an emergency) instead
of "nicht verstanden". The entity `language` (en, tr, ar, ru, uk, pl) chooses the variation.

It runs after the triage stage and never overrides its `red_flag`. The detector is lingua, restricted
to German plus the six languages, with its models shipped in the package. A German message must never
be taken for a foreign one, so a message counts as foreign only on clear evidence (figures on
tests/language/foreign_messages.yml and the German sets: python -m tests.language.evaluate):
- written mostly in Arabic or Cyrillic letters: German is never written so, whatever the length;
- in Latin letters, one German function word (und, ist, habe, mein, bitte ...) keeps it German: foreign
  messages borrow German nouns (Termin, Überweisung), not German grammar, and German ones can carry
  foreign names typed in lower case ("mein name ist şükrü çelik"), whose letters alone make the detector
  certain of Turkish or Polish;
- otherwise the language is judged without the capitalised words, which are names (Ayşe Yılmaz) or German
  nouns in a foreign sentence: at least three words must remain, the detector must be confident of one
  foreign language, and the whole message must not look German either;
- English also needs a sentence of some length: short English is everyday German chat ("Cool,
  thanks!", "Book me an appointment, bitte.") that the FAQ model was trained to understand.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from lingua import ConfidenceValue, Language, LanguageDetector, LanguageDetectorBuilder
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from components.triage import RED_FLAG_INTENT

logger = logging.getLogger(__name__)

OTHER_LANGUAGE_INTENT = "other_language"
LANGUAGE_ENTITY = "language"
GERMAN = "de"
# The entity's values (ISO 639-1), as the slot `language` in domain.yml lists them.
FOREIGN_LANGUAGES: Dict[Language, str] = {
    Language.ENGLISH: "en",
    Language.TURKISH: "tr",
    Language.ARABIC: "ar",
    Language.RUSSIAN: "ru",
    Language.UKRAINIAN: "uk",
    Language.POLISH: "pl",
}
CYRILLIC_LANGUAGES = ("ru", "uk")

# Chosen on tests/language/foreign_messages.yml and the German NLU and triage sets (python -m
# tests.language.evaluate). German messages that pass the word rules below reach at most about 0.55 for
# Turkish or Polish, while foreign sentences mostly reach 0.85 and more; the English in the German sets
# ("bye see you", 0.82) is left to the English length rule.
MIN_CONFIDENCE = 0.8
# Three words at least: one or two may be a greeting any German types ("ciao", "merci", "servus") or a
# name typed in lower case ("ayşe yılmaz", "katarzyna nowak").
MIN_WORDS = 3
# English needs a sentence: the German sets hold English of up to seven words ("Who won the Champions
# League last year?", "Book me an appointment, bitte.") that German users type and the FAQ model answers.
MIN_ENGLISH_WORDS = 8
# German function words that are not also words of the six languages or their transliterations
# (so not "ich", "wie", "ja" (Polish), "die", "was", "war", "hat", "in", "so" (English), "bin", "nur"
# (Turkish), "den", "ob" (Ukrainian and Russian typed in Latin letters)): one of them means German grammar.
GERMAN_FUNCTION_WORDS = frozenset(
    """
    du wir ihr mich mein meine meinen meiner meinem dich uns unser unsere seine ihre ihren
    und oder aber doch nicht kein keine keinen nichts
    ist bist sind habe hab haben hatte kann können koennen muss müssen soll sollte möchte moechte würde wird
    werden der das ein eine einen einem einer mit von für fuer auf bei nach aus über unter vor seit zum zur
    beim vom wo warum wann wer welche welcher weil dass wenn als auch noch schon sehr
    bitte danke hallo hier jetzt heute gestern morgen
    """.split()
)
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF\uFB50-\uFDFF\uFE70-\uFEFF]")
CYRILLIC_LETTER = re.compile(r"[\u0400-\u052F]")


@dataclass(frozen=True)
class Script:
    letters: int
    arabic: int
    cyrillic: int

    @property
    def mostly_arabic(self) -> bool:
        return self.arabic * 2 > self.letters

    @property
    def mostly_cyrillic(self) -> bool:
        return self.cyrillic * 2 > self.letters


class ForeignLanguageCheck:
    """Tells the foreign language of a message, or None for German and for anything unclear."""

    def __init__(self, detector: LanguageDetector) -> None:
        self._detector = detector

    def language_of(self, text: str) -> Optional[str]:
        script = script_of(text)
        if script.mostly_arabic:
            return "ar"
        if script.mostly_cyrillic:
            scores = self.scores(text)
            return max(CYRILLIC_LANGUAGES, key=lambda code: scores.get(code, 0.0))
        return self._latin_language_of(text)

    def _latin_language_of(self, text: str) -> Optional[str]:
        words = WORD.findall(text)
        if any(word.lower() in GERMAN_FUNCTION_WORDS for word in words):
            return None
        uncapitalised = [word for word in words if not _capitalised(word)]
        if len(uncapitalised) < MIN_WORDS:
            return None
        scores = self.scores(" ".join(uncapitalised))
        language = max(scores, key=scores.__getitem__)
        if language == GERMAN or scores[language] < MIN_CONFIDENCE:
            return None
        if language == "en" and len(words) < MIN_ENGLISH_WORDS:
            return None
        whole = self.scores(text)
        if max(whole, key=whole.__getitem__) == GERMAN:
            return None
        return language

    def scores(self, text: str) -> Dict[str, float]:
        """The detector's confidence per language code (German and the six), summing to 1."""
        values: List[ConfidenceValue] = self._detector.compute_language_confidence_values(text)
        return {_code(value.language): value.value for value in values}


def script_of(text: str) -> Script:
    return Script(
        letters=sum(character.isalpha() for character in text),
        arabic=len(ARABIC_LETTER.findall(text)),
        cyrillic=len(CYRILLIC_LETTER.findall(text)),
    )


def _capitalised(word: str) -> bool:
    """A name or a German noun; one-letter words stay (the English "I")."""
    return len(word) > 1 and word[0].isupper()


def _code(language: Language) -> str:
    return GERMAN if language == Language.GERMAN else FOREIGN_LANGUAGES[language]


@lru_cache(maxsize=1)
def default_check() -> ForeignLanguageCheck:
    """One detector per process: its models take about 200 MB and 1.5 s to load, so they are loaded
    once, at model load, not when the first patient writes."""
    detector = (
        LanguageDetectorBuilder.from_languages(Language.GERMAN, *FOREIGN_LANGUAGES)
        .with_preloaded_language_models()
        .build()
    )
    return ForeignLanguageCheck(detector)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageGuard(GraphComponent):
    """Sets `other_language` and the entity `language` on typed messages in one of the six languages."""

    def __init__(self, check: ForeignLanguageCheck) -> None:
        self._check = check

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageGuard:
        return cls(default_check())

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/") or _intent_name(message) == RED_FLAG_INTENT:
                continue  # a button payload, or urgent: the triage's answer names 112 and stays
            language = self._check.language_of(text)
            if language is not None:
                logger.info("Language check: message in another language (%s)", language)  # never the text
                annotate_other_language(message, language)
        return messages


def annotate_other_language(message: Message, language: str) -> None:
    """The intent `other_language` (first in the ranking) and the entity `language` for one message."""
    intent = {INTENT_NAME_KEY: OTHER_LANGUAGE_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [
        e for e in message.get(INTENT_RANKING_KEY) or [] if e.get(INTENT_NAME_KEY) != OTHER_LANGUAGE_INTENT
    ]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)
    entity = {
        ENTITY_ATTRIBUTE_TYPE: LANGUAGE_ENTITY,
        ENTITY_ATTRIBUTE_VALUE: language,
        ENTITY_ATTRIBUTE_START: 0,
        ENTITY_ATTRIBUTE_END: len(message.get(TEXT) or ""),
        EXTRACTOR: LanguageGuard.__name__,
    }
    message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)


def _intent_name(message: Message) -> Optional[str]:
    return (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
