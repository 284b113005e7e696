"""The triage stage: every typed message is triaged as `crisis`, `emergency` or `none`.

It runs after the FAQ classifier but does not depend on it: its two parts are the rules of
components/safety_checks.py (alarm terms, combinations, negation, animals) and a classifier trained
only on triage data (components/triage_model.py), for what rules cannot cover. A `crisis` found by
either part is answered with 112 and the TelefonSeelsorge; an `emergency` with the somatic advice.
A rule's `emergency` also needs the classifier's confirmation, a low bar: rules see alarm words, while
the classifier, trained on many near-misses, also sees the context that makes such words harmless (a
knowledge question, a TV series, an illness that is over). A rule's `crisis` needs no confirmation.

Rasa's parse result reports the intent `red_flag` for both urgent outcomes (the contract with the
rules, stories and every evaluation), and entities that choose the answer:
- `red_flag_type`: crisis | somatic
- `emergency_level`: call_112 (chest pain, breathlessness, blood vomited or coughed up, sudden severe
  abdominal pain), see_doctor (116 117 or a prompt visit), unspecified (the classifier alone: the
  answer says when 112 is the number)
- `urgent_subject`: self | other (the answer then speaks about the other person)
A `red_flag` guessed by the FAQ classifier is never kept: only this stage decides what is urgent.
Every typed message also gets `own_situation` (does the user speak about their own body?) and
`relative_situation` (or, if not, about the body of someone close?), which choose the booking offer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.pipeline import Pipeline

from components import triage_model
from components.safety_checks import (
    RedFlagHit,
    find_red_flag,
    is_about_an_animal,
    is_about_someone_in_care,
    mentions_own_situation,
    mentions_relatives_situation,
)

logger = logging.getLogger(__name__)

RED_FLAG_INTENT = "red_flag"
RED_FLAG_TYPE_ENTITY = "red_flag_type"
EMERGENCY_LEVEL_ENTITY = "emergency_level"
URGENT_SUBJECT_ENTITY = "urgent_subject"
OWN_SITUATION_ENTITY = "own_situation"
RELATIVE_SITUATION_ENTITY = "relative_situation"
MODEL_NAME = "triage"
SUBJECT_MODEL_NAME = "subject"
OTHER_PERSON_THRESHOLD = 0.5


@dataclass(frozen=True)
class TriageResult:
    outcome: str  # crisis | emergency | none
    found_by: Optional[str] = None  # the rule's name, or "classifier"
    emergency_level: str = "unspecified"  # call_112 | see_doctor | unspecified
    subject: str = "self"  # self | other (set by with_subject)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class TriageStage(GraphComponent):
    """Triages every typed message; urgent ones get the intent `red_flag` and the entities above."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "training_data": "data/triage",
            "C": 10.0,
            "max_iter": triage_model.DEFAULT_MAX_ITERATIONS,
            "crisis_threshold": 0.5,
            "emergency_threshold": 0.5,
            "rule_confirmation_threshold": 0.0,
        }

    @classmethod
    def fingerprint_addon(cls, config: Dict[str, Any]) -> Optional[str]:
        """The triage data are read from their own files, so Rasa must see when they change."""
        return triage_model.fingerprint_of(
            Path(config.get("training_data") or cls.get_default_config()["training_data"])
        )

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        pipeline: Optional[Pipeline] = None,
        subject_pipeline: Optional[Pipeline] = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._thresholds = Thresholds(
            float(self._config["crisis_threshold"]),
            float(self._config["emergency_threshold"]),
            float(self._config["rule_confirmation_threshold"]),
        )
        self._model_storage = model_storage
        self._resource = resource
        self._pipeline = pipeline
        self._subject_pipeline = subject_pipeline
        self._scorer = triage_model.OneMessageScorer(pipeline) if pipeline is not None else None
        self._subject_scorer = (
            triage_model.OneMessageScorer(subject_pipeline) if subject_pipeline is not None else None
        )

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> TriageStage:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        examples = training_examples(Path(self._config["training_data"]), training_data)
        self._pipeline = triage_model.fit(
            examples, C=float(self._config["C"]), max_iter=int(self._config["max_iter"])
        )
        self._subject_pipeline = triage_model.fit_subject(examples, C=float(self._config["C"]))
        self._scorer = triage_model.OneMessageScorer(self._pipeline)
        self._subject_scorer = triage_model.OneMessageScorer(self._subject_pipeline)
        self._persist()
        return self._resource

    def _persist(self) -> None:
        with self._model_storage.write_to(self._resource) as model_dir:
            triage_model.save_pipeline(self._pipeline, model_dir, MODEL_NAME)
            triage_model.save_pipeline(self._subject_pipeline, model_dir, SUBJECT_MODEL_NAME)

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> TriageStage:
        with model_storage.read_from(resource) as model_dir:
            pipeline = triage_model.load_pipeline(model_dir, MODEL_NAME)
            subject_pipeline = triage_model.load_pipeline(model_dir, SUBJECT_MODEL_NAME)
        return cls(config, model_storage, resource, pipeline, subject_pipeline)

    def triage(self, text: str) -> TriageResult:
        scores = self._scorer.probabilities(text) if self._scorer else {}
        result = triage_text(text, scores, self._thresholds)
        if result.outcome != "none" and self._subject_scorer is not None:
            result = with_subject(result, self._subject_scorer.probabilities(text)["other"], text)
        return result

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            if text.startswith("/"):
                continue  # a button payload such as "/affirm": the user typed nothing
            annotate_message(message, self.triage(text))
        return messages


@dataclass(frozen=True)
class Thresholds:
    """The classifier's thresholds (config.yml), chosen together by tests/triage/tune.py."""

    crisis: float
    emergency: float
    rule_confirmation: float = 0.0


@dataclass(frozen=True)
class RuleFindings:
    """What the rules found in one message: its red flag, if any, and whether it is about an animal."""

    hit: Optional[RedFlagHit]
    text: str

    @cached_property
    def about_an_animal(self) -> bool:
        """Asked only of a message that something found urgent, so ordinary messages skip the check."""
        return is_about_an_animal(self.text)


def rule_findings(text: str) -> RuleFindings:
    return RuleFindings(find_red_flag(text), text)


def triage_text(text: str, scores: Dict[str, float], thresholds: Thresholds) -> TriageResult:
    """The outcome for one typed message from the rules and the classifier's scores."""
    return decide(rule_findings(text), scores, thresholds)


def decide(findings: RuleFindings, scores: Dict[str, float], thresholds: Thresholds) -> TriageResult:
    """Combine the rules' findings with the classifier's scores.

    A crisis found by either part wins, because its answer also names 112; then a rule's emergency
    (which knows whether 112 is the number) if the classifier gives the message at least
    `thresholds.rule_confirmation` probability of being urgent; then the classifier's emergency.
    """
    hit = findings.hit
    by_classifier = triage_model.decide(scores, thresholds.crisis, thresholds.emergency)
    if not hit and by_classifier == "none":
        return TriageResult("none")
    if by_classifier != "crisis" and (not hit or hit.kind != "crisis") and findings.about_an_animal:
        return TriageResult("none")  # the dog's diarrhoea; a crisis is never overruled
    if hit and hit.kind == "crisis":
        return TriageResult("crisis", hit.name)
    if by_classifier == "crisis":
        return TriageResult("crisis", "classifier")
    if hit and is_confirmed(scores, thresholds.rule_confirmation):
        return TriageResult("emergency", hit.name, "call_112" if hit.call_112 else "see_doctor")
    if by_classifier == "emergency":
        return TriageResult("emergency", "classifier")
    return TriageResult("none")


def is_confirmed(scores: Dict[str, float], rule_confirmation_threshold: float) -> bool:
    """Whether the classifier confirms a rule's emergency; without a classifier the rules act alone."""
    return not scores or urgent_probability(scores) >= rule_confirmation_threshold


def urgent_probability(scores: Dict[str, float]) -> float:
    """The classifier's probability that a message is urgent, of either kind."""
    return sum(scores.get(outcome, 0.0) for outcome in triage_model.URGENT)


def with_subject(result: TriageResult, other_person_probability: float, text: str) -> TriageResult:
    """Whose signs they are, from the subject model (word lists could not tell, in dialect least of all),
    or from the rules when a carer writes about someone in their care in the chart's terms."""
    is_other = other_person_probability >= OTHER_PERSON_THRESHOLD or is_about_someone_in_care(text)
    subject = "other" if is_other else "self"
    return TriageResult(result.outcome, result.found_by, result.emergency_level, subject)


def training_examples(directory: Path, training_data: TrainingData) -> List[triage_model.TriageExample]:
    """The triage data, plus the FAQ's ordinary questions as `none` (the commonest non-urgent messages)."""
    return triage_model.load_triage_data(directory) + [
        triage_model.TriageExample(message.get(TEXT), "none")
        for message in training_data.intent_examples
        if message.get(INTENT) != RED_FLAG_INTENT and not (message.get(TEXT) or "").startswith("/")
    ]


def annotate_message(message: Message, result: TriageResult) -> None:
    """Set the intent and entities of one typed message from its triage result."""
    text = message.get(TEXT) or ""
    entities = list(message.get(ENTITIES) or [])
    if result.outcome == "none":
        _drop_red_flag_intent(message)
    else:
        logger.info("Triage: %s (found by %s)", result.outcome, result.found_by)  # never the text
        _force_red_flag_intent(message)
        red_flag_type = "crisis" if result.outcome == "crisis" else "somatic"
        entities.append(_whole_message_entity(text, RED_FLAG_TYPE_ENTITY, red_flag_type))
        entities.append(_whole_message_entity(text, EMERGENCY_LEVEL_ENTITY, result.emergency_level))
        entities.append(_whole_message_entity(text, URGENT_SUBJECT_ENTITY, result.subject))
    own = mentions_own_situation(text)
    entities.append(_whole_message_entity(text, OWN_SITUATION_ENTITY, own))
    relative = not own and mentions_relatives_situation(text)
    entities.append(_whole_message_entity(text, RELATIVE_SITUATION_ENTITY, relative))
    message.set(ENTITIES, entities, add_to_output=True)


def _drop_red_flag_intent(message: Message) -> None:
    ranking = [e for e in message.get(INTENT_RANKING_KEY) or [] if e.get(INTENT_NAME_KEY) != RED_FLAG_INTENT]
    if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == RED_FLAG_INTENT and ranking:
        message.set(INTENT, ranking[0], add_to_output=True)
    message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)


def _force_red_flag_intent(message: Message) -> None:
    intent = {INTENT_NAME_KEY: RED_FLAG_INTENT, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [e for e in message.get(INTENT_RANKING_KEY) or [] if e.get(INTENT_NAME_KEY) != RED_FLAG_INTENT]
    message.set(INTENT, intent, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [intent, *ranking], add_to_output=True)


def _whole_message_entity(text: Text, entity: Text, value: Any) -> Dict[Text, Any]:
    return {
        ENTITY_ATTRIBUTE_TYPE: entity,
        ENTITY_ATTRIBUTE_VALUE: value,
        ENTITY_ATTRIBUTE_START: 0,
        ENTITY_ATTRIBUTE_END: len(text),
        EXTRACTOR: TriageStage.__name__,
    }
