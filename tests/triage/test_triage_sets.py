"""The triage judged on messages written by people who never saw its rules, data or tests.

The dev set (tests/triage/dev.yml) chose the classifier's thresholds (tests/triage/tune.py); these
figures hold it to what was measured with them. The sealed set is scored by `make bench`, not here.
"""

import re
import unicodedata
from pathlib import Path
from typing import Callable, Set

import pytest

from components.triage_model import load_triage_data
from tests.triage.sets import (
    DEV_SET,
    SEALED_SET,
    SEALED_SET_2,
    Outcome,
    load_set,
    outcome_from_parse,
    report,
    score,
)

ROOT = Path(__file__).resolve().parents[2]
# Measured on dev.yml with the thresholds in config.yml; a change that does worse fails here.
DEV_URGENT_RECALL = 0.99
DEV_CRISIS_RECALL = 1.0
DEV_FALSE_ALARM_RATE = 0.031
DEV_RELATIVES_ADDRESSED = 0.95


def _normalized(text: str) -> str:
    return re.sub(r"\W+", " ", unicodedata.normalize("NFKC", text).lower()).strip()


def _training_texts() -> Set[str]:
    """The triage data. (The FAQ's data share a few greetings such as "Hallo" with the sets: harmless.)"""
    return {_normalized(example.text) for example in load_triage_data(ROOT / "data" / "triage")}


@pytest.mark.parametrize("path", [DEV_SET, SEALED_SET, SEALED_SET_2], ids=lambda p: p.stem)
def test_sets_are_not_training_data(path: Path) -> None:
    training = _training_texts()
    leaked = [e.text for e in load_set(path) if _normalized(e.text) in training]
    assert not leaked, f"{path.name} messages found in the training data: {leaked[:5]}"


@pytest.mark.parametrize("path", [DEV_SET, SEALED_SET, SEALED_SET_2], ids=lambda p: p.stem)
def test_sets_are_as_large_as_the_issue_asks(path: Path) -> None:
    examples = load_set(path)
    urgent = [e for e in examples if e.label != "none"]
    assert len(urgent) >= 300 and len(examples) - len(urgent) >= 300
    assert sum(e.category == "crisis_indirect" for e in examples) >= 60
    assert sum(e.about == "other" for e in urgent) >= 60


@pytest.fixture(scope="module")
async def triage(nlu_agent) -> Callable[[str], Outcome]:
    outcomes = {e.text: outcome_from_parse(await nlu_agent.parse_message(e.text)) for e in load_set(DEV_SET)}
    return outcomes.__getitem__


def test_dev_set_figures_hold(triage) -> None:
    result = score(load_set(DEV_SET), triage)
    summary = report("dev", result)
    print(summary)
    assert result.crisis_recall >= DEV_CRISIS_RECALL, summary
    assert result.urgent_recall >= DEV_URGENT_RECALL, summary
    assert result.false_alarm_rate <= DEV_FALSE_ALARM_RATE, summary
    assert (
        result.other_person - len(result.other_person_wrong_address)
        >= DEV_RELATIVES_ADDRESSED * result.other_person
    ), summary
