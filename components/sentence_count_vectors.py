"""Rasa's CountVectorsFeaturizer, making only the sentence features (the n-gram counts of the message).

Rasa also makes sequence features (one row per token) for DIET and the TED policy; this assistant
uses neither: the intent classifier reads the sentence features only. Counting n-grams token by token
took much of the featurizers' time per message. Vocabulary, options and sentence features are Rasa's.

The counts of one message are made from the fitted vectorizer's own analyzer and vocabulary, as its
`transform` makes them; `transform` itself spent most of its time building and checking sparse
matrices for the one row (profiled under `make bench`).
"""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from typing import Callable, List, Optional, Text, Tuple

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from sklearn.feature_extraction.text import CountVectorizer

Features = List[Optional[scipy.sparse.spmatrix]]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    def _create_features(self, attribute: Text, all_tokens: List[List[Text]]) -> Tuple[Features, Features]:
        vectorizer = self.vectorizers.get(attribute)
        if not vectorizer or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
            return [None] * len(all_tokens), [None] * len(all_tokens)
        sentence_features: Features = []
        for tokens in all_tokens:
            if not tokens:
                sentence_features.append(None)
                continue
            sentence_features.append(_counts_row(vectorizer, " ".join(tokens)))
        return [None] * len(all_tokens), sentence_features


def _counts_row(vectorizer: CountVectorizer, document: Text) -> scipy.sparse.coo_matrix:
    """`vectorizer.transform([document])` as a sorted COO row, without sklearn's per-call matrix work."""
    vocabulary = vectorizer.vocabulary_
    counts = Counter(
        index for index in map(vocabulary.get, _analyzer(vectorizer)(document)) if index is not None
    )
    columns = np.fromiter(sorted(counts), dtype=np.int32, count=len(counts))
    values = np.fromiter((counts[column] for column in columns), dtype=vectorizer.dtype, count=len(counts))
    return scipy.sparse.coo_matrix(
        (values, (np.zeros(len(columns), dtype=np.int32), columns)), shape=(1, len(vocabulary))
    )


@lru_cache(maxsize=16)
def _analyzer(vectorizer: CountVectorizer) -> Callable[[Text], List[Text]]:
    # sklearn builds the analyzer anew (with its parameter checks) on every transform.
    return vectorizer.build_analyzer()
