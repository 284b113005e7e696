"""The triage judged on messages written by people who never saw its rules, data or tests.

The development sets chose the classifier's thresholds (tests/triage/tune.py); these figures hold
it to what was measured with them. The sealed set is scored by `make bench`, not here.
"""

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Set

import pytest

from components.triage_model import load_triage_data
from tests.triage.sets import (
    ALL_SETS,
    DEVELOPMENT_SETS,
    load_set,
    outcome_from_parse,
    report,
    score,
)

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Figures:
    urgent_recall: float
    crisis_recall: float
    false_alarm_rate: float
    relatives_addressed: float


# Measured on each development set with the thresholds in config.yml, to the third decimal: false alarms
# rounded up (16/361 is 0.0443...), recalls rounded down; a change that does worse fails here.
FIGURES = {
    "dev": Figures(urgent_recall=0.997, crisis_recall=1.0, false_alarm_rate=0.031, relatives_addressed=1.0),
    "sealed11": Figures(
        urgent_recall=0.991, crisis_recall=0.983, false_alarm_rate=0.041, relatives_addressed=0.95
    ),
    "sealed12": Figures(
        urgent_recall=0.99, crisis_recall=0.98, false_alarm_rate=0.026, relatives_addressed=0.98
    ),
    "sealed13": Figures(
        urgent_recall=0.996, crisis_recall=1.0, false_alarm_rate=0.019, relatives_addressed=0.98
    ),
    "sealed14": Figures(
        urgent_recall=0.997, crisis_recall=0.98, false_alarm_rate=0.051, relatives_addressed=0.98
    ),
    "sealed15": Figures(
        urgent_recall=0.995, crisis_recall=1.0, false_alarm_rate=0.012, relatives_addressed=0.97
    ),
}


def _normalized(text: str) -> str:
    return re.sub(r"\W+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def _training_texts() -> Set[str]:
    """The triage data. (The FAQ's data share a few greetings such as "Hallo" with the sets: harmless.)"""
    return {_normalized(example.text) for example in load_triage_data(ROOT / "data" / "triage")}


@pytest.mark.parametrize("path", ALL_SETS, ids=lambda p: p.stem)
def test_sets_are_not_training_data(path: Path) -> None:
    training = _training_texts()
    leaked = [e.text for e in load_set(path) if _normalized(e.text) in training]
    assert not leaked, f"{path.name} messages found in the training data: {leaked[:5]}"


# Written as a second sealed set in the session whose first one (sealed10) had to become a development set;
# half the size by its brief, and its header says so.
SMALLER_THAN_THE_ISSUE_ASKS = {"sealed11"}


@pytest.mark.parametrize(
    "path", [p for p in ALL_SETS if p.stem not in SMALLER_THAN_THE_ISSUE_ASKS], ids=lambda p: p.stem
)
def test_sets_are_as_large_as_the_issue_asks(path: Path) -> None:
    examples = load_set(path)
    urgent = [e for e in examples if e.label != "none"]
    assert len(urgent) >= 300 and len(examples) - len(urgent) >= 300
    assert sum(e.category == "crisis_indirect" for e in examples) >= 60
    assert sum(e.about == "other" for e in urgent) >= 60


@pytest.mark.parametrize("path", DEVELOPMENT_SETS, ids=lambda p: p.stem)
async def test_development_set_figures_hold(nlu_agent, path: Path) -> None:
    examples = load_set(path)
    outcomes = {e.text: outcome_from_parse(await nlu_agent.parse_message(e.text)) for e in examples}
    result = score(examples, outcomes.__getitem__)
    summary = report(path.stem, result)
    expected = FIGURES[path.stem]
    assert result.crisis_recall >= expected.crisis_recall, summary
    assert result.urgent_recall >= expected.urgent_recall, summary
    assert result.false_alarm_rate <= expected.false_alarm_rate, summary
    addressed = result.other_person - len(result.other_person_wrong_address)
    assert addressed >= expected.relatives_addressed * result.other_person, summary
