"""Finds e-mail addresses and phone numbers in free text and replaces them with placeholders.

Used by the tracker store before anything is written, by the NLU component that tells the patient
they need not share contact data, and by the staff report for the texts it shows.
"""

from __future__ import annotations

import re
from typing import List

EMAIL_PLACEHOLDER = "[E-Mail entfernt]"
PHONE_PLACEHOLDER = "[Telefonnummer entfernt]"

EMAIL_PATTERN = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A run of digits with the usual separators (+49 171 1234567, 0171/123 45 67, (030) 1234-567).
# At least 7 digits, so that years, ages, amounts and the short hotlines (112) stay readable.
PHONE_CANDIDATE_PATTERN = re.compile(r"(?:\+|\(|\b)\d[\d ()/.-]{5,}\d\b")
MIN_PHONE_DIGITS = 7
DATE_PATTERN = re.compile(r"\d{1,2}\.\d{1,2}\.\d{2,4}")


def find_emails(text: str) -> List[str]:
    return EMAIL_PATTERN.findall(text or "")


def find_phone_numbers(text: str) -> List[str]:
    return [
        match.group(0)
        for match in PHONE_CANDIDATE_PATTERN.finditer(text or "")
        if _is_phone_number(match.group(0))
    ]


def contains_contact_data(text: str) -> bool:
    return bool(find_emails(text) or find_phone_numbers(text))


def mask_contact_data(text: str) -> str:
    """The text with every e-mail address and phone number replaced by a placeholder."""
    if not text:
        return text
    masked = EMAIL_PATTERN.sub(EMAIL_PLACEHOLDER, text)
    return PHONE_CANDIDATE_PATTERN.sub(_phone_placeholder, masked)


def _phone_placeholder(match: "re.Match[str]") -> str:
    return PHONE_PLACEHOLDER if _is_phone_number(match.group(0)) else match.group(0)


def _is_phone_number(candidate: str) -> bool:
    digits = sum(char.isdigit() for char in candidate)
    return digits >= MIN_PHONE_DIGITS and not DATE_PATTERN.fullmatch(candidate.strip())
