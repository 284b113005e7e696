"""Hints for staff: what in a message may be a personal detail, before it becomes training data.

The hints help; staff decide (they confirm for every example that it holds no names or other personal
details). German nouns are capitalised, so a capital letter alone says nothing: a word is flagged as a
possible name when it follows a form of address or title, or when it is capitalised inside a sentence
and is neither in the assistant's training vocabulary nor a common German word (wordfreq's German
frequencies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import FrozenSet, Iterable, List

from wordfreq import zipf_frequency

from practice.masking import find_emails, find_phone_numbers

NAME = "möglicher Name"
DATE = "Datum"
NUMBER = "Zahl"
CONTACT = "Kontaktdaten"
# Forms of address and titles that a name follows ("Frau Özdemir", "Dr. Berger", "Schwester Anna").
ADDRESS_WORDS = frozenset(
    "herr herrn frau fräulein dr prof professor schwester pfleger pflegerin doktor sohn tochter".split()
)
# Below this Zipf frequency (about once per ten million words) a capitalised word is rarely a noun a
# patient uses for symptoms or topics, and often a surname or place.
RARE_WORD_ZIPF = 2.5
MONTHS = "januar|jänner|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember"
DATE_PATTERN = re.compile(
    rf"\b\d{{1,2}}\.\s?(?:\d{{1,2}}\.(?:\d{{2,4}})?|(?:{MONTHS})\b(?:\s\d{{4}})?)", re.IGNORECASE
)
NUMBER_PATTERN = re.compile(r"\d+(?:[.,]\d+)*")
WORD_PATTERN = re.compile(r"[^\W\d_][\w'-]*")
SENTENCE_END = re.compile(r"[.!?:]\s*$")


@dataclass(frozen=True)
class Hint:
    kind: str  # German, shown to staff
    text: str


def personal_detail_hints(text: str, vocabulary: FrozenSet[str] = frozenset()) -> List[Hint]:
    """The parts of `text` that may be personal details, in order of appearance, each once."""
    hints: List[Hint] = []
    hints.extend(Hint(CONTACT, found) for found in [*find_emails(text), *find_phone_numbers(text)])
    dates = list(DATE_PATTERN.finditer(text))
    hints.extend(Hint(DATE, match.group(0)) for match in dates)
    hints.extend(
        Hint(NUMBER, match.group(0))
        for match in NUMBER_PATTERN.finditer(text)
        if not any(date.start() <= match.start() < date.end() for date in dates)
    )
    hints.extend(Hint(NAME, word) for word in possible_names(text, vocabulary))
    return _unique(hints)


def possible_names(text: str, vocabulary: FrozenSet[str]) -> Iterable[str]:
    previous = ""
    for match in WORD_PATTERN.finditer(text):
        word = match.group(0)
        sentence_start = not previous or bool(SENTENCE_END.search(text[: match.start()]))
        after_address = previous.casefold().rstrip(".") in ADDRESS_WORDS
        if word[0].isupper() and (after_address or (not sentence_start and _unknown(word, vocabulary))):
            yield word
        previous = word


def _unknown(word: str, vocabulary: FrozenSet[str]) -> bool:
    folded = word.casefold()
    return folded not in vocabulary and _zipf(folded) < RARE_WORD_ZIPF


@lru_cache(maxsize=4096)
def _zipf(word: str) -> float:
    return zipf_frequency(word, "de")


def _unique(hints: Iterable[Hint]) -> List[Hint]:
    seen, unique = set(), []
    for hint in hints:
        if hint not in seen:
            seen.add(hint)
            unique.append(hint)
    return unique
