"""Rasa's CountVectorsFeaturizer, making only the sentence features (the n-gram counts of the message).

Rasa also makes sequence features (one row per token) for DIET and the TED policy; this assistant
uses neither: the intent classifier reads the sentence features only. Counting n-grams token by token
took half of the featurizers' time per message. Vocabulary, options and sentence features are Rasa's.
"""

from __future__ import annotations

from typing import List, Optional, Text, Tuple

import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

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
            counts = vectorizer.transform([" ".join(tokens)])
            counts.sort_indices()
            sentence_features.append(counts.tocoo())
        return [None] * len(all_tokens), sentence_features
