"""The widget's socket.io channel: origin list from credentials.yml, message events checked before Rasa."""

from __future__ import annotations

import pytest
import yaml

from channels.request_validation import InvalidRequest
from channels.widget_socketio import WidgetSocketIOInput, parse_origins, valid_message_event
from tests.e2e.servers import PROJECT_ROOT


def test_credentials_yml_enables_the_channel_with_explicit_origins():
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    settings = credentials["channels.widget_socketio.WidgetSocketIOInput"]
    channel = WidgetSocketIOInput.from_credentials(settings)
    assert channel.session_persistence is True
    assert channel.user_message_evt == "user_uttered" and channel.bot_message_evt == "bot_uttered"
    assert "http://localhost:8080" in channel.allowed_origins
    assert channel.name() == "socketio"  # the socketio variations in domain.yml still apply


async def test_blueprint_hands_the_origins_to_engineio():
    channel = WidgetSocketIOInput.from_credentials({"cors_allowed_origins": ["https://praxis.example"]})

    async def on_new_message(message) -> None:
        pass

    channel.blueprint(on_new_message)
    assert channel.sio.eio.cors_allowed_origins == ["https://praxis.example"]


def test_a_deployment_adds_its_public_origin_by_environment(monkeypatch):
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "https://bot.example-praxis.de, http://localhost:8000")
    channel = WidgetSocketIOInput.from_credentials({"cors_allowed_origins": ["https://praxis.example"]})
    assert channel.allowed_origins == [
        "https://praxis.example",
        "https://bot.example-praxis.de",
        "http://localhost:8000",
    ]
    monkeypatch.setenv("WIDGET_ALLOWED_ORIGINS", "*")
    with pytest.raises(ValueError, match="cors_allowed_origins"):
        WidgetSocketIOInput.from_credentials({"cors_allowed_origins": ["https://praxis.example"]})


@pytest.mark.parametrize(
    "origins",
    [
        None,
        [],
        "*",
        ["*"],
        ["praxis.example"],
        ["https://praxis.example/chat"],
        ["ftp://praxis.example"],
        [42],
    ],
)
def test_wildcards_and_non_origins_are_refused(origins):
    with pytest.raises(ValueError, match="cors_allowed_origins"):
        parse_origins(origins)


def test_message_text_is_cleaned_like_the_rest_channel():
    event = valid_message_event({"message": "  Hallo\x07 ", "session_id": "abc"})
    assert event["message"] == "Hallo" and event["session_id"] == "abc"


@pytest.mark.parametrize(
    "event",
    [
        "Hallo",
        None,
        [],
        {"message": "Hallo"},
        {"message": "", "session_id": "abc"},
        {"message": 5, "session_id": "abc"},
        {"message": "x" * 2001, "session_id": "abc"},
        {"message": "Hallo", "session_id": 7},
        {"message": "Hallo", "session_id": "a" * 500},
        {"message": "Hallo", "session_id": "abc", "metadata": "not json"},
    ],
)
def test_malformed_events_are_dropped(event):
    with pytest.raises(InvalidRequest):
        valid_message_event(event)
