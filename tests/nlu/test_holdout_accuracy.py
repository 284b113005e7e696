"""Judges the NLU on held-out messages it never saw: clean, and with typos/lower case/no umlauts.

Three sets, each written independently of the training data: holdout.yml, blind.yml, sealed.yml.
Messages that also occur word for word in the training data (short ones such as "Hallo") are left
out of the scores, so they measure how the assistant does on messages it has not seen.
"""

from pathlib import Path
from typing import Callable, List

import pytest

from tests.nlu.holdout import HOLDOUT_PATH, Example, accuracy, load_holdout, load_unseen, noisy_holdout

EVALUATION_SETS = [HOLDOUT_PATH, HOLDOUT_PATH.with_name("blind.yml"), HOLDOUT_PATH.with_name("sealed.yml")]

CLEAN_TARGET = 0.97
NOISY_TARGET = 0.93


@pytest.fixture(scope="module")
async def classify(nlu_agent) -> Callable[[str], str]:
    cache = {}
    texts = set()
    for path in EVALUATION_SETS:
        texts |= {e.text for e in load_unseen(path)} | {e.text for e in noisy_holdout(load_unseen(path))}
    for text in texts:
        cache[text] = (await nlu_agent.parse_message(text))["intent"]["name"]
    return cache.__getitem__


def _report(misses) -> str:
    return "\n".join(f"  {e.intent:>25} -> {p:<25} {e.text}" for e, p in misses)


def test_holdout_is_not_in_training_data() -> None:
    from tests.nlu.holdout import training_texts

    training = training_texts()
    leaked = [e.text for e in load_holdout() if e.text.lower() in training]
    assert not leaked, f"held-out messages found in data/nlu: {leaked}"


@pytest.mark.parametrize("path", EVALUATION_SETS, ids=lambda p: p.stem)
def test_evaluation_set_covers_every_intent(path: Path) -> None:
    import yaml

    domain_intents = set(yaml.safe_load(open("domain.yml", encoding="utf-8"))["intents"])
    # Messages in other languages have their own set (tests/language/), these sets are German.
    assert {e.intent for e in load_holdout(path)} == domain_intents - {"other_language"}


@pytest.mark.parametrize("path", EVALUATION_SETS, ids=lambda p: p.stem)
def test_intent_accuracy_on_clean_messages(classify, path: Path) -> None:
    examples: List[Example] = load_unseen(path)
    score, misses = accuracy(examples, classify)
    print(f"{path.stem} clean intent accuracy: {score:.3f} on {len(examples)} messages")
    assert score >= CLEAN_TARGET, f"accuracy {score:.3f} < {CLEAN_TARGET}; misses:\n{_report(misses)}"


@pytest.mark.parametrize("path", EVALUATION_SETS, ids=lambda p: p.stem)
def test_intent_accuracy_on_noisy_messages(classify, path: Path) -> None:
    examples = noisy_holdout(load_unseen(path))
    score, misses = accuracy(examples, classify)
    print(f"{path.stem} noisy intent accuracy: {score:.3f} on {len(examples)} messages")
    assert score >= NOISY_TARGET, f"accuracy {score:.3f} < {NOISY_TARGET}; misses:\n{_report(misses)}"
