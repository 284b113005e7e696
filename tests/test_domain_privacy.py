"""The assistant never asks for names, birth dates, insurance, diagnoses or contact data (domain.yml)."""

import re

import yaml

from tests.conftest import PROJECT_ROOT

FORBIDDEN_QUESTION = re.compile(
    r"\b(name|heißen|geburt|geboren|alter|wie alt|versicher|krankenkasse|diagnose|erkrankung|befund|"
    r"telefonnummer|handynummer|rückrufnummer|e-mail|adresse|anschrift)",
    re.IGNORECASE,
)


def response_texts() -> list:
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return [
        (name, variation["text"])
        for name, variations in domain["responses"].items()
        for variation in variations
        if variation.get("text")
    ]


def questions(text: str) -> list:
    return [sentence.strip() for sentence in re.findall(r"[^.!?\n]*\?", text)]


def test_no_response_asks_for_personal_data() -> None:
    asked = [
        (name, question)
        for name, text in response_texts()
        for question in questions(text)
        if FORBIDDEN_QUESTION.search(question)
    ]
    assert asked == []


def test_the_scan_would_catch_such_a_question() -> None:
    for text in (
        "Wie ist Ihr Name?",
        "Wann sind Sie geboren?",
        "Bei welcher Krankenkasse sind Sie versichert?",
        "Welche Diagnose hat Ihr Arzt gestellt?",
        "Unter welcher Telefonnummer erreichen wir Sie?",
    ):
        assert any(FORBIDDEN_QUESTION.search(q) for q in questions(text)), text


def test_the_scan_sees_every_response() -> None:
    names = {name for name, _ in response_texts()}
    assert {"utter_greet", "utter_offer_booking", "utter_contact_practice"} <= names
    assert sum(len(questions(text)) for _, text in response_texts()) >= 4
