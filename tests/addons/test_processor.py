"""Rasa's agent builds the practice's processor: ordered messages, Rasa's checks for unknown intents."""

import warnings
from pathlib import Path

import pytest
import rasa.core.agent
from rasa.core.agent import Agent

from addons import processor


@pytest.fixture(scope="module")
def agent(model_path: Path) -> Agent:
    original = rasa.core.agent.MessageProcessor
    processor.install()
    try:
        return Agent.load(str(model_path))
    finally:
        rasa.core.agent.MessageProcessor = original


async def test_the_agent_processes_messages_with_the_practice_processor(agent: Agent) -> None:
    assert type(agent.processor) is processor.PracticeMessageProcessor
    replies = await agent.handle_text("Was ist Leaky Gut?", sender_id="processor-test")
    assert replies and "Darm" in replies[0]["text"]


def test_unknown_intents_and_entities_are_still_reported(agent: Agent) -> None:
    with pytest.warns(UserWarning, match="intent 'no_such_intent'"):
        agent.processor._check_for_unseen_features({"intent": {"name": "no_such_intent"}, "entities": []})
    with pytest.warns(UserWarning, match="entity 'no_such_entity'"):
        agent.processor._check_for_unseen_features(
            {"intent": {"name": "greet"}, "entities": [{"entity": "no_such_entity"}]}
        )
    assert agent.processor.__dict__["_domain_has_content"] is True, "asked once, then remembered"


def test_known_intents_and_entities_pass_silently(agent: Agent) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        agent.processor._check_for_unseen_features(
            {"intent": {"name": "causes"}, "entities": [{"entity": "trigger"}]}
        )
