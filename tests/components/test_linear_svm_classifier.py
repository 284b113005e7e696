"""The classifier: its model file (saved and loaded with skops, refusing unexpected types), its prediction."""

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse
import skops.io as sio
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    INTENT,
    INTENT_RANKING_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message

from components.linear_svm_classifier import LinearScorer, LinearSVMIntentClassifier


class NotAnEstimator:
    def __init__(self) -> None:
        self.payload = "anything a tampered model file could carry"


def _create(tmp_path: Path) -> tuple:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("svm")
    context = ExecutionContext(GraphSchema({}), node_name="svm")
    config = LinearSVMIntentClassifier.get_default_config()
    return (
        LinearSVMIntentClassifier.create(config, storage, resource, context),
        config,
        storage,
        resource,
        context,
    )


def test_fitted_classifier_round_trips_through_its_model_file(tmp_path: Path) -> None:
    component, config, storage, resource, context = _create(tmp_path)
    rng = np.random.default_rng(0)
    counts = np.vstack([rng.poisson(1, (20, 4)), rng.poisson(4, (20, 4))])  # n-gram counts, then vectors
    features = np.hstack([counts, rng.normal(0, 1, (40, 2))])
    labels = np.array(["greet"] * 20 + ["goodbye"] * 20)
    component.clf = component._new_pipeline(sparse_width=4).fit(features, labels)
    component.persist()

    loaded = LinearSVMIntentClassifier.load(config, storage, resource, context)

    np.testing.assert_allclose(loaded.clf.predict_proba(features), component.clf.predict_proba(features))


def test_model_file_with_an_unexpected_type_is_refused(tmp_path: Path) -> None:
    component, config, storage, resource, context = _create(tmp_path)
    with storage.write_to(resource) as model_dir:
        sio.dump(NotAnEstimator(), model_dir / f"{resource.name}.skops")

    with pytest.raises(ValueError, match="Refusing to load"):
        LinearSVMIntentClassifier.load(config, storage, resource, context)


def _message_with_features(counts: np.ndarray, vectors: np.ndarray) -> Message:
    """Word n-grams (2 columns), char n-grams (2 columns), optional vectors, as Rasa adds them."""
    message = Message(data={TEXT: "eine Frage"})
    message.add_features(
        Features(scipy.sparse.coo_matrix(np.ones((3, 2))), FEATURE_TYPE_SEQUENCE, TEXT, "words")
    )
    message.add_features(
        Features(scipy.sparse.coo_matrix(counts[:, :2]), FEATURE_TYPE_SENTENCE, TEXT, "words")
    )
    message.add_features(
        Features(scipy.sparse.coo_matrix(counts[:, 2:]), FEATURE_TYPE_SENTENCE, TEXT, "chars")
    )
    if vectors.size:
        message.add_features(Features(vectors, FEATURE_TYPE_SENTENCE, TEXT, "vectors"))
    return message


@pytest.mark.parametrize(
    "vector_width, intents, scorer",
    [
        (0, ["greet", "goodbye", "thank"], LinearScorer),
        (2, ["greet", "goodbye", "thank"], LinearScorer),
        (0, ["greet", "greet", "goodbye"], bool),  # two classes: sklearn's own predict_proba
    ],
)
def test_prediction_equals_rasas_feature_matrix_through_the_whole_sklearn_pipeline(
    tmp_path: Path, vector_width: int, intents: list, scorer: type
) -> None:
    component, *_ = _create(tmp_path)
    rng = np.random.default_rng(1)
    counts = np.vstack([rng.poisson(1, (20, 4)), rng.poisson(3, (20, 4)), rng.poisson(6, (20, 4))])
    counts[0] = 0  # a message with no known n-gram
    vectors = rng.normal(0, 1, (60, vector_width))
    labels = np.repeat(intents, 20)
    component.clf = component._new_pipeline(sparse_width=4).fit(np.hstack([counts, vectors]), labels)
    messages = [_message_with_features(counts[i : i + 1], vectors[i : i + 1]) for i in range(0, 60, 3)]

    expected = component.clf.predict_proba(LogisticRegressionClassifier._create_X(component, messages))
    np.testing.assert_allclose(
        component._create_X(messages).toarray(),
        LogisticRegressionClassifier._create_X(component, messages).toarray(),
    )
    component.process(messages)
    assert type(component._scorer) is scorer

    for message, probabilities in zip(messages, expected):
        ranking = {entry["name"]: entry["confidence"] for entry in message.get(INTENT_RANKING_KEY)}
        assert message.get(INTENT)["name"] == component.clf.classes_[probabilities.argmax()]
        np.testing.assert_allclose(
            [ranking[name] for name in component.clf.classes_], probabilities, rtol=1e-12
        )
    assert len({message.get(INTENT)["name"] for message in messages}) == len(set(intents))
