"""Ties every medical answer to the practice's approved page, so answers cannot drift from it."""

import re
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

APPROVED_PAGE = Path(__file__).resolve().parents[1] / "content" / "leaky-gut-praxisseite.de.txt"
KNOWN_SLIPS = {
    "IFABT": "I-FABP",
    "Darmschleimautparametern": "Darmschleimhautparametern",
}  # content/README.md

# Phrases each medical answer must carry word for word from the approved page.
KEY_PHRASES: Dict[str, List[str]] = {
    "utter_what_is_leaky_gut": [
        "zentrales Konzept der funktionellen Medizin",
        "erhöhte Durchlässigkeit der Darmschleimhaut",
        "Barrierefunktion gestört",
        "Kontakt mit dem Immunsystem aufnehmen",
        "stille Entzündungsprozesse fördern",
    ],
    "utter_colonoscopy_visibility": [
        "in der Regel",
        "strukturelle Veränderungen der Schleimhaut",
        "Funktionelle Störungen der Darmbarriere können bestehen",
        "endoskopisch unauffällig erscheint",
    ],
    "utter_extraintestinal_symptoms": [
        "Beschwerden außerhalb des Darms verursachen",
        "immunologische und entzündliche Signalwege",
        "gestörte Darmbarriere",
        "Hautprobleme, Gelenkbeschwerden oder Stressintoleranz",
    ],
    "utter_diagnosis": ["Die Diagnose erfolgt anhand der Klinik", "Zonulin und I-FABP", "im Blut"],
    "utter_reversibility": [
        "in vielen Fällen",
        "gezielte, individuelle Unterstützung der Darmbarriere",
        "kann sich die Funktion der Schleimhaut deutlich verbessern",
    ],
    "utter_consequences": [
        "chronische Entzündungsneigung",
        "Aktivierung oder Verstärkung autoimmuner Prozesse",
        "Nahrungsmittelunverträglichkeiten",
        "Erschöpfung und verminderte Belastbarkeit",
        "Stress- und Emotionsregulation",
    ],
    "utter_holistic_view": [
        "Wechselwirkung mit dem Nervensystem, dem Immunsystem und dem Hormonhaushalt",
        "kein isoliertes Darmproblem",
        "Teil einer systemischen Dysregulation",
    ],
    "utter_treatment": [
        "Eine nachhaltige Therapie chronischer Beschwerden ist häufig nur möglich",
        "Darmbarriere gezielt stabilisiert",
        "ganzheitliches Behandlungskonzept eingebettet",
        "funktionelle Ursachen zu erkennen und gezielt zu behandeln",
    ],
    "utter_causes_overview": [
        "multifaktoriell",
        "Häufig wirken mehrere Belastungen gleichzeitig",
        "Ungleichgewicht des Mikrobioms",
        "Schmerzmittel",
        "Antibiotika",
        "entzündungsfördernde Ernährungsfaktoren",
        "Nährstoffmängel",
    ],
    "utter_cause_stress": [
        "autonome Dysregulation",
        "Stress kann die Durchlässigkeit der Schleimhaut erhöhen",
        "verstärkt eine gestörte Darmbarriere die Stressanfälligkeit",
    ],
    "utter_cause_dysbiosis": ["Ungleichgewicht des Mikrobioms", "einer gestörten Darmbarriere"],
    "utter_cause_medication": ["Schmerzmittel", "Antibiotika", "individuell unterschiedlich"],
    "utter_cause_diet": ["Entzündungsfördernde Ernährungsfaktoren", "mehrere Belastungen gleichzeitig"],
    "utter_cause_nutrient_deficiency": ["Nährstoffmängel", "Schleimhautregeneration beeinträchtigen"],
}
# Words that would promise success or go beyond the page (Heilmittelwerbegesetz §3).
FORBIDDEN = re.compile(
    r"garantiert|sicher geheilt|heilt |immer geheilt|100 ?%|\bErfolg\b|wirksam|Wunder|Probiotik|Glutamin"
    r"|Nahrungsergänzung"
    r"|Diät|Fasten|Euro|€|Wochen|Monate",
    re.IGNORECASE,
)


def approved_page() -> str:
    text = APPROVED_PAGE.read_text(encoding="utf-8")
    for slip, correct in KNOWN_SLIPS.items():
        text = text.replace(slip, correct)
    return " ".join(text.split())


def response_texts(name: str) -> List[str]:
    domain = yaml.safe_load(Path("domain.yml").read_text(encoding="utf-8"))
    return [variation["text"] for variation in domain["responses"][name]]


@pytest.mark.parametrize("response, phrases", KEY_PHRASES.items())
def test_answer_carries_the_approved_wording(response: str, phrases: List[str]) -> None:
    page = approved_page().lower()
    for text in response_texts(response):
        for phrase in phrases:
            assert phrase.lower() in page, f"'{phrase}' is not on the approved page"
            assert phrase in text, f"{response} lost the approved phrase '{phrase}'"


def sentences(text: str) -> List[str]:
    return [part for part in re.split(r"(?<=[.!?])\s+", text.strip()) if part]


def offer_variations() -> List[str]:
    return response_texts("utter_offer_booking")


# Medical answers followed by the booking offer in the same turn (data/rules.yml); the causes overview
# ends with its own question instead.
ANSWERED_WITH_OFFER = [name for name in KEY_PHRASES if name != "utter_causes_overview"]


@pytest.mark.parametrize("response", KEY_PHRASES)
def test_answer_is_short_and_promises_nothing(response: str) -> None:
    for text in response_texts(response):
        assert 2 <= len(sentences(text)) <= 3, f"{response} has {len(sentences(text))} sentences"
        assert not FORBIDDEN.search(text), f"{response}: '{FORBIDDEN.search(text).group()}'"


@pytest.mark.parametrize("response", ANSWERED_WITH_OFFER)
def test_a_turn_with_answer_and_booking_offer_has_at_most_four_sentences(response: str) -> None:
    for text in response_texts(response):
        for offer in offer_variations():
            assert len(sentences(text)) + len(sentences(offer)) <= 4, f"{response} + '{offer[:40]}…'"


# Openings that answer only one way of asking: "Kommt es zurück?" and "Ist es reversibel?" would both
# get "In vielen Fällen ja."
BARE_YES_OR_NO = re.compile(
    r"^(ja|nein|in (vielen fällen|der regel) (ja|nein)|ja, das ist möglich)\b", re.IGNORECASE
)


@pytest.mark.parametrize("response", KEY_PHRASES)
def test_answer_is_a_statement_true_whichever_way_the_question_was_asked(response: str) -> None:
    for text in response_texts(response):
        assert not BARE_YES_OR_NO.match(text), f"{response} opens with a bare yes or no"
        assert re.search(r"leaky gut|darmbarriere|schleimhaut", text, re.IGNORECASE), (
            f"{response} names no subject"
        )


def all_response_texts() -> Dict[str, List[str]]:
    domain = yaml.safe_load(Path("domain.yml").read_text(encoding="utf-8"))
    texts: Dict[str, List[str]] = {}
    for name, variations in domain["responses"].items():
        for variation in variations:
            text = variation.get("text") or (variation.get("custom") or {}).get("data", {}).get("text")
            if text:
                texts.setdefault(name, []).append(text)
    return texts


# Heilmittelwerbegesetz §3 and §11: no promise of success or certainty, no fear, no testimonials.
PROMISE_OR_FEAR = re.compile(
    r"\bheil(t|en|ung)\b|garantiert|\bsicher\b|\bimmer\b|\bbestimmt\b|100 ?%|\bErfolg\b|Wunder|wirkt\b"
    r"|lebensgefährlich|tödlich|gefährlich|Angst|Patient(in|en)? (sagen|berichten)|Erfahrungsbericht",
    re.IGNORECASE,
)
# Diseases and conditions the approved page names; no answer speaks of any other (urgent advice names
# signs, not diseases).
DISEASE_WORDS = re.compile(
    r"\b(\w*(krankheit|erkrankung|syndrom|itis|krebs|tumor|morbus)\w*)\b", re.IGNORECASE
)


@pytest.mark.parametrize("response", sorted(all_response_texts()))
def test_no_response_promises_frightens_or_names_other_diseases(response: str) -> None:
    for text in all_response_texts()[response]:
        assert not PROMISE_OR_FEAR.search(text), f"{response}: '{PROMISE_OR_FEAR.search(text).group()}'"
        assert not DISEASE_WORDS.search(text), f"{response}: '{DISEASE_WORDS.search(text).group()}'"


def test_the_practice_is_not_called_a_doctors_practice() -> None:
    """The page says "In meiner Praxis begleite ich Sie"; the practitioner may not be a physician.
    Urgent advice and the booking offer may send patients to any doctor ("ärztlich abklären")."""
    about_any_doctor = {"utter_red_flag", "utter_offer_booking"}
    for name, texts in all_response_texts().items():
        if name in about_any_doctor:
            continue
        for text in texts:
            assert not re.search(r"\b(Ärztin|Arzt|ärztlich\w*)\b", text), f"{name}: {text[:60]}"


def test_every_medical_answer_is_covered() -> None:
    domain = yaml.safe_load(Path("domain.yml").read_text(encoding="utf-8"))
    medical = {
        name
        for name in domain["responses"]
        if name.startswith(
            (
                "utter_cause",
                "utter_what",
                "utter_colon",
                "utter_extra",
                "utter_diag",
                "utter_rev",
                "utter_conseq",
                "utter_holistic",
                "utter_treat",
            )
        )
    }
    assert medical == set(KEY_PHRASES)


def red_flag_variations() -> List[dict]:
    domain = yaml.safe_load(Path("domain.yml").read_text(encoding="utf-8"))
    return domain["responses"]["utter_red_flag"]


def conditions(variation: dict) -> Dict[str, str]:
    return {condition["name"]: condition["value"] for condition in variation.get("condition") or []}


def test_no_two_urgent_answers_can_be_chosen_for_the_same_message() -> None:
    """Rasa picks at random among all variations whose conditions match: they must exclude each other."""
    keys = [tuple(sorted(conditions(v).items())) for v in red_flag_variations() if v.get("condition")]
    assert len(keys) == len(set(keys)) == 8
    for key in keys:
        values = dict(key)
        assert "urgent_subject" in values and (
            values["red_flag_type"] == "crisis" or "emergency_level" in values
        )


def test_every_crisis_answer_gives_112_and_the_telefonseelsorge() -> None:
    crisis = [v["text"] for v in red_flag_variations() if conditions(v).get("red_flag_type") == "crisis"]
    assert len(crisis) == 2
    for text in crisis:
        assert "112" in text and "0800 111 0 111" in text and "0800 111 0 222" in text


def test_emergency_answers_say_plainly_which_number() -> None:
    for variation in red_flag_variations():
        text, level = variation["text"], conditions(variation).get("emergency_level")
        assert "112" in text
        if level == "call_112":
            assert "116 117" not in text, "for these signs 112 is the number, nothing else"
        elif conditions(variation).get("red_flag_type") != "crisis":
            assert "116 117" in text and "ärztlich abklären" in text


def test_urgent_answers_about_someone_else_speak_about_that_person() -> None:
    for variation in red_flag_variations():
        about_other = conditions(variation).get("urgent_subject") == "other"
        assert ("Person" in variation["text"]) is about_other, variation["text"]


def test_urgent_answers_are_not_reproachful() -> None:
    for variation in red_flag_variations():
        assert "ernst" not in variation["text"].split("klingt sehr ernst")[-1], variation["text"]
