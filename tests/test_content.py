"""Ties every medical answer to the practice's approved page, so answers cannot drift from it."""

import re
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

APPROVED_PAGE = Path(__file__).resolve().parents[1] / "content" / "leaky-gut-praxisseite.de.txt"
KNOWN_SLIPS = {"IFABT": "I-FABP", "Darmschleimautparametern": "Darmschleimhautparametern"}  # content/README.md

# Phrases each medical answer must carry word for word from the approved page.
KEY_PHRASES: Dict[str, List[str]] = {
    "utter_what_is_leaky_gut": ["erhöhte Durchlässigkeit der Darmschleimhaut", "Barrierefunktion gestört",
                                "Kontakt mit dem Immunsystem aufnehmen", "stille Entzündungsprozesse fördern"],
    "utter_colonoscopy_visibility": ["In der Regel nein", "strukturelle Veränderungen der Schleimhaut",
                                     "Funktionelle Störungen der Darmbarriere können bestehen",
                                     "endoskopisch unauffällig erscheint"],
    "utter_extraintestinal_symptoms": ["immunologische und entzündliche Signalwege", "gestörte Darmbarriere",
                                       "Erschöpfung, Hautprobleme, Gelenkbeschwerden oder Stressintoleranz"],
    "utter_diagnosis": ["Die Diagnose erfolgt anhand der Klinik", "Zonulin und I-FABP", "im Blut"],
    "utter_reversibility": ["In vielen Fällen ja", "gezielte, individuelle Unterstützung der Darmbarriere",
                            "kann sich die Funktion der Schleimhaut deutlich verbessern"],
    "utter_consequences": ["chronische Entzündungsneigung", "Aktivierung oder Verstärkung autoimmuner Prozesse",
                           "Nahrungsmittelunverträglichkeiten", "Erschöpfung und verminderte Belastbarkeit",
                           "Stress- und Emotionsregulation"],
    "utter_holistic_view": ["Wechselwirkung mit dem Nervensystem, dem Immunsystem und dem Hormonhaushalt",
                            "kein isoliertes Darmproblem", "Teil einer systemischen Dysregulation"],
    "utter_treatment": ["Eine nachhaltige Therapie chronischer Beschwerden ist häufig nur möglich",
                        "Darmbarriere gezielt stabilisiert", "ganzheitliches Behandlungskonzept eingebettet",
                        "funktionelle Ursachen zu erkennen und gezielt zu behandeln"],
    "utter_causes_overview": ["multifaktoriell", "Häufig wirken mehrere Belastungen gleichzeitig",
                              "Ungleichgewicht des Mikrobioms", "Schmerzmittel", "Antibiotika",
                              "entzündungsfördernde Ernährungsfaktoren", "Nährstoffmängel"],
    "utter_cause_stress": ["autonome Dysregulation", "Chronischer Stress kann die Durchlässigkeit der Schleimhaut erhöhen",
                           "verstärkt eine gestörte Darmbarriere die Stressanfälligkeit"],
    "utter_cause_dysbiosis": ["Ungleichgewicht des Mikrobioms", "einer gestörten Darmbarriere"],
    "utter_cause_medication": ["Schmerzmittel", "Antibiotika", "individuell unterschiedlich"],
    "utter_cause_diet": ["Entzündungsfördernde Ernährungsfaktoren", "mehrere Belastungen gleichzeitig"],
    "utter_cause_nutrient_deficiency": ["Nährstoffmängel", "Schleimhautregeneration beeinträchtigen"],
}
# Words that would promise success or go beyond the page (Heilmittelwerbegesetz §3).
FORBIDDEN = re.compile(
    r"garantiert|sicher geheilt|heilt |immer geheilt|100 ?%|\bErfolg\b|wirksam|Wunder|Probiotik|Glutamin|Nahrungsergänzung"
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


@pytest.mark.parametrize("response", KEY_PHRASES)
def test_answer_is_short_and_promises_nothing(response: str) -> None:
    for text in response_texts(response):
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
        assert 2 <= len(sentences) <= 4, f"{response} has {len(sentences)} sentences"
        assert not FORBIDDEN.search(text), f"{response}: '{FORBIDDEN.search(text).group()}'"


def test_every_medical_answer_is_covered() -> None:
    domain = yaml.safe_load(Path("domain.yml").read_text(encoding="utf-8"))
    medical = {name for name in domain["responses"] if name.startswith(("utter_cause", "utter_what", "utter_colon",
               "utter_extra", "utter_diag", "utter_rev", "utter_conseq", "utter_holistic", "utter_treat"))}
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
        assert "urgent_subject" in values and (values["red_flag_type"] == "crisis" or "emergency_level" in values)


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
