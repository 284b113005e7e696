"""The held-out NLU set (tests/nlu/holdout.yml, never used for training) and its noisy variant."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

from rasa.shared.nlu.training_data.loading import load_data

HOLDOUT_PATH = Path(__file__).with_name("holdout.yml")
UMLAUT_SPELLINGS = {"ä": ("ae", "a"), "ö": ("oe", "o"), "ü": ("ue", "u"), "ß": ("ss",)}
TYPO_KINDS = ("swap", "drop", "double", "neighbour")
KEYBOARD_NEIGHBOURS = {
    "a": "s",
    "b": "v",
    "c": "x",
    "d": "s",
    "e": "r",
    "f": "g",
    "g": "h",
    "h": "j",
    "i": "o",
    "k": "l",
    "l": "k",
    "m": "n",
    "n": "m",
    "o": "i",
    "p": "o",
    "r": "t",
    "s": "a",
    "t": "z",
    "u": "i",
    "z": "u",
}


@dataclass(frozen=True)
class Example:
    text: str
    intent: str


def load_holdout(path: Path = HOLDOUT_PATH) -> List[Example]:
    data = load_data(str(path))
    return [Example(message.get("text"), message.get("intent")) for message in data.intent_examples]


def noisy_variant(text: str, seed: int) -> str:
    """What hurried users type: lower case, no punctuation, umlauts spelled out or dropped, typos."""
    rng = random.Random(seed)
    noisy = text.lower()
    for umlaut, spellings in UMLAUT_SPELLINGS.items():
        noisy = noisy.replace(umlaut, rng.choice(spellings))
    noisy = re.sub(r"[^\w\s]", " ", noisy)
    words = noisy.split()
    long_words = [index for index, word in enumerate(words) if len(word) >= 5]
    for index in rng.sample(long_words, k=min(len(long_words), 1 + len(words) // 8)):
        words[index] = _typo(words[index], rng)
    return " ".join(words)


def _typo(word: str, rng: random.Random) -> str:
    position = rng.randrange(1, len(word) - 1)
    kind = rng.choice(TYPO_KINDS)
    if kind == "swap":
        return word[:position] + word[position + 1] + word[position] + word[position + 2 :]
    if kind == "drop":
        return word[:position] + word[position + 1 :]
    if kind == "double":
        return word[:position] + word[position] + word[position:]
    neighbour = KEYBOARD_NEIGHBOURS.get(word[position], word[position])
    return word[:position] + neighbour + word[position + 1 :]


def noisy_holdout(examples: Sequence[Example]) -> List[Example]:
    return [Example(noisy_variant(e.text, seed=index), e.intent) for index, e in enumerate(examples)]


def accuracy(
    examples: Sequence[Example], classify: Callable[[str], str]
) -> Tuple[float, List[Tuple[Example, str]]]:
    """Share of examples whose predicted intent is right, and the misses (example, predicted)."""
    misses = []
    for example in examples:
        predicted = classify(example.text).split("/")[-1]
        if predicted != example.intent:
            misses.append((example, predicted))
    return 1 - len(misses) / len(examples), misses


def per_intent_counts(examples: Sequence[Example]) -> Dict[str, int]:
    counts: Dict[str, int] = {}
    for example in examples:
        counts[example.intent] = counts.get(example.intent, 0) + 1
    return counts


def training_texts(nlu_path: str = "data/nlu") -> set:
    return {message.get("text").lower() for message in load_data(nlu_path).intent_examples}


def load_unseen(path: Path = HOLDOUT_PATH) -> List[Example]:
    """The evaluation messages that do not occur word for word in the training data."""
    seen = training_texts()
    return [example for example in load_holdout(path) if example.text.lower() not in seen]
