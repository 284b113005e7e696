"""The evidence for the language check (components/language_guard.py).

Foreign messages: tests/language/foreign_messages.yml, written by a person who never saw the check, in
English, Turkish, Arabic, Russian, Ukrainian and Polish, plus German near-misses (section `de`). German
messages: that `de` section, the FAQ evaluation sets (clean, and the noisy variant tests/nlu/evaluate.py
scores) and the triage dev set, read here as text only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List

import yaml

from tests.nlu.holdout import HOLDOUT_PATH, load_holdout, load_unseen, noisy_holdout
from tests.triage.sets import DEV_SET, load_set

FOREIGN_SET = Path(__file__).resolve().parent / "foreign_messages.yml"
FAQ_SETS = [HOLDOUT_PATH, HOLDOUT_PATH.with_name("blind.yml"), HOLDOUT_PATH.with_name("sealed.yml")]
FOREIGN_LANGUAGES = ("en", "tr", "ar", "ru", "uk", "pl")


@dataclass(frozen=True)
class Labelled:
    text: str
    language: str  # de, or one of FOREIGN_LANGUAGES
    source: str


def foreign_messages() -> Dict[str, List[str]]:
    """Messages per language of the foreign set, `de` included."""
    return yaml.safe_load(FOREIGN_SET.read_text(encoding="utf-8"))


def foreign_set() -> List[Labelled]:
    return [
        Labelled(text, language, "foreign_messages.yml")
        for language, texts in foreign_messages().items()
        if language != "de"
        for text in texts
    ]


def german_sets() -> Dict[str, List[str]]:
    """German messages by source; none may be taken for another language."""
    sets = {"foreign_messages.yml (de)": foreign_messages()["de"]}
    for path in FAQ_SETS:
        sets[path.name] = [example.text for example in load_holdout(path)]
        # the noisy variant exactly as tests/nlu/evaluate.py derives it (from the unseen messages)
        sets[f"{path.name} (noisy)"] = [example.text for example in noisy_holdout(load_unseen(path))]
    sets[DEV_SET.name] = [example.text for example in load_set(DEV_SET)]
    return sets
