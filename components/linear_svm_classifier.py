"""Intent classifier: a linear SVM on tf-idf weighted word and character n-grams, with calibrated confidences.

Rasa's `LogisticRegressionClassifier` on raw counts was less accurate on our held-out messages,
especially on typos (see `make bench`); a linear SVM over tf-idf n-grams is the classic strong
baseline for short texts and trains in about a second. Calibration turns its scores into
probabilities, so the `FallbackClassifier` threshold means what it says. One SVM is fitted on all
data (`ensemble=False`): predicting costs one SVM, not one per calibration fold.
"""

from __future__ import annotations

import logging
from typing import Any, Dict, Text

import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.nlu.constants import INTENT, TEXT
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

logger = logging.getLogger(__name__)

# Types inside the fitted pipeline that skops does not trust by default; anything else is refused.
TRUSTED_TYPES = [
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearSVMIntentClassifier(LogisticRegressionClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "C": 1.0, "calibration_folds": 5}

    def __init__(
        self, config: Dict[Text, Any], name: Text, model_storage: ModelStorage, resource: Resource
    ) -> None:
        super().__init__(config, name, model_storage, resource)

    def _new_pipeline(self, sparse_width: int) -> Pipeline:
        """tf-idf for the n-gram counts (the first columns); word vectors, if any, pass unchanged."""
        ngrams = ColumnTransformer(
            [("tfidf", TfidfTransformer(sublinear_tf=True), slice(0, sparse_width))], remainder="passthrough"
        )
        svm = LinearSVC(C=self.config["C"], class_weight="balanced", random_state=self.config["random_state"])
        return Pipeline([("ngrams", ngrams), ("svm", CalibratedClassifierCV(svm, cv=self.config["calibration_folds"], ensemble=False))])

    def train(self, training_data: TrainingData) -> Resource:
        X, y = self._create_training_matrix(training_data)
        if X.shape[0] == 0:
            return self._resource
        first = next(e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT))
        sparse = first.get_sparse_features(attribute=TEXT)[1]
        self.clf = self._new_pipeline(sparse.features.shape[1] if sparse else 0)
        # sklearn 1.1's calibration counts examples per class with `y == label`, which needs an array.
        self.clf.fit(X, np.asarray(y))
        self.persist()
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearSVMIntentClassifier":
        import skops.io as sio
        from skops.io.exceptions import UntrustedTypesFoundException

        component = cls(config, execution_context.node_name, model_storage, resource)
        with model_storage.read_from(resource) as model_dir:
            path = model_dir / f"{resource.name}.skops"
            try:
                component.clf = sio.load(path, trusted=TRUSTED_TYPES)
            except UntrustedTypesFoundException as error:
                raise ValueError(f"Refusing to load {path}: {error}") from error
        return component
