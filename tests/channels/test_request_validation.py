import pytest

from channels.request_validation import (
    MAX_MESSAGE_CHARS,
    InvalidRequest,
    clean_message,
    clean_sender,
    json_object,
)


@pytest.mark.parametrize("body", [b"", b"not json", b"\xff\xfe", b"[1, 2]", b'"text"'])
def test_bodies_that_are_not_json_objects_are_rejected(body: bytes) -> None:
    with pytest.raises(InvalidRequest) as error:
        json_object(body)
    assert error.value.status == 400


@pytest.mark.parametrize(
    "value, status",
    [
        (None, 400),
        (42, 400),
        ("", 400),
        ("  \n ", 400),
        ("\x00\x01", 400),
        ("x" * (MAX_MESSAGE_CHARS + 1), 413),
    ],
)
def test_unusable_messages_are_rejected_with_a_reason(value, status: int) -> None:
    with pytest.raises(InvalidRequest) as error:
        clean_message(value)
    assert error.value.status == status and error.value.reason


def test_control_characters_are_removed_and_text_kept() -> None:
    assert clean_message(" Was ist\x00 Leaky Gut?\x7f ") == "Was ist Leaky Gut?"
    assert clean_message("<img src=x onerror=alert(1)>") == "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("value", [None, "", "   ", "\t\n", ["x"], 42, "x" * 200])
def test_missing_or_invalid_senders_are_rejected_with_a_reason(value) -> None:
    with pytest.raises(InvalidRequest) as error:
        clean_sender(value)
    assert error.value.status == 400 and "'sender'" in error.value.reason


def test_a_sender_is_kept_without_surrounding_whitespace() -> None:
    assert clean_sender("  patient-7 ") == "patient-7"
