"""German topic names for the staff report, so that staff read the words patients read.

A topic's name is the title patients see on the button that asks for it in domain.yml, read at report
time, so that renaming a button renames the report's topic too (the rules: practice/topics.py).
Intents without such a button (greetings, "nicht verstanden", warning signs, yes and no, whose buttons
say "Ja, löschen" as well as "Ja, Termin vereinbaren") are named in `report_topics` of
config/practice.yml.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from practice.config import PracticeConfigError, config_path
from practice.topics import NAMES_SECTION, topic_titles

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DOMAIN = PROJECT_ROOT / "domain.yml"
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
    names = topic_titles(domain.responses, domain.intents, practice_path or config_path())
    _check_distinct(names, practice_path or config_path())
    return TopicNames(names)


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
