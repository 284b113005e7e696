"""The cached event-class lookup answers exactly as Rasa's own."""

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from addons import event_lookup


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(event_lookup.resolve_by_type))


def test_every_event_class_is_found_by_its_type_name(installed) -> None:
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is event_lookup._resolve_uncached(cls.type_name)
        assert Event.resolve_by_type(cls.type_name) is event_lookup._resolve_uncached(cls.type_name)  # cached


def test_unknown_names_behave_as_in_rasa(installed) -> None:
    assert Event.resolve_by_type("unknown", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
    with pytest.raises(ValueError):
        Event.resolve_by_type("unknown")


def test_stored_events_deserialise_to_the_same_events(installed) -> None:
    events = [
        UserUttered("Hallo", {"name": "greet", "confidence": 1.0}),
        ActionExecuted("utter_greet"),
        SlotSet("trigger", "stress"),
    ]
    assert [Event.from_parameters(event.as_dict()) for event in events] == events
