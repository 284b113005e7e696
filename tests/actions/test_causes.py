import pytest

from actions.causes import KNOWN_TRIGGERS, ActionExplainCauses
from tests.actions.conftest import make_tracker


async def test_without_trigger_gives_the_overview(dispatcher) -> None:
    events = await ActionExplainCauses().run(dispatcher, make_tracker("Woher kommt Leaky Gut?"), {})
    assert events == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_causes_overview"]


@pytest.mark.parametrize("trigger", KNOWN_TRIGGERS)
async def test_with_trigger_answers_that_trigger(dispatcher, trigger: str) -> None:
    entities = [{"entity": "trigger", "value": trigger, "start": 4, "end": 14}]
    await ActionExplainCauses().run(dispatcher, make_tracker("und Antibiotika?", entities=entities), {})
    assert [m["response"] for m in dispatcher.messages] == [f"utter_cause_{trigger}"]


async def test_unknown_trigger_value_falls_back_to_overview(dispatcher) -> None:
    entities = [{"entity": "trigger", "value": "Antibiotika", "start": 4, "end": 15}]
    await ActionExplainCauses().run(dispatcher, make_tracker("und Antibiotika?", entities=entities), {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_causes_overview"]


async def test_trigger_slot_from_an_earlier_turn_is_not_reused(dispatcher) -> None:
    tracker = make_tracker("Was sind die Ursachen?", slots={"trigger": "stress"})
    await ActionExplainCauses().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_causes_overview"]


def test_every_trigger_has_an_answer_in_the_domain() -> None:
    import yaml

    responses = yaml.safe_load(open("domain.yml", encoding="utf-8"))["responses"]
    assert {f"utter_cause_{t}" for t in KNOWN_TRIGGERS} <= set(responses)
