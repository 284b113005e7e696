"""Does typo correction help? Intent accuracy with and without `components.typo_correction`.

python -m tests.nlu.evaluate_typos [model.tar.gz]

Four figures from the trained model (not retrained): the unseen messages of tests/nlu/fresh_dev.yml,
clean and with keyboard typos (tests/nlu/fresh_dev_typos.yml, see tests/nlu/typo_set.py), each as typed
and corrected first, and how many messages the corrections made right and wrong. The corrector is
built as `TypoCorrector.train` builds it, from data/nlu.

In the pipeline the corrected text feeds only the FAQ features; the triage stage and the language
check read the text as typed. Here the model parses the corrected text whole, so for a corrected
message whose typed text the triage or the language check would override (or whose corrected text
they override and the typed one not), the typed text's override is taken and the disagreement counted.

Then tests/triage/dev.yml: how many messages the corrector changes, and whether any of them changes its
red-flag hit (components.safety_checks.find_red_flag), with the word-level alarm guard alone and with the
whole corrector (which also keeps a message as typed if its hit would change).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Sequence, Tuple

from rasa.shared.nlu.training_data.loading import load_data

from components import safety_checks
from components.language_guard import OTHER_LANGUAGE_INTENT
from components.triage import RED_FLAG_INTENT
from components.typo_correction import TypoCorrection, training_texts, words_of
from tests.nlu.evaluate import MODEL
from tests.nlu.holdout import Example, load_unseen
from tests.nlu.typo_set import SOURCE_PATH, load_typo_set
from tests.triage.sets import DEV_SET, load_set

OVERRIDING_INTENTS = (RED_FLAG_INTENT, OTHER_LANGUAGE_INTENT)  # set from the typed text in the pipeline
TRAINING_DATA = Path(__file__).resolve().parents[2] / "data" / "nlu"


@dataclass(frozen=True)
class Outcome:
    """One message, parsed as typed and, where the corrector changed it, corrected."""

    expected: str
    as_typed: str  # predicted intent
    corrected: str  # predicted intent in the pipeline with the corrector
    changed: bool
    override_disagreement: bool


def accuracy_line(name: str, outcomes: Sequence[Outcome], corrected: bool) -> str:
    intents = [outcome.corrected if corrected else outcome.as_typed for outcome in outcomes]
    right = sum(intent == outcome.expected for intent, outcome in zip(intents, outcomes))
    fallback = sum(intent == "nlu_fallback" for intent in intents)
    return (
        f"{name:>26}: intent accuracy {right / len(outcomes):.3f}, "
        f"nicht verstanden {fallback / len(outcomes):.3f} ({len(outcomes)} messages)"
    )


def effect_line(outcomes: Sequence[Outcome]) -> str:
    fixed = sum(o.as_typed != o.expected and o.corrected == o.expected for o in outcomes)
    broken = sum(o.as_typed == o.expected and o.corrected != o.expected for o in outcomes)
    changed = sum(o.changed for o in outcomes)
    disagreements = sum(o.override_disagreement for o in outcomes)
    return (
        f"{'':>26}  corrector changed {changed} messages: {fixed} now right, {broken} now wrong; "
        f"{disagreements} triage/language overrides taken from the typed text"
    )


def build_corrector() -> TypoCorrection:
    """The corrector `TypoCorrector.train` builds from the project's NLU training data."""
    return TypoCorrection.from_training_counts(words_of(training_texts(load_data(str(TRAINING_DATA)))))


async def parse_both(agent: Any, example: Example, corrector: TypoCorrection) -> Outcome:
    as_typed = (await agent.parse_message(example.text))["intent"]["name"]
    corrected_text = corrector.correct_text(example.text)
    if corrected_text == example.text:
        return Outcome(example.intent, as_typed, as_typed, False, False)
    corrected = (await agent.parse_message(corrected_text))["intent"]["name"]
    if as_typed in OVERRIDING_INTENTS or corrected in OVERRIDING_INTENTS:
        return Outcome(example.intent, as_typed, as_typed, True, corrected != as_typed)
    return Outcome(example.intent, as_typed, corrected, True, False)


def triage_changes(corrector: TypoCorrection) -> Tuple[int, List[str], List[str]]:
    """(messages changed, hits changed by the word-level corrections, hits changed by correct_text)."""
    changed = 0
    by_words: List[str] = []
    by_text: List[str] = []
    for example in load_set(DEV_SET):
        before = safety_checks.find_red_flag(example.text)
        words_only = corrector.correct_words(example.text)
        changed += words_only != example.text
        if safety_checks.find_red_flag(words_only) != before:
            by_words.append(f"{before} -> {safety_checks.find_red_flag(words_only)}")
        if safety_checks.find_red_flag(corrector.correct_text(example.text)) != before:
            by_text.append(example.category)
    return changed, by_words, by_text


async def main(model: Path) -> None:
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)  # Rasa's debug log would print every message text
    corrector = build_corrector()
    agent = Agent.load(str(model))
    sets: Dict[str, List[Example]] = {"clean": load_unseen(SOURCE_PATH), "typos": load_typo_set()}
    print(f"model {model.name}")
    for set_name, examples in sets.items():
        outcomes = [await parse_both(agent, example, corrector) for example in examples]
        print(accuracy_line(f"fresh_dev {set_name} as typed", outcomes, corrected=False))
        print(accuracy_line(f"fresh_dev {set_name} corrected", outcomes, corrected=True))
        print(effect_line(outcomes))
    changed, by_words, by_text = triage_changes(corrector)
    print(
        f"tests/triage/dev.yml: {changed} messages changed by the word corrections; red-flag hit changed "
        f"by the word corrections alone: {len(by_words)}, by the corrector: {len(by_text)}"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", type=Path, default=MODEL)
    asyncio.run(main(parser.parse_args().model))
