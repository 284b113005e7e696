"""Masking of e-mail addresses and phone numbers in free text."""

import pytest

from practice.masking import EMAIL_PLACEHOLDER, PHONE_PLACEHOLDER, contains_contact_data, mask_contact_data


@pytest.mark.parametrize(
    "text, secret",
    [
        ("Meine Mail: erika.mustermann+chat@web.de", "erika.mustermann+chat@web.de"),
        ("schreiben sie an MAX_1@praxis-beispiel.co.uk bitte", "MAX_1@praxis-beispiel.co.uk"),
    ],
)
def test_masks_email_addresses(text: str, secret: str) -> None:
    masked = mask_contact_data(text)
    assert secret not in masked and EMAIL_PLACEHOLDER in masked
    assert contains_contact_data(text)


@pytest.mark.parametrize(
    "number",
    [
        "+49 171 1234567",
        "0171/123 45 67",
        "(030) 1234-567",
        "0049 30 98765432",
        "01711234567",
        "0171-1234567",
    ],
)
def test_masks_phone_numbers(number: str) -> None:
    masked = mask_contact_data(f"Rufen Sie mich an: {number}, danke")
    assert masked == f"Rufen Sie mich an: {PHONE_PLACEHOLDER}, danke"


@pytest.mark.parametrize(
    "text",
    [
        "Ich bin 45 Jahre alt und seit 2019 krank",
        "Im Notfall 112, sonst 116 117",
        "Ich nehme 400 mg Ibuprofen",
        "Seit dem 12.03.2024 habe ich Bauchweh",
        "",
    ],
)
def test_leaves_ordinary_numbers_alone(text: str) -> None:
    assert mask_contact_data(text) == text
    assert not contains_contact_data(text)
