"""German topic names for the staff report, so that staff read the words patients read.

A topic's name is the title patients see on the button that asks for it in domain.yml, read at report
time, so that renaming a button renames the report's topic too:

1. the topic menus come first: the buttons offered after "nicht verstanden" (`utter_default`), after an
   off-topic question and at the greeting, because there a title names the topic itself, where other
   buttons may ask a follow-up question ("Wie wird es festgestellt?" for the topic "Diagnose");
2. otherwise the title all buttons of the intent agree on;
3. intents without such a button (greetings, "nicht verstanden", warning signs, yes and no, whose buttons
   say "Ja, löschen" as well as "Ja, Termin vereinbaren") are named in the `report_topics` section of
   config/practice.yml, the one place staff change texts.

Buttons that also set an entity ("Stress" sends `/causes` with a trigger) name a detail, not the topic.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Set, Tuple

from practice.config import PracticeConfigError, config_path, load_text_section

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOMAIN = PROJECT_ROOT / "domain.yml"
TOPIC_MENUS = ("utter_default", "utter_out_of_scope", "utter_greet")
NAMES_SECTION = "report_topics"
# Stored conversations can hold intents of an earlier model that the domain no longer has, or none.
UNNAMED_TOPIC = "sonstige Themen"


@dataclass(frozen=True)
class TopicNames:
    names: Mapping[str, str]  # intent -> German name

    def name(self, intent: str) -> str:
        return self.names.get(intent, UNNAMED_TOPIC)

    def rename(self, counts_by_intent: Mapping[str, int]) -> Counter:
        """Counts per German name; intents without a name of their own are added up as one topic."""
        counts: Counter = Counter()
        for intent, count in counts_by_intent.items():
            counts[self.name(intent)] += count
        return counts


def load_topic_names(domain_path: Path = DEFAULT_DOMAIN, practice_path: Optional[Path] = None) -> TopicNames:
    """Names for every intent of the domain (Rasa's own intents included); a missing one is a
    PracticeConfigError naming it, so that no intent name ever reaches the staff."""
    from rasa.shared.core.domain import Domain  # imported here: loading Rasa takes seconds

    domain = Domain.load(str(domain_path))
    names = {
        intent: title for intent, title in button_titles(domain.responses).items() if intent in domain.intents
    }
    without_button = [intent for intent in domain.intents if intent not in names]
    names.update(load_text_section(NAMES_SECTION, without_button, practice_path or config_path()))
    _check_distinct(names, practice_path or config_path())
    return TopicNames(names)


def button_titles(responses: Mapping[str, List[Mapping[str, Any]]]) -> Dict[str, str]:
    """Intent -> the title of its button, by the rules in the module's docstring."""
    titles: Dict[str, str] = {}
    for menu in TOPIC_MENUS:
        for intent, title in _intent_buttons(responses.get(menu, [])):
            titles.setdefault(intent, title)
    elsewhere: Dict[str, Set[str]] = {}
    for variations in responses.values():
        for intent, title in _intent_buttons(variations):
            elsewhere.setdefault(intent, set()).add(title)
    for intent, distinct_titles in elsewhere.items():
        if intent not in titles and len(distinct_titles) == 1:
            titles[intent] = distinct_titles.pop()
    return titles


def intent_of_payload(payload: Any) -> Optional[str]:
    """`/intent` -> intent; None for links, texts and payloads that also set entities or a confidence."""
    if not isinstance(payload, str) or not payload.startswith("/"):
        return None
    intent = payload[1:].strip()
    if not intent or any(sign in intent for sign in "{@ "):
        return None
    return intent


def _intent_buttons(variations: Iterable[Mapping[str, Any]]) -> Iterator[Tuple[str, str]]:
    for variation in variations:
        for button in variation.get("buttons") or []:
            intent = intent_of_payload(button.get("payload"))
            title = " ".join(str(button.get("title") or "").split())
            if intent and title:
                yield intent, title


def _check_distinct(names: Mapping[str, str], practice_path: Path) -> None:
    """Two topics under one name would look like one to the staff."""
    by_name: Dict[str, List[str]] = {}
    for intent, name in names.items():
        by_name.setdefault(name.casefold(), []).append(intent)
    shared = [intents for intents in by_name.values() if len(intents) > 1]
    if shared:
        raise PracticeConfigError(
            f"Topics {shared} share one name: give each its own in domain.yml (button title) or in "
            f"{practice_path} ({NAMES_SECTION})."
        )
