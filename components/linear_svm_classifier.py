"""Intent classifier: a linear SVM on tf-idf weighted word and character n-grams, with calibrated confidences.

Rasa's `LogisticRegressionClassifier` on raw counts was less accurate on our held-out messages,
especially on typos (see `make bench`); a linear SVM over tf-idf n-grams is the classic strong
baseline for short texts and trains in about a second. Calibration turns its scores into
probabilities, so the `FallbackClassifier` threshold means what it says. One SVM is fitted on all
data (`ensemble=False`): predicting costs one SVM, not one per calibration fold.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Text, Union

import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from scipy.special import expit
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
        self._scorer: Optional[Union[LinearScorer, bool]] = (
            None  # built from the fitted pipeline on first use
        )

    def _new_pipeline(self, sparse_width: int) -> Pipeline:
        """tf-idf for the n-gram counts (the first columns); word vectors, if any, pass unchanged."""
        ngrams = ColumnTransformer(
            [("tfidf", TfidfTransformer(sublinear_tf=True), slice(0, sparse_width))], remainder="passthrough"
        )
        svm = LinearSVC(C=self.config["C"], class_weight="balanced", random_state=self.config["random_state"])
        return Pipeline(
            [
                ("ngrams", ngrams),
                ("svm", CalibratedClassifierCV(svm, cv=self.config["calibration_folds"], ensemble=False)),
            ]
        )

    def _create_X(self, messages: List[Message]) -> scipy.sparse.csr_matrix:
        """The sentence features of each message in a row: n-gram counts first, then vectors (if any).

        The same matrix as Rasa's `_create_X`, without combining the sequence features it then throws
        away: that was most of the classifier's time per message.
        """
        rows = [_sentence_features(message) for message in messages]
        return rows[0] if len(rows) == 1 else scipy.sparse.vstack(rows, format="csr")

    def _predict_proba(self, X: scipy.sparse.csr_matrix) -> np.ndarray:
        if self._scorer is None:
            self._scorer = LinearScorer.from_pipeline(self.clf) or False
        return self._scorer.predict_proba(X) if self._scorer else self.clf.predict_proba(X)

    def process(self, messages: List[Message]) -> List[Message]:
        if not messages:
            return messages
        probabilities = self._predict_proba(self._create_X(messages))
        for message, row in zip(messages, probabilities):
            ranking = sorted(
                (
                    {"name": name, "confidence": confidence}
                    for name, confidence in zip(self.clf.classes_, row)
                ),
                key=lambda entry: -entry["confidence"],
            )
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(
                INTENT_RANKING_KEY, ranking[: self.config[RANKING_LENGTH]] or ranking, add_to_output=True
            )
        return messages

    def train(self, training_data: TrainingData) -> Resource:
        X, y = self._create_training_matrix(training_data)
        if X.shape[0] == 0:
            return self._resource
        first = next(e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT))
        sparse = first.get_sparse_features(attribute=TEXT)[1]
        self.clf = self._new_pipeline(sparse.features.shape[1] if sparse else 0)
        # sklearn 1.1's calibration counts examples per class with `y == label`, which needs an array.
        self.clf.fit(X, np.asarray(y))
        self._scorer = None
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


def _sentence_features(message: Message) -> scipy.sparse.csr_matrix:
    sentence = [f for f in message.features if f.attribute == TEXT and f.type == FEATURE_TYPE_SENTENCE]
    blocks = [f.features for f in sentence if f.is_sparse()] + [f.features for f in sentence if f.is_dense()]
    if all(scipy.sparse.isspmatrix_coo(block) and block.shape[0] == 1 for block in blocks):
        return _one_row(blocks)
    return scipy.sparse.hstack(blocks, format="csr")


def _one_row(blocks: List[scipy.sparse.coo_matrix]) -> scipy.sparse.csr_matrix:
    """The one-row sparse blocks side by side (scipy's hstack goes through its general block machinery)."""
    offsets = np.cumsum([0] + [block.shape[1] for block in blocks])
    columns = np.concatenate([block.col + offset for block, offset in zip(blocks, offsets)]).astype(np.int32)
    values = np.concatenate([block.data for block in blocks]).astype(np.float64)
    order = np.argsort(columns, kind="stable")
    return scipy.sparse.csr_matrix(
        (values[order], columns[order], np.array([0, len(columns)], dtype=np.int32)),
        shape=(1, int(offsets[-1])),
    )


@dataclass(frozen=True)
class LinearScorer:
    """The fitted pipeline's arithmetic, done directly on one message's small sparse row.

    sklearn validates its input and dispatches through ColumnTransformer's joblib on every call, which cost
    several milliseconds per message (more than the arithmetic itself by far; see `make bench`). The
    numbers all come from the fitted estimators: tf-idf weights and l2 norm, the SVM's scores, the sigmoid
    calibration, normalised across classes as `CalibratedClassifierCV` does. A test checks the
    probabilities equal sklearn's. Any other pipeline shape is left to sklearn (`from_pipeline` is None).
    """

    sparse_width: int
    idf: np.ndarray
    sublinear_tf: bool
    coef: np.ndarray  # (calibrated classes, features)
    intercept: np.ndarray
    sigmoid_a: np.ndarray
    sigmoid_b: np.ndarray
    class_columns: np.ndarray
    n_classes: int

    @classmethod
    def from_pipeline(cls, pipeline: Pipeline) -> Optional["LinearScorer"]:
        ngrams, calibrated = pipeline.named_steps.get("ngrams"), pipeline.named_steps.get("svm")
        if not isinstance(ngrams, ColumnTransformer) or not isinstance(calibrated, CalibratedClassifierCV):
            return None
        name, tfidf, columns = ngrams.transformers_[0]
        classifiers = getattr(calibrated, "calibrated_classifiers_", [])
        if (
            name != "tfidf"
            or not isinstance(columns, slice)
            or columns.start not in (0, None)
            or tfidf.norm != "l2"
            or not tfidf.use_idf
            or len(classifiers) != 1
            or calibrated.method != "sigmoid"
            or len(calibrated.classes_) < 3
            or not isinstance(classifiers[0].base_estimator, LinearSVC)
        ):
            return None
        svm, calibrators = classifiers[0].base_estimator, classifiers[0].calibrators
        return cls(
            sparse_width=columns.stop,
            idf=np.asarray(tfidf.idf_, dtype=np.float64),
            sublinear_tf=tfidf.sublinear_tf,
            coef=np.asarray(svm.coef_, dtype=np.float64),
            intercept=np.asarray(svm.intercept_, dtype=np.float64),
            sigmoid_a=np.array([calibrator.a_ for calibrator in calibrators]),
            sigmoid_b=np.array([calibrator.b_ for calibrator in calibrators]),
            class_columns=np.searchsorted(calibrated.classes_, svm.classes_),
            n_classes=len(calibrated.classes_),
        )

    def predict_proba(self, X: scipy.sparse.csr_matrix) -> np.ndarray:
        X = scipy.sparse.csr_matrix(X)
        counts = X if X.shape[1] == self.sparse_width else X[:, : self.sparse_width]
        weights = counts.data.astype(np.float64)
        if self.sublinear_tf:
            weights = np.log(weights) + 1
        weights *= self.idf[counts.indices]
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(rows, weights=weights**2, minlength=counts.shape[0]))
        weights /= np.where(norms > 0, norms, 1.0)[rows]
        weighted = scipy.sparse.csr_matrix((weights, counts.indices, counts.indptr), shape=counts.shape)

        scores = weighted @ self.coef[:, : self.sparse_width].T + self.intercept
        if X.shape[1] > self.sparse_width:  # dense word vectors, passed through unweighted
            scores += X[:, self.sparse_width :].toarray() @ self.coef[:, self.sparse_width :].T
        probabilities = np.zeros((X.shape[0], self.n_classes))
        probabilities[:, self.class_columns] = expit(-(self.sigmoid_a * scores + self.sigmoid_b))
        total = probabilities.sum(axis=1, keepdims=True)
        probabilities = np.divide(
            probabilities, total, out=np.full_like(probabilities, 1 / self.n_classes), where=total != 0
        )
        probabilities[(1.0 < probabilities) & (probabilities <= 1.0 + 1e-5)] = 1.0
        return probabilities
