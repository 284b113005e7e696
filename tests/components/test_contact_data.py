"""The NLU component that marks messages with contact data (entity and slot `contact_data`)."""

from rasa.shared.nlu.training_data.message import Message

from components.contact_data import CONTACT_DATA_ENTITY, annotate_contact_data


def contact_data_entity(text: str) -> bool:
    message = Message(data={"text": text, "entities": [{"entity": "trigger", "value": "stress"}]})
    annotate_contact_data(message)
    entities = message.get("entities")
    assert entities[0]["entity"] == "trigger", "entities of earlier extractors are kept"
    values = [entity["value"] for entity in entities if entity["entity"] == CONTACT_DATA_ENTITY]
    assert len(values) == 1
    return values[0]


def test_marks_a_phone_number() -> None:
    assert contact_data_entity("Rufen Sie mich bitte an: 0171 2345678") is True


def test_marks_an_email_address() -> None:
    assert contact_data_entity("meine mail ist erika@example.de") is True


def test_every_other_message_resets_the_slot() -> None:
    assert contact_data_entity("Was ist Leaky Gut?") is False


def test_button_payloads_are_not_contact_data() -> None:
    assert contact_data_entity('/causes{"trigger": "0171 2345678"}') is False
