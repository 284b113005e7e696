"""Topic titles as patients see them on the buttons of domain.yml: one source for every place that
names a topic (the staff report, the assistant's "Meinen Sie …?" question).

1. the topic menus come first: the buttons offered after "nicht verstanden" (`utter_default`), after an
   off-topic question and at the greeting, because there a title names the topic itself, where other
   buttons may ask a follow-up question ("Wie wird es festgestellt?" for the topic "Diagnose");
2. otherwise the title all buttons of the intent agree on;
3. intents without such a button are named in the `report_topics` section of config/practice.yml,
   the one place staff change texts.

Buttons that also set an entity ("Stress" sends `/causes` with a trigger) name a detail, not the topic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Mapping, Optional, Set, Tuple

from practice.config import config_path, load_text_section

TOPIC_MENUS = ("utter_default", "utter_out_of_scope", "utter_greet")
NAMES_SECTION = "report_topics"


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


def topic_titles(
    responses: Mapping[str, List[Mapping[str, Any]]],
    intents: Iterable[str],
    practice_path: Optional[Path] = None,
) -> Dict[str, str]:
    """Intent -> title for each of `intents`: its button title, else its name in config/practice.yml
    (a PracticeConfigError names an intent that has neither)."""
    wanted = list(intents)
    titles = {intent: title for intent, title in button_titles(responses).items() if intent in wanted}
    without_button = [intent for intent in wanted if intent not in titles]
    titles.update(load_text_section(NAMES_SECTION, without_button, practice_path or config_path()))
    return titles
