"""German spaCy pipeline for Rasa, with an honest fallback when the trained model is missing.

`de_core_news_sm` is downloaded from GitHub, which is not reachable everywhere this assistant is
built. Without it we build a German pipeline from spaCy's own language data: the rule-based German
tokenizer plus the lookup lemmatizer from `spacy-lookups-data`. Which pipeline was used is logged
at training time and written into the trained model (resource `spacy_pipeline.json`).
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from typing import Any, Dict, Optional, Text

import spacy
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.utils.spacy_utils import SpacyModel, SpacyNLP
from rasa.shared.nlu.training_data.training_data import TrainingData
from spacy.language import Language

logger = logging.getLogger(__name__)

FALLBACK_PIPELINE_NAME = "blank:de+lookup_lemmatizer"
PIPELINE_INFO_FILE = "spacy_pipeline.json"


def build_fallback_pipeline() -> Language:
    """German tokenizer rules and lookup lemmatizer, no statistical model and no download."""
    nlp = spacy.blank("de")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta["name"] = FALLBACK_PIPELINE_NAME
    return nlp


@lru_cache(maxsize=None)
def load_german_pipeline(model_name: Text, allow_fallback: bool) -> SpacyModel:
    """Loads the named pipeline (package or path); falls back to the rule-based one if allowed.

    Cached: the model's graph creates this component twice (model provider and trained resource),
    and both must share one read-only pipeline instead of building it twice at start-up.
    """
    try:
        nlp = spacy.load(model_name, disable=["parser", "ner"])
    except OSError:
        if not allow_fallback:
            raise
        logger.warning(
            "spaCy pipeline '%s' is not installed; using the rule-based German pipeline '%s' "
            "(tokenizer + lookup lemmatizer, no word vectors). Install it with "
            "'python -m spacy download %s' for the full model.",
            model_name,
            FALLBACK_PIPELINE_NAME,
            model_name,
        )
        return SpacyModel(model=build_fallback_pipeline(), model_name=FALLBACK_PIPELINE_NAME)
    logger.info("Using spaCy pipeline '%s' (%s).", model_name, describe_pipeline(nlp)["pipes"])
    return SpacyModel(model=nlp, model_name=model_name)


def describe_pipeline(nlp: Language) -> Dict[Text, Any]:
    """The facts about a pipeline that decide how the assistant understands German."""
    return {
        "name": f"{nlp.meta.get('lang', '?')}_{nlp.meta.get('name', '?')}",
        "version": nlp.meta.get("version"),
        "spacy_version": spacy.about.__version__,
        "pipes": list(nlp.pipe_names),
        "vector_width": nlp.vocab.vectors_length,
    }


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=True,
    model_from="GermanSpacyNLP",
)
class GermanSpacyNLP(SpacyNLP):
    """`SpacyNLP` that records its pipeline in the model and can fall back to spaCy's German data."""

    def __init__(
        self,
        model: Optional[SpacyModel],
        config: Dict[Text, Any],
        model_storage: Optional[ModelStorage] = None,
        resource: Optional[Resource] = None,
    ) -> None:
        super().__init__(model, config)  # type: ignore[arg-type]
        self._model_storage = model_storage
        self._resource = resource

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**SpacyNLP.get_default_config(), "model": "de_core_news_sm", "allow_fallback": True}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GermanSpacyNLP:
        config = {**cls.get_default_config(), **config}
        model = load_german_pipeline(config["model"], config["allow_fallback"])
        return cls(model, config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GermanSpacyNLP:
        component = cls.create(config, model_storage, resource, execution_context)
        trained_with = read_pipeline_info(model_storage, resource)
        if trained_with and component._model.model_name != trained_with.get("model_name"):
            logger.warning(
                "This model was trained with spaCy pipeline '%s' but runs with '%s'. "
                "Retrain the model ('make train') for the best results.",
                trained_with.get("model_name"),
                component._model.model_name,
            )
        return component

    def train(self, training_data: TrainingData, model: SpacyModel) -> Resource:
        """Writes which pipeline the training data went through into the trained model."""
        info = {"model_name": model.model_name, **describe_pipeline(model.model)}
        logger.info("Training with spaCy pipeline: %s", json.dumps(info))
        assert self._model_storage is not None and self._resource is not None
        with self._model_storage.write_to(self._resource) as directory:
            (directory / PIPELINE_INFO_FILE).write_text(json.dumps(info, indent=2))
        return self._resource

    @staticmethod
    def ensure_proper_language_model(nlp: Optional[Language]) -> None:
        if nlp is None:
            raise ValueError("Loading the spaCy pipeline returned 'None'.")


def read_pipeline_info(model_storage: ModelStorage, resource: Resource) -> Optional[Dict[Text, Any]]:
    """The pipeline recorded at training time, or None for a model without the record."""
    try:
        with model_storage.read_from(resource) as directory:
            return json.loads((directory / PIPELINE_INFO_FILE).read_text())
    except (ValueError, FileNotFoundError):
        return None
