"""Signature checks, text splitting, credentials from the environment, the texts of config/practice.yml."""

import hashlib
import hmac

import pytest

from channels.messenger_common import (
    ChannelNotConfigured,
    graph_api_url,
    messenger_texts,
    required_env,
    shorten,
    split_text,
    verify_hub_signature,
    verify_secret_token,
    with_policy_link,
)
from channels.request_validation import InvalidRequest
from practice.config import PracticeConfigError

SECRET = "app-secret"
BODY = b'{"object": "page", "entry": []}'


def signature(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_correct_signature_passes() -> None:
    verify_hub_signature(SECRET, BODY, signature(BODY))


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        signature(BODY, "other-secret"),
        signature(BODY + b" "),
        "sha1=" + "0" * 40,
        "sha256=",
        "garbage",
    ],
    ids=["missing", "empty", "other-secret", "other-body", "legacy-sha1", "no-digest", "no-method"],
)
def test_missing_or_wrong_signatures_get_403_with_a_reason(header) -> None:
    with pytest.raises(InvalidRequest) as rejected:
        verify_hub_signature(SECRET, BODY, header)
    assert rejected.value.status == 403 and rejected.value.reason


def test_secret_token_must_match_exactly() -> None:
    verify_secret_token("s3cret", "s3cret", "X-Telegram-Bot-Api-Secret-Token")
    for received in (None, "", "s3cre", "s3cret "):
        with pytest.raises(InvalidRequest) as rejected:
            verify_secret_token("s3cret", received, "X-Telegram-Bot-Api-Secret-Token")
        assert rejected.value.status == 403


def test_long_texts_are_split_after_sentences_within_the_limit() -> None:
    text = " ".join(f"Dies ist Satz Nummer {n}." for n in range(400))
    parts = split_text(text, 2000)
    assert len(parts) > 1 and all(len(part) <= 2000 for part in parts)
    assert all(part.endswith(".") for part in parts)
    assert " ".join(parts) == text


def test_text_without_sentences_is_split_between_words_and_a_giant_word_is_cut() -> None:
    words = " ".join(["Darmschleimhaut"] * 400)
    assert all(len(part) <= 100 and not part.startswith(" ") for part in split_text(words, 100))
    assert " ".join(split_text(words, 100)) == words
    assert split_text("x" * 250, 100) == ["x" * 100, "x" * 100, "x" * 50]
    assert split_text("Kurz.", 2000) == ["Kurz."]


def test_titles_are_shortened_with_an_ellipsis() -> None:
    assert shorten("Sieht man es in der Darmspiegelung?", 20) == "Sieht man es in der…"
    assert len(shorten("Sieht man es in der Darmspiegelung?", 20)) == 20
    assert shorten("Ursachen", 20) == "Ursachen"


def test_missing_credentials_are_named_without_values(monkeypatch) -> None:
    monkeypatch.setenv("TEST_PRESENT", "the-value")
    monkeypatch.setenv("TEST_EMPTY", "  ")
    monkeypatch.delenv("TEST_ABSENT", raising=False)
    with pytest.raises(ChannelNotConfigured) as missing:
        required_env("facebook", ["TEST_PRESENT", "TEST_EMPTY", "TEST_ABSENT"])
    assert missing.value.missing == ["TEST_EMPTY", "TEST_ABSENT"]
    assert "the-value" not in str(missing.value) and "TEST_ABSENT" in str(missing.value)
    assert required_env("facebook", ["TEST_PRESENT"]) == {"TEST_PRESENT": "the-value"}


def test_graph_api_base_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.delenv("GRAPH_API_BASE", raising=False)
    assert graph_api_url("me/messages").startswith("https://graph.facebook.com/v")
    monkeypatch.setenv("GRAPH_API_BASE", "http://127.0.0.1:9/")
    assert graph_api_url("me/messages").startswith("http://127.0.0.1:9/v")


def test_patient_texts_come_from_the_practice_config() -> None:
    texts = messenger_texts()
    assert "Text" in texts.unsupported_message and "112" in texts.unsupported_message
    assert "automatischer Assistent" in texts.unsupported_message  # it may be the first reply a patient gets
    assert texts.message_too_long and 0 < len(texts.list_button) <= 20


def test_the_first_contact_line_gets_the_policy_link() -> None:
    line = with_policy_link("Automatischer Assistent. Datenschutz: {policy_url}", "https://praxis.example/ds")
    assert line == "Automatischer Assistent. Datenschutz: https://praxis.example/ds"


@pytest.mark.parametrize(
    "template",
    [
        "Automatischer Assistent, kein Mensch.",
        "Datenschutz: {policy_url} {phone}",
        "Datenschutz: {policy_url",
    ],
    ids=["no-link", "other-placeholder", "stray-brace"],
)
def test_a_first_contact_line_without_its_link_stops_the_start(template: str) -> None:
    with pytest.raises(PracticeConfigError, match="first_contact"):
        with_policy_link(template, "https://praxis.example/ds")
