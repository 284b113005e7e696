"""The sentence-only featurizer: Rasa's sentence features, and no sequence features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from components.sentence_count_vectors import SentenceCountVectorsFeaturizer

TRAINING = [
    ("was ist leaky gut", "what_is_leaky_gut"),
    ("kann stress den darm durchlaessig machen", "causes"),
    ("sieht man das bei einer darmspiegelung", "colonoscopy_visibility"),
    ("hallo", "greet"),
]
ASKED = [
    "was macht stress mit dem darm",
    "leaky gut darmspiegelung",
    "ganz neue woerter",
    "",
    "stress stress und nochmal stress im darm darm",
    "hallo hallo",
]


def _tokenized(texts_and_intents) -> list:
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    messages = [
        Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
        for text, intent in texts_and_intents
    ]
    tokenizer.process(messages)
    return messages


def _featurizer(cls, config: dict, tmp_path: Path, name: str):
    context = ExecutionContext(GraphSchema({}), node_name=name)
    return cls.create(
        {**cls.get_default_config(), **config}, LocalModelStorage(tmp_path), Resource(name), context
    )


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"max_ngram": 2},
        {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 5},
        {"analyzer": "char", "max_ngram": 3},
    ],
)
def test_sentence_features_are_rasas_and_there_are_no_sequence_features(tmp_path: Path, config: dict) -> None:
    ours, rasas = (
        _featurizer(cls, config, tmp_path, cls.__name__)
        for cls in (SentenceCountVectorsFeaturizer, CountVectorsFeaturizer)
    )
    for featurizer in (ours, rasas):
        featurizer.train(TrainingData(_tokenized(TRAINING)))
    asked_ours, asked_rasas = _tokenized([(t, None) for t in ASKED]), _tokenized([(t, None) for t in ASKED])
    ours.process(asked_ours)
    rasas.process(asked_rasas)

    for mine, theirs in zip(asked_ours, asked_rasas):
        sequence, sentence = mine.get_sparse_features(TEXT)
        expected = theirs.get_sparse_features(TEXT)[1]
        assert sequence is None
        if expected is None:
            assert sentence is None
        else:
            assert sentence.features.format == expected.features.format == "coo"
            assert (sentence.features.shape, sentence.features.dtype) == (
                expected.features.shape,
                expected.features.dtype,
            )
            np.testing.assert_array_equal(sentence.features.toarray(), expected.features.toarray())
            np.testing.assert_array_equal(sentence.features.col, expected.features.col)
    assert asked_ours[0].get_sparse_features(TEXT)[1].features.sum() > 0
