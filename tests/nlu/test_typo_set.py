"""The cached typo set (tests/nlu/fresh_dev_typos.yml) is what tests/nlu/typo_set.py builds."""

import pytest

from tests.nlu.holdout import load_holdout, load_unseen
from tests.nlu.typo_set import (
    HEADER,
    SOURCE_PATH,
    TYPO_SET_PATH,
    load_typo_examples,
    load_typo_set,
    to_nlu_yaml,
    with_typos,
)


def test_cached_typo_set_is_rebuilt_exactly() -> None:
    pytest.importorskip("nlpaug", reason="nlpaug builds the typo set; the cached file is used without it")
    # fails when fresh_dev.yml changed: rebuild with `python -m tests.nlu.typo_set`
    assert TYPO_SET_PATH.read_text(encoding="utf-8") == to_nlu_yaml(with_typos(load_holdout(SOURCE_PATH)))


def test_every_message_is_a_dev_message_with_one_or_two_typos_and_its_intent() -> None:
    dev = {example.text: example.intent for example in load_holdout(SOURCE_PATH)}
    typos = load_typo_examples()
    assert TYPO_SET_PATH.read_text(encoding="utf-8").startswith(HEADER)
    assert len(typos) > 0.9 * len(dev)
    for example in typos:
        assert dev[example.typed_from] == example.intent
        typed_words, written_words = example.text.split(), example.typed_from.split()
        assert len(typed_words) == len(written_words)
        assert 1 <= sum(typed != written for typed, written in zip(typed_words, written_words)) <= 2


def test_evaluation_leaves_out_what_the_training_data_have_word_for_word() -> None:
    unseen = {example.text for example in load_unseen(SOURCE_PATH)}
    kept = load_typo_set()
    typed_from = {example.text: example.typed_from for example in load_typo_examples()}
    assert kept and all(typed_from[example.text] in unseen for example in kept)
    assert len(kept) < len(typed_from)  # fresh_dev has messages the training data have word for word
