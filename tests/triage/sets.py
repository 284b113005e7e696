"""The triage evaluation sets (tests/triage/*.yml) and how a triage outcome is scored.

The sets were written by people who never saw the triage rules, its training data or its tests.
A sealed set is scored once, at the end of a change; after that it is a development set like
`dev.yml`, worked with (thresholds, rule fixes), and a newly written set is the sealed one
(docs/triage.md has the history). No set may ever be used as training data
(`test_sets_are_not_training_data`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple

import yaml

SETS_DIR = Path(__file__).resolve().parent
DEV_SET = SETS_DIR / "dev.yml"
# The sets sealed for rounds 1 to 6 (sealed.yml to sealed7.yml) are training data since round 11, those of
# rounds 7 to 9 (sealed8.yml to sealed10.yml) since round 12: data/triage/retired_*.yml.
SEALED_SET_11 = SETS_DIR / "sealed11.yml"  # sealed for round 9, then a development set
SEALED_SET_12 = SETS_DIR / "sealed12.yml"  # sealed for round 10, then a development set
SEALED_SET_13 = SETS_DIR / "sealed13.yml"  # judged a change tried after round 10; development since
SEALED_SET_14 = SETS_DIR / "sealed14.yml"  # sealed for round 11, then a development set
SEALED_SET_15 = SETS_DIR / "sealed15.yml"  # sealed for round 12, then a development set
SEALED_SET_16 = SETS_DIR / "sealed16.yml"  # sealed for round 13
# The newest sealed set: it judges the current triage in `make bench` and the review page's gate, and is
# never used to choose anything.
SEALED_TRIAGE_SET = SEALED_SET_16
DEVELOPMENT_SETS = (
    DEV_SET,
    SEALED_SET_11,
    SEALED_SET_12,
    SEALED_SET_13,
    SEALED_SET_14,
    SEALED_SET_15,
)
ALL_SETS = (*DEVELOPMENT_SETS, SEALED_TRIAGE_SET)
URGENT = ("emergency", "crisis")
OUTCOMES = ("emergency", "crisis", "none")


@dataclass(frozen=True)
class Example:
    text: str
    label: str  # emergency | crisis | none
    category: str
    about: str  # self | other
    style: str


@dataclass(frozen=True)
class Outcome:
    """What the assistant did with one message: the triage outcome and whom its advice addressed."""

    outcome: str  # emergency | crisis | none
    about: Optional[str] = None


def load_set(path: Path) -> List[Example]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [Example(**entry) for entry in data["examples"]]


@dataclass
class Score:
    urgent: int = 0
    urgent_missed: List[Tuple[Example, Outcome]] = None  # type: ignore[assignment]
    crisis: int = 0
    crisis_without_helpline: List[Tuple[Example, Outcome]] = None  # type: ignore[assignment]
    other_person: int = 0
    other_person_wrong_address: List[Tuple[Example, Outcome]] = None  # type: ignore[assignment]
    non_urgent: int = 0
    false_alarms: List[Tuple[Example, Outcome]] = None  # type: ignore[assignment]
    per_category: Dict[str, Counter] = None  # type: ignore[assignment]

    def __post_init__(self) -> None:
        self.urgent_missed = []
        self.crisis_without_helpline = []
        self.other_person_wrong_address = []
        self.false_alarms = []
        self.per_category = defaultdict(Counter)

    @property
    def urgent_recall(self) -> float:
        return 1 - len(self.urgent_missed) / max(self.urgent, 1)

    @property
    def crisis_recall(self) -> float:
        return 1 - len(self.crisis_without_helpline) / max(self.crisis, 1)

    @property
    def false_alarm_rate(self) -> float:
        return len(self.false_alarms) / max(self.non_urgent, 1)


def score(examples: Iterable[Example], triage: Callable[[str], Outcome]) -> Score:
    """Urgent recall (any urgent advice), crisis recall (helpline given), false alarms on the rest."""
    result = Score()
    for example in examples:
        got = triage(example.text)
        counts = result.per_category[f"{example.label}/{example.category}"]
        counts["n"] += 1
        if example.label in URGENT:
            result.urgent += 1
            if got.outcome not in URGENT:
                result.urgent_missed.append((example, got))
                counts["wrong"] += 1
            elif example.label == "crisis" and got.outcome != "crisis":
                counts["wrong"] += 1
            if example.label == "crisis":
                result.crisis += 1
                if got.outcome != "crisis":
                    result.crisis_without_helpline.append((example, got))
            if example.about == "other" and got.outcome in URGENT:
                result.other_person += 1
                if got.about != "other":
                    result.other_person_wrong_address.append((example, got))
        else:
            result.non_urgent += 1
            if got.outcome in URGENT:
                result.false_alarms.append((example, got))
                counts["wrong"] += 1
    return result


def report(name: str, result: Score, show_errors: bool = True) -> str:
    urgent_found = result.urgent - len(result.urgent_missed)
    crisis_found = result.crisis - len(result.crisis_without_helpline)
    relatives = result.other_person - len(result.other_person_wrong_address)
    lines = [
        f"{name}: urgent recall {result.urgent_recall:.3f} ({urgent_found}/{result.urgent}),"
        f" crisis with helpline {result.crisis_recall:.3f} ({crisis_found}/{result.crisis}),"
        f" false alarms {result.false_alarm_rate:.3f} ({len(result.false_alarms)}/{result.non_urgent}),"
        f" relatives addressed as such {relatives}/{result.other_person}",
        "  per category (wrong / n):",
    ]
    for category in sorted(result.per_category):
        counts = result.per_category[category]
        lines.append(f"    {category:<45} {counts['wrong']:>3} / {counts['n']}")
    if show_errors:
        for title, errors in (
            ("urgent missed", result.urgent_missed),
            (
                "crisis without helpline",
                [e for e in result.crisis_without_helpline if e not in result.urgent_missed],
            ),
            ("false alarms", result.false_alarms),
            ("relative addressed as the patient", result.other_person_wrong_address),
        ):
            lines.append(f"  {title}:")
            lines.extend(f"    [{e.category}] {got.outcome}: {e.text}" for e, got in errors)
    return "\n".join(lines)


def outcome_from_parse(parse: dict) -> Outcome:
    """The triage outcome Rasa's parse result carries: intent `red_flag` plus the triage entities."""
    entities = {entity["entity"]: entity["value"] for entity in parse.get("entities") or []}
    if (parse.get("intent") or {}).get("name") != "red_flag":
        return Outcome("none")
    kind = entities.get("red_flag_type")
    return Outcome("crisis" if kind == "crisis" else "emergency", entities.get("urgent_subject"))
