"""The classifier's model file: saved and loaded with skops, refusing any type it does not expect."""

from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource

from components.linear_svm_classifier import LinearSVMIntentClassifier


class NotAnEstimator:
    def __init__(self) -> None:
        self.payload = "anything a tampered model file could carry"


def _create(tmp_path: Path) -> tuple:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("svm")
    context = ExecutionContext(GraphSchema({}), node_name="svm")
    config = LinearSVMIntentClassifier.get_default_config()
    return LinearSVMIntentClassifier.create(config, storage, resource, context), config, storage, resource, context


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
