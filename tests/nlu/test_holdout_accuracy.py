"""Judges the NLU on held-out messages it never saw: clean, and with typos/lower case/no umlauts."""

from typing import Callable, List

import pytest

from tests.nlu.holdout import Example, accuracy, load_holdout, noisy_holdout

CLEAN_TARGET = 0.97
NOISY_TARGET = 0.93


@pytest.fixture(scope="module")
async def classify(nlu_agent) -> Callable[[str], str]:
    cache = {}
    texts = {e.text for e in load_holdout()} | {e.text for e in noisy_holdout(load_holdout())}
    for text in texts:
        cache[text] = (await nlu_agent.parse_message(text))["intent"]["name"]
    return cache.__getitem__


def _report(misses) -> str:
    return "\n".join(f"  {e.intent:>25} -> {p:<25} {e.text}" for e, p in misses)


def test_holdout_is_not_in_training_data() -> None:
    from rasa.shared.nlu.training_data.loading import load_data

    training = {m.get("text").lower() for m in load_data("data/nlu").intent_examples}
    leaked = [e.text for e in load_holdout() if e.text.lower() in training]
    assert not leaked, f"held-out messages found in data/nlu: {leaked}"


def test_holdout_covers_every_intent() -> None:
    import yaml

    domain_intents = set(yaml.safe_load(open("domain.yml", encoding="utf-8"))["intents"])
    assert {e.intent for e in load_holdout()} == domain_intents


def test_intent_accuracy_on_clean_messages(classify) -> None:
    examples: List[Example] = load_holdout()
    score, misses = accuracy(examples, classify)
    print(f"clean held-out intent accuracy: {score:.3f} on {len(examples)} messages")
    assert score >= CLEAN_TARGET, f"accuracy {score:.3f} < {CLEAN_TARGET}; misses:\n{_report(misses)}"


def test_intent_accuracy_on_noisy_messages(classify) -> None:
    examples = noisy_holdout(load_holdout())
    score, misses = accuracy(examples, classify)
    print(f"noisy held-out intent accuracy: {score:.3f} on {len(examples)} messages")
    assert score >= NOISY_TARGET, f"accuracy {score:.3f} < {NOISY_TARGET}; misses:\n{_report(misses)}"
