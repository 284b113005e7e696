"""The sequential graph runner gives the same NLU results and dialogue predictions as Rasa's dask runner."""

from pathlib import Path
from typing import Any, List

import pytest
import rasa.core.processor
from rasa.core.agent import Agent
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted

from addons import graph_runner

MESSAGES = [
    "Hallo",
    "Sieht man Leaky Gut bei einer Darmspiegelung?",
    "Kann Stress den Darm durchlässig machen?",
    "und Antibiotika?",
    "ich habe seit gestern blut im stuhl",
    "Wie wird das Wetter morgen?",
    "ja gerne",
]


async def _conversation(model_path: Path, runner: type) -> List[Any]:
    """Intents, entities, confidences and the actions predicted for a whole conversation."""
    agent = _load(model_path, runner)
    assert type(agent.processor.graph_runner) is runner
    sender = f"graph-runner-{runner.__name__}"
    parses = [await agent.parse_message(text) for text in MESSAGES]
    for text in MESSAGES:
        await agent.handle_text(text, sender_id=sender)
    tracker = await agent.tracker_store.retrieve(sender)
    actions = [event.action_name for event in tracker.events if isinstance(event, ActionExecuted)]
    return [(p["intent"], p["entities"], p["intent_ranking"]) for p in parses] + [actions]


def _load(model_path: Path, runner: type) -> Agent:
    rasa.core.processor.DaskGraphRunner = runner
    try:
        return Agent.load(str(model_path))
    finally:
        rasa.core.processor.DaskGraphRunner = DaskGraphRunner


async def test_same_results_as_rasas_dask_runner(model_path: Path) -> None:
    sequential = await _conversation(model_path, graph_runner.SequentialGraphRunner)
    dask = await _conversation(model_path, DaskGraphRunner)
    assert sequential == dask


def test_inputs_must_not_clash_with_node_names(model_path: Path) -> None:
    from rasa.engine.exceptions import GraphRunError

    agent = _load(model_path, graph_runner.SequentialGraphRunner)
    node = next(iter(agent.processor.graph_runner._graph_schema.nodes))
    with pytest.raises(GraphRunError):
        agent.processor.graph_runner.run(inputs={node: "x"})
