from actions.booking import ActionSendToBooking
from actions.contact import ActionContactPractice
from practice.config import load_practice_config
from tests.actions.conftest import make_tracker


async def test_booking_sends_link_phone_and_hours_from_the_practice_config(dispatcher) -> None:
    practice = load_practice_config()
    events = await ActionSendToBooking().run(dispatcher, make_tracker("Termin bitte"), {})
    assert events == []
    [message] = dispatcher.messages
    assert message["response"] == "utter_booking"
    assert message["booking_url"] == practice.booking_url
    assert message["phone"] == practice.phone
    assert message["opening_hours"] == practice.opening_hours


async def test_contact_sends_phone_email_and_hours(dispatcher) -> None:
    practice = load_practice_config()
    await ActionContactPractice().run(dispatcher, make_tracker("Ich möchte mit jemandem sprechen"), {})
    [message] = dispatcher.messages
    assert message["response"] == "utter_contact_practice"
    assert (message["phone"], message["email"]) == (practice.phone, practice.email)


def test_booking_response_uses_only_placeholders_the_action_fills() -> None:
    import re

    import yaml

    responses = yaml.safe_load(open("domain.yml", encoding="utf-8"))["responses"]
    filled = set(load_practice_config().template_values())
    for name in ("utter_booking", "utter_contact_practice", "utter_technical_problem"):
        for variation in responses[name]:
            used = set(re.findall(r"{(\w+)}", str(variation)))
            assert used <= filled, (name, used - filled)
