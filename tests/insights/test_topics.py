"""German topic names: the button titles of domain.yml, the `report_topics` section of config/practice.yml
for topics without a button, and a report that shows no intent name (no servers)."""

from pathlib import Path
from typing import Dict

import pytest
import yaml
from rasa.shared.core.constants import DEFAULT_INTENTS
from rasa.shared.core.domain import Domain

from insights.collect import StoredEvent, aggregate
from insights.render import render_report
from insights.topics import DEFAULT_DOMAIN, UNNAMED_TOPIC, load_topic_names
from practice.config import PracticeConfigError
from practice.topics import NAMES_SECTION, button_titles, intent_of_payload
from tests.conftest import PROJECT_ROOT
from tests.insights.page_text import internal_names_in, page_text

MONDAY = 1795824000.0  # 2026-11-23, ISO week 2026-W48
DOMAIN = Domain.load(str(DEFAULT_DOMAIN))
RAW_DOMAIN = yaml.safe_load(DEFAULT_DOMAIN.read_text(encoding="utf-8"))
PRACTICE_YML = PROJECT_ROOT / "config" / "practice.yml"
CONFIGURED = yaml.safe_load(PRACTICE_YML.read_text(encoding="utf-8"))[NAMES_SECTION]


@pytest.fixture(scope="module")
def names():
    return load_topic_names()


def test_every_intent_of_the_domain_has_its_own_german_name(names) -> None:
    assert set(DOMAIN.intents) >= set(DEFAULT_INTENTS) | {"red_flag", "holistic_view"}
    for intent in DOMAIN.intents:
        assert intent in names.names, intent
        assert internal_names_in(names.name(intent), DOMAIN.intents) == [], intent
    given = [names.name(intent).casefold() for intent in DOMAIN.intents]
    assert len(set(given)) == len(given), "two topics under one name look like one to the staff"


def test_fixed_names(names) -> None:
    assert names.name("red_flag") == "Warnzeichen"
    assert names.name("nlu_fallback") == "nicht verstanden"
    on_its_button = button_titles(DOMAIN.responses).get("out_of_scope")
    assert names.name("out_of_scope") == (on_its_button or "nicht unser Thema")


def test_the_menu_after_nicht_verstanden_names_its_topics_as_patients_see_them(names) -> None:
    for menu in ("utter_default", "utter_out_of_scope"):
        buttons = RAW_DOMAIN["responses"][menu][0]["buttons"]
        assert len(buttons) >= 3
        for button in buttons:
            assert names.name(button["payload"].lstrip("/")) == button["title"], menu
    # A follow-up question on another answer's button ("Wie wird es festgestellt?") does not rename it.
    assert names.name("diagnosis") == "Diagnose"


def test_every_topic_with_a_button_carries_one_of_its_titles(names) -> None:
    titles: Dict[str, set] = {}
    for variations in RAW_DOMAIN["responses"].values():
        for variation in variations:
            for button in variation.get("buttons", []):
                intent = intent_of_payload(button["payload"])
                if intent:
                    titles.setdefault(intent, set()).add(button["title"])
    assert {"holistic_view", "colonoscopy_visibility", "human_handoff"} <= set(titles)
    for intent, its_titles in titles.items():
        if intent not in CONFIGURED:
            assert names.name(intent) in its_titles, intent


def test_practice_yml_names_only_topics_without_a_button() -> None:
    """One place per name: a button title is never repeated in config/practice.yml."""
    assert set(CONFIGURED) <= set(DOMAIN.intents)
    assert set(CONFIGURED).isdisjoint(button_titles(DOMAIN.responses))


@pytest.mark.parametrize(
    "payload, intent",
    [
        ("/diagnosis", "diagnosis"),
        ('/causes{"trigger": "stress"}', None),  # a detail of the topic, not its name
        ("/affirm@0.9", None),
        ("https://www.example.org/termin", None),
        ("{booking_url}", None),
        ("/", None),
        (None, None),
    ],
)
def test_intent_of_payload(payload, intent) -> None:
    assert intent_of_payload(payload) == intent


# --- The rules on a small domain of their own ---------------------------------------------------------

SMALL_DOMAIN = """
version: "3.1"
intents: [greet, diagnosis, reversibility, causes, affirm]
responses:
  utter_default:
    - text: "Nicht verstanden. Ein Thema?"
      buttons:
        - {title: "Diagnose", payload: "/diagnosis"}
  utter_diagnosis:
    - text: "So wird es festgestellt."
      buttons:
        - {title: "Ist es  reversibel?", payload: "/reversibility"}
        - {title: "Stress", payload: '/causes{{"trigger": "stress"}}'}
        - {title: "Ja, Termin", payload: "/affirm"}
  utter_causes:
    - text: "Ursachen."
      buttons:
        - {title: "Wie wird es festgestellt?", payload: "/diagnosis"}
        - {title: "Ist es reversibel?", payload: "/reversibility"}
  utter_confirm_delete:
    - text: "Wirklich löschen?"
      buttons:
        - {title: "Ja, löschen", payload: "/affirm"}
"""
WITHOUT_BUTTON = {
    "greet": "Begrüßung",
    "causes": "Ursachen",
    "affirm": "Ja",
    "nlu_fallback": "nicht verstanden",
    "out_of_scope": "nicht unser Thema",
    "restart": "Neustart",
    "back": "zurück",
    "session_start": "Gesprächsbeginn",
}


def small_setup(tmp_path: Path, names: Dict[str, str]) -> tuple:
    domain, practice = tmp_path / "domain.yml", tmp_path / "practice.yml"
    domain.write_text(SMALL_DOMAIN, encoding="utf-8")
    practice.write_text(yaml.safe_dump({NAMES_SECTION: names}, allow_unicode=True), encoding="utf-8")
    return domain, practice


def test_rules_menu_first_then_one_agreed_title_then_practice_yml(tmp_path: Path) -> None:
    names = load_topic_names(*small_setup(tmp_path, WITHOUT_BUTTON)).names
    assert names["diagnosis"] == "Diagnose"  # the menu, not the follow-up question
    assert names["reversibility"] == "Ist es reversibel?"  # the title both buttons agree on
    assert names["causes"] == "Ursachen"  # only a button with a trigger: named in practice.yml
    assert names["affirm"] == "Ja"  # "Ja, Termin" and "Ja, löschen" disagree: named in practice.yml
    assert set(names) == {"diagnosis", "reversibility", *WITHOUT_BUTTON}


def test_a_topic_without_a_name_stops_the_report_and_says_which(tmp_path: Path) -> None:
    without_greet = {intent: name for intent, name in WITHOUT_BUTTON.items() if intent != "greet"}
    with pytest.raises(PracticeConfigError, match=rf"{NAMES_SECTION}\.greet is missing"):
        load_topic_names(*small_setup(tmp_path, without_greet))


def test_two_topics_under_one_name_are_refused(tmp_path: Path) -> None:
    with pytest.raises(PracticeConfigError, match="share one name"):
        load_topic_names(*small_setup(tmp_path, {**WITHOUT_BUTTON, "greet": "diagnose"}))


# --- The rendered page ----------------------------------------------------------------------------------


def user(conversation: int, intent, text: str = "…") -> StoredEvent:
    return StoredEvent(conversation, "user", MONDAY, intent, None, text, "socketio")


def action(conversation: int, name: str) -> StoredEvent:
    return StoredEvent(conversation, "action", MONDAY, None, name, None, None)


def test_a_report_over_every_topic_speaks_german_only(names) -> None:
    events = [user(0, intent) for intent in DOMAIN.intents]
    events += [  # intents of an earlier model, or none: counted, under one German name
        user(1, "intent_of_an_earlier_model"),
        user(1, None),
        action(1, "action_default_fallback"),
        action(2, "utter_offer_booking"),
        user(2, "affirm"),
        action(2, "action_send_to_booking"),
        action(2, "utter_red_flag"),
    ]
    insights = aggregate(events)
    text = page_text(render_report(insights, names))

    assert internal_names_in(text, DOMAIN.intents) == []
    for intent in DOMAIN.intents:
        assert names.name(intent) in text, intent
    assert UNNAMED_TOPIC in text
    assert names.rename(insights.topics)[UNNAMED_TOPIC] == 2
    assert sum(names.rename(insights.topics).values()) == insights.user_messages
