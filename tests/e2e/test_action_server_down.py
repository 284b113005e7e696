"""Without the action server the patient still gets a reply with the practice's phone."""

import pytest

from practice.config import load_practice_config
from tests.e2e.servers import Assistant

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def assistant_without_actions(tmp_path_factory, model_path):
    running = Assistant(tmp_path_factory.mktemp("no-actions"), with_action_server=False).start()
    yield running
    running.stop()


def test_custom_action_failure_gets_apology_with_phone(assistant_without_actions, sender) -> None:
    [reply] = assistant_without_actions.say(sender, "Ich möchte einen Termin vereinbaren")
    assert "technisches Problem" in reply["text"]
    assert load_practice_config().phone in reply["text"]


def test_answers_from_the_domain_still_work(assistant_without_actions, sender) -> None:
    assert assistant_without_actions.say(sender, "Ist Leaky Gut heilbar?")[0]["text"].startswith(
        "Ein Leaky Gut ist in vielen Fällen umkehrbar"
    )


def test_red_flags_do_not_depend_on_the_action_server(assistant_without_actions, sender) -> None:
    assert "112" in assistant_without_actions.say(sender, "Ich habe Blut erbrochen")[0]["text"]


def test_answers_again_once_the_action_server_is_back(assistant_without_actions, sender) -> None:
    assistant_without_actions.start_action_server()
    assistant_without_actions.wait_until_ready(120)
    [reply] = assistant_without_actions.say(sender, "Termin buchen")
    assert load_practice_config().booking_url in reply["text"]
    assistant_without_actions.stop_action_server()
