"""Typo correction for the FAQ features: "Sprehcstunde" is read as "Sprechstunde" before spaCy sees it.

A word is corrected only when all of this holds:

* it has more than three letters, is not a contraction ("geht's") and is not known: neither a word of
  the training data (examples, lookup tables, synonyms) nor a German word (`wordfreq`'s large German
  list, which also has the colloquial and dialect spellings patients write: "kriagt", "heid"); all
  comparisons are made on the folded spelling (lower case, ae/oe/ue/ss), and a training word with its
  umlauts dropped ("mude") is known too, because patients type that way;
* one typo (a letter dropped, added, replaced, or swapped with its neighbour) turns it into a word of
  the training data; the one the training data use most wins;
* no alarm word (`AlarmVocabulary`) is involved: not the word itself, not any word of the red-flag
  patterns one typo from it, not any of its candidates. A correction must never create a red flag nor
  hide one, so where the patient may have meant an alarm word the spelling stays as typed ("Darn" stays,
  as "Darm" is a word of the patterns); and a message whose red-flag hit would change through its
  corrections stays as typed.

The German list is needed at training time only: what the corrector needs of it (the German words one
typo away from a training word, and the commonest words) is stored in the trained model.

In the pipeline, `TypoCorrector` replaces the message text with the corrected one before spaCy, the
tokenizer and the featurizers run, and keeps the text as typed; `TypedTextRestorer`, placed right after
the last featurizer, puts the typed text back, so the intent classifier reads corrected features while
the entity extractor, the triage stage, the language check, the contact-data check and everything stored
or logged see what the patient wrote.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import dataclass
from string import ascii_lowercase
from typing import Any, Dict, FrozenSet, Iterable, Iterator, List, Mapping, Optional, Pattern, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components import safety_checks

MAX_UNCHANGED_LENGTH = 3  # words this short are never changed: one typo makes too many of them
TYPED_TEXT = "typed_text"  # message attribute: the text as the patient typed it (not part of the output)
VOCABULARY_FILE = "typo_vocabulary.json"

_FOLDING = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_UMLAUT_DROPPED = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})
# letters, and contractions joined by an apostrophe ("geht's", "g'schriebn"), which stay as typed
_WORD = re.compile(r"[A-Za-zÄÖÜäöüß]+(?:['’][A-Za-zÄÖÜäöüß]+)*")
_ALPHABET = ascii_lowercase


# --- spelling ------------------------------------------------------------------------------------


def fold(word: str) -> str:
    """The spelling all comparisons use: lower case, ä/ö/ü/ß as ae/oe/ue/ss (as components do)."""
    return word.lower().translate(_FOLDING)


def umlauts_dropped(word: str) -> str:
    """How patients without a German keyboard type it: "müde" -> "mude"."""
    return word.lower().translate(_UMLAUT_DROPPED)


def one_typo_variants(word: str) -> Iterator[str]:
    """Every string one typo away from `word`: a letter dropped, added, replaced or swapped."""
    for index in range(len(word) + 1):
        head, tail = word[:index], word[index:]
        for letter in _ALPHABET:
            yield head + letter + tail
            if tail and tail[0] != letter:
                yield head + letter + tail[1:]
        if tail:
            yield head + tail[1:]
        if len(tail) > 1 and tail[0] != tail[1]:
            yield head + tail[1] + tail[0] + tail[2:]


def with_casing_of(typed: str, spelling: str) -> str:
    """`spelling` in the case the patient used: "SPREHCSTUNDE" -> "SPRECHSTUNDE", "Zonuiln" -> "Zonulin"."""
    if len(typed) > 1 and typed.isupper():
        return spelling.upper()
    if typed[:1].isupper():
        return spelling[:1].upper() + spelling[1:]
    return spelling


# --- alarm vocabulary ----------------------------------------------------------------------------

MIN_STEM_LENGTH = 4  # shorter stems would make whole swathes of the language alarm words
# Words at least this frequent (Zipf) are the language's grammar ("mich", "noch", "jetzt", "einen"): in a
# red-flag pattern they are only the context around a sign word, so they are not alarm words by themselves;
# the message check (`TypoCorrection.correct_text`) catches a correction that completes or breaks a pattern.
# The pattern file's own typo-tolerant words ("nicht", "leben", "mehr") stay alarm words however frequent.
COMMON_WORD_ZIPF = 5.0


@dataclass(frozen=True)
class AlarmVocabulary:
    """The words of the red-flag checks (components/safety_patterns.yml), folded.

    `words`: the words the red-flag and combination patterns are written with, less the commonest words
    of the language, plus the pattern file's typo-tolerant words and dialect spellings; `stems`: pattern
    words with any ending (`blutig\\w*`); `typo_sources`: spellings the red-flag check itself turns into
    an alarm word ("bluat", "fiebr" one typo from "fieber"); `sign_patterns`: the compiled red-flag
    patterns, for a word that is a red flag all by itself through an alternative no literal reading sees
    (`durchfa(?:e)?h?l\\w*`).
    """

    words: FrozenSet[str]
    stems: Tuple[str, ...]
    typo_sources: FrozenSet[str]
    sign_patterns: Tuple[Pattern[str], ...]

    def contains(self, folded: str) -> bool:
        return (
            self.names(folded)
            or folded in self.typo_sources
            or any(pattern.fullmatch(folded) for pattern in self.sign_patterns)
        )

    def names(self, folded: str) -> bool:
        """A word or stem of the patterns: fast enough to ask of every spelling one typo away."""
        return folded in self.words or folded.startswith(self.stems)


def without_negative_lookarounds(source: str) -> str:
    """The regex without its `(?!...)` and `(?<!...)` groups: words there stop a match, they make none."""
    kept: List[str] = []
    index = 0
    while index < len(source):
        if source.startswith(("(?!", "(?<!"), index):
            index = _after_group(source, index)
            continue
        kept.append(source[index])
        index += 1
    return "".join(kept)


def _after_group(source: str, start: int) -> int:
    """The index just past the group that opens at `start` (escaped brackets do not count)."""
    depth = 0
    index = start
    while index < len(source):
        char = source[index]
        if char == "\\":
            index += 2
            continue
        depth += {"(": 1, ")": -1}.get(char, 0)
        index += 1
        if depth == 0:
            break
    return index


def pattern_literals(source: str) -> Tuple[List[str], List[str]]:
    """(words, stems) written literally in a regex of the pattern file, outside negative lookarounds."""
    marked = re.sub(r"\\w[*+]", "*", without_negative_lookarounds(source))  # the literal before: a stem
    marked = re.sub(r"\\.", " ", marked)  # \b, \d, \s: no letters of a word
    words: List[str] = []
    stems: List[str] = []
    for match in re.finditer(r"([a-z]+)([*?])?", marked):
        literal, continuation = match.groups()
        words.append(literal)
        if continuation == "?":  # "stuehle?": the word without its last letter is written too
            words.append(literal[:-1])
        elif continuation == "*" and len(literal) >= MIN_STEM_LENGTH:
            stems.append(literal)
    return words, stems


def alarm_vocabulary(
    common_words: FrozenSet[str] = frozenset(),
    patterns: safety_checks.SafetyPatterns = safety_checks.PATTERNS,
) -> AlarmVocabulary:
    """The alarm words of the loaded pattern file (the compiled patterns the red-flag check runs)."""
    sign_patterns = tuple(rule.regex for rule in patterns.red_flags)
    sign_patterns += tuple(part for rule in patterns.combinations for part in rule.parts)
    literal_words: set = set()
    stems: set = set()
    for pattern in sign_patterns:
        words, word_stems = pattern_literals(pattern.pattern)
        literal_words.update(words)
        stems.update(word_stems)
    # dialect spellings are sources the red-flag check reads as alarm words; their standard spellings
    # ("habe" for "hob") are alarm words only if the patterns make them so
    always = set(patterns.typo_corrections.values()) | set(patterns.dialect_words)
    return AlarmVocabulary(
        words=frozenset((literal_words - common_words) | always),
        stems=tuple(sorted(stem for stem in stems if stem not in common_words)),
        typo_sources=frozenset(patterns.typo_corrections),
        sign_patterns=sign_patterns,
    )


# --- vocabulary ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A training word the corrector may write: its spelling, and what ranks it among candidates."""

    spelling: str  # as the training data write it most often ("müde" rather than "muede")
    count: int  # occurrences in the training data
    zipf: float  # frequency in German (Zipf scale), 0 for words the German list lacks ("zonulin")


@dataclass(frozen=True)
class Vocabulary:
    """What the corrector knows, all folded; stored in the trained model."""

    targets: Mapping[str, Target]  # the training words: known, and the only words it corrects into
    protected: FrozenSet[str]  # real words one typo from a training word ("mann"): never changed
    common_words: FrozenSet[str]  # the language's commonest words, no alarm words by themselves

    def knows(self, folded: str) -> bool:
        return folded in self.targets or folded in self.protected

    def to_json(self) -> str:
        return json.dumps(
            {
                "targets": {word: [t.spelling, t.count, t.zipf] for word, t in sorted(self.targets.items())},
                "protected": sorted(self.protected),
                "common_words": sorted(self.common_words),
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Vocabulary:
        data = json.loads(text)
        targets = {word: Target(*values) for word, values in data["targets"].items()}
        return cls(targets, frozenset(data["protected"]), frozenset(data["common_words"]))


def words_of(texts: Iterable[str]) -> Counter:
    """How often each word (lower case, as written) occurs in `texts`."""
    counts: Counter = Counter()
    for text in texts:
        counts.update(word.lower() for word in _WORD.findall(text or ""))
    return counts


def training_texts(training_data: TrainingData) -> List[str]:
    """The example texts, the lookup-table entries and the synonyms of Rasa NLU training data."""
    texts = [message.get(TEXT) or "" for message in training_data.training_examples]
    texts += [str(element) for table in training_data.lookup_tables for element in table.get("elements", [])]
    texts += [f"{written} {value}" for written, value in training_data.entity_synonyms.items()]
    return texts


def german_word_frequencies() -> Dict[str, float]:
    """Folded word -> Zipf frequency (log10 of occurrences per billion words), wordfreq's large German list.

    Large (well over 100 MB in memory): build the vocabulary with it and let it go.
    """
    import wordfreq

    zipf: Dict[str, float] = {}
    for word, share in wordfreq.get_frequency_dict("de", wordlist="large").items():
        if word.isalpha():
            folded = fold(word)
            zipf[folded] = max(math.log10(share) + 9, zipf.get(folded, 0.0))
    return zipf


def build_vocabulary(training_counts: Mapping[str, int], german_zipf: Mapping[str, float]) -> Vocabulary:
    """The training words as targets, and what of the German list the corrector will ever need."""
    spellings: Dict[str, str] = {}
    counts: Counter = Counter()
    for word, count in training_counts.items():
        folded = fold(word)
        counts[folded] += count
        if count > training_counts.get(spellings.get(folded, ""), 0):
            spellings[folded] = word
    targets = {
        folded: Target(spelling, counts[folded], round(german_zipf.get(folded, 0.0), 2))
        for folded, spelling in spellings.items()
    }
    # only a word one typo from a training word can ever be corrected, so only those German words matter
    protected = {
        variant
        for word in targets
        if len(word) > MAX_UNCHANGED_LENGTH
        for variant in one_typo_variants(word)
        if variant in german_zipf and variant not in targets
    }
    protected |= {fold(umlauts_dropped(target.spelling)) for target in targets.values()} - set(targets)
    common = frozenset(word for word, zipf in german_zipf.items() if zipf >= COMMON_WORD_ZIPF)
    return Vocabulary(targets, frozenset(protected), common)


# --- correction ----------------------------------------------------------------------------------


class TypoCorrection:
    """Corrects single typos in the words of a message; see the module docstring for when."""

    def __init__(self, vocabulary: Vocabulary, alarm: Optional[AlarmVocabulary] = None) -> None:
        self._vocabulary = vocabulary
        # built from the pattern file in force, not stored with the model: the alarm words follow it
        self._alarm = alarm or alarm_vocabulary(vocabulary.common_words)

    @classmethod
    def from_training_counts(cls, training_counts: Mapping[str, int]) -> TypoCorrection:
        return cls(build_vocabulary(training_counts, german_word_frequencies()))

    @property
    def vocabulary(self) -> Vocabulary:
        return self._vocabulary

    def correct_text(self, text: str) -> str:
        """`text` with its typos corrected, or as typed if the corrections would change its red-flag hit.

        The word-level guard already keeps alarm words out; this catches a correction of one of the
        commonest words that completes or breaks a red-flag pattern, whatever the pattern file adds later.
        """
        corrected = self.correct_words(text)
        if corrected != text and safety_checks.find_red_flag(corrected) != safety_checks.find_red_flag(text):
            return text
        return corrected

    def correct_words(self, text: str) -> str:
        """Every word of `text` through `correct_word` (no message-level check)."""
        return _WORD.sub(lambda match: self.correct_word(match.group(0)), text)

    def correct_word(self, word: str) -> str:
        folded = fold(word)
        if len(word) <= MAX_UNCHANGED_LENGTH or not word.isalpha() or self._vocabulary.knows(folded):
            return word
        variants = set(one_typo_variants(folded))
        if self._alarm.contains(folded) or any(self._alarm.names(variant) for variant in variants):
            return word  # an alarm spelling, or one typo from an alarm word: the patient may mean it
        candidates = self.candidates(folded, variants)
        if not candidates or any(self._alarm.contains(candidate) for candidate in candidates):
            return word  # nothing close, or a candidate only the patterns show to be an alarm word
        targets = self._vocabulary.targets
        # the training data's own frequency first: it knows which words patients write here
        best = max(candidates, key=lambda candidate: (targets[candidate].count, targets[candidate].zipf))
        return with_casing_of(word, targets[best].spelling)

    def candidates(self, folded: str, variants: Optional[Iterable[str]] = None) -> List[str]:
        """Training words one typo away from `folded` (long enough to be corrected into), sorted."""
        targets = self._vocabulary.targets
        return sorted(
            {
                variant
                for variant in (one_typo_variants(folded) if variants is None else variants)
                if variant in targets and len(variant) > MAX_UNCHANGED_LENGTH
            }
        )


# --- Rasa components -----------------------------------------------------------------------------


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class TypoCorrector(GraphComponent):
    """Corrects the message text for the FAQ features; keeps the typed text for `TypedTextRestorer`.

    A featurizer by type, because Rasa runs tokenizers and featurizers (and no other kind) over the
    training data too, in pipeline order: so the training data pass through it exactly as messages do
    (and come out unchanged: their words are the vocabulary).
    """

    def __init__(
        self,
        model_storage: ModelStorage,
        resource: Resource,
        correction: Optional[TypoCorrection] = None,
    ) -> None:
        self._model_storage = model_storage
        self._resource = resource
        self._correction = correction

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TypoCorrector:
        return cls(model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TypoCorrector:
        with model_storage.read_from(resource) as directory:
            vocabulary = Vocabulary.from_json((directory / VOCABULARY_FILE).read_text(encoding="utf-8"))
        return cls(model_storage, resource, TypoCorrection(vocabulary))

    def train(self, training_data: TrainingData) -> Resource:
        self._correction = TypoCorrection.from_training_counts(words_of(training_texts(training_data)))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / VOCABULARY_FILE).write_text(self._correction.vocabulary.to_json(), encoding="utf-8")
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        if self._correction is None:
            return messages
        for message in messages:
            typed = message.get(TEXT)
            if not typed:
                continue
            corrected = self._correction.correct_text(typed)
            if corrected != typed:
                message.set(TYPED_TEXT, typed)
                message.set(TEXT, corrected)
        return messages


def typed_offset(position: int, corrected: str, typed: str) -> int:
    """Where a character offset into `corrected` lies in `typed`.

    The corrector replaces whole words by whole words, so both texts have the same words in the same
    places between identical separators: an offset in a separator moves by the length the words
    before it gained or lost, an offset at a word's start or end moves to that word's start or end.
    """
    shift = 0
    for corrected_word, typed_word in zip(_WORD.finditer(corrected), _WORD.finditer(typed)):
        if position < corrected_word.start():
            break
        if position == corrected_word.end():
            return typed_word.end()
        if position < corrected_word.end():
            return min(typed_word.start() + position - corrected_word.start(), typed_word.end())
        shift = typed_word.end() - corrected_word.end()
    return position + shift


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class TypedTextRestorer(GraphComponent):
    """Puts back the text as typed once the FAQ features are made (see `TypoCorrector`).

    The tokens keep their (corrected) words for the features, but their offsets, which Rasa returns
    with the parse result (`text_tokens`), are moved to point into the typed text.
    """

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TypedTextRestorer:
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            typed = message.data.pop(TYPED_TEXT, None)
            if typed is None:
                continue
            corrected = message.get(TEXT)
            for token in message.get(TOKENS_NAMES[TEXT]) or []:
                token.start = typed_offset(token.start, corrected, typed)
                token.end = typed_offset(token.end, corrected, typed)
            message.set(TEXT, typed)
        return messages
