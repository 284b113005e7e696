"""Hints on personal details in a message before it becomes training data."""

from __future__ import annotations

from review.personal_details import CONTACT, DATE, NAME, NUMBER, Hint, personal_detail_hints

VOCABULARY = frozenset({"leaky", "gut", "darm", "blähungen"})


def test_names_after_a_form_of_address_and_rare_capitalised_words_are_flagged() -> None:
    hints = personal_detail_hints("Frau Özdemir meinte, mein Arzt Kowalczyk kennt Leaky Gut.", VOCABULARY)
    assert Hint(NAME, "Özdemir") in hints
    assert Hint(NAME, "Kowalczyk") in hints
    assert Hint(NAME, "Leaky") not in hints  # in the training vocabulary


def test_ordinary_nouns_and_sentence_starts_are_not_names() -> None:
    hints = personal_detail_hints(
        "Blähungen nach dem Essen. Ist das ein Zeichen für einen Leaky Gut?", VOCABULARY
    )
    assert [hint for hint in hints if hint.kind == NAME] == []


def test_dates_numbers_and_contact_data_are_flagged() -> None:
    hints = personal_detail_hints(
        "Seit dem 3. März, Termin am 12.01.2027, 2 Tabletten, mail an a.b@example.org", VOCABULARY
    )
    assert Hint(DATE, "3. März") in hints
    assert Hint(DATE, "12.01.2027") in hints
    assert Hint(NUMBER, "2") in hints
    assert Hint(CONTACT, "a.b@example.org") in hints
    assert Hint(NUMBER, "12") not in hints  # part of a date, flagged as one
