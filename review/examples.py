"""Reviewed examples: what staff decided about a queued message, written as training data.

A topic (an FAQ intent, `out_of_scope` for "gehört nicht zu unseren Themen") goes to
`data/nlu/reviewed.yml`, an urgent message to `data/triage/reviewed.yml`; each example carries the date
of its review and nothing that leads back to a conversation (no sender id, no time of day, no channel).

An example is refused, with a reason staff can read, when it
- repeats an example of the training data (same text after `normalise`),
- contradicts one: the same text with another topic, or urgent where the data say not urgent, or the
  other way round (the triage classifier learns the FAQ's questions as not urgent),
- is in an evaluation set: those judge the assistant and must never become training data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from review.queue import normalise

PROJECT_ROOT = Path(__file__).resolve().parent.parent
NLU_DIR = PROJECT_ROOT / "data" / "nlu"
TRIAGE_DIR = PROJECT_ROOT / "data" / "triage"
EVALUATION_DIRS = (PROJECT_ROOT / "tests" / "nlu", PROJECT_ROOT / "tests" / "triage")
REVIEWED_FILE = "reviewed.yml"
URGENT_OUTCOMES = ("emergency", "crisis")
NOT_URGENT = "none"
NLU_HEADER = (
    "# Reviewed by the practice team on the staff review page (review/, `make review`): messages the\n"
    "# assistant did not answer well, each with the topic staff gave it and the date of review.\n"
    "# Written by review/examples.py; staff confirmed that no example holds personal details.\n"
)
TRIAGE_HEADER = (
    "# Urgent messages reviewed by the practice team on the staff review page (review/): each with the\n"
    "# date of review. Written by review/examples.py; staff confirmed that none holds personal details.\n"
)


class ExampleRefused(ValueError):
    """The example cannot become training data; the message says why, in German, for staff."""


@dataclass(frozen=True)
class Label:
    """Staff's decision: a topic (intent) or an urgent outcome (`emergency` / `crisis`)."""

    intent: Optional[str] = None
    urgent: Optional[str] = None

    def __post_init__(self) -> None:
        if (self.intent is None) == (self.urgent is None):
            raise ValueError("a label is either a topic or an urgent outcome")
        if self.urgent is not None and self.urgent not in URGENT_OUTCOMES:
            raise ValueError(f"unknown urgent outcome {self.urgent!r}")


@dataclass(frozen=True)
class KnownText:
    where: str  # German, for staff: "Trainingsdaten (Thema …)", "Prüfsatz"
    intent: Optional[str] = None  # an FAQ intent
    triage: Optional[str] = None  # emergency | crisis | none
    evaluation: bool = False


@dataclass(frozen=True)
class DataPaths:
    nlu_dir: Path = NLU_DIR
    triage_dir: Path = TRIAGE_DIR
    evaluation_dirs: Tuple[Path, ...] = EVALUATION_DIRS

    @property
    def nlu_reviewed(self) -> Path:
        return self.nlu_dir / REVIEWED_FILE

    @property
    def triage_reviewed(self) -> Path:
        return self.triage_dir / REVIEWED_FILE


def known_texts(paths: DataPaths) -> Dict[str, List[KnownText]]:
    """Normalised text -> where it already is: NLU and triage training data, evaluation sets.
    Read again only when one of the files changed."""
    files = tuple(
        (path, path.stat().st_mtime_ns)
        for directory in (paths.nlu_dir, paths.triage_dir, *paths.evaluation_dirs)
        for path in sorted(directory.glob("*.yml"))
    )
    return _known_texts(paths, files)


@lru_cache(maxsize=4)
def _known_texts(paths: DataPaths, _files: Tuple[Tuple[Path, int], ...]) -> Dict[str, List[KnownText]]:
    known: Dict[str, List[KnownText]] = {}
    for path in sorted(paths.nlu_dir.glob("*.yml")):
        for intent, text in _nlu_examples(path):
            known.setdefault(normalise(text), []).append(KnownText("Trainingsdaten", intent=intent))
    for path in sorted(paths.triage_dir.glob("*.yml")):
        for outcome, text in _triage_examples(path):
            known.setdefault(normalise(text), []).append(KnownText("Trainingsdaten", triage=outcome))
    for directory in paths.evaluation_dirs:
        for path in sorted(directory.glob("*.yml")):
            for text in _evaluation_texts(path):
                known.setdefault(normalise(text), []).append(KnownText("Prüfsatz", evaluation=True))
    return known


def check_example(text: str, label: Label, known: Dict[str, List[KnownText]]) -> None:
    """Raises ExampleRefused if `text` with `label` would repeat or contradict what is known."""
    key = normalise(text)
    if not key:
        raise ExampleRefused("Die Nachricht ist leer.")
    for entry in known.get(key, []):
        if entry.evaluation:
            raise ExampleRefused(
                "Diese Nachricht steht in einem Prüfsatz, mit dem der Assistent bewertet wird. "
                "Prüfsätze dürfen keine Trainingsdaten werden."
            )
        if label.intent is not None:
            if entry.intent == label.intent:
                raise ExampleRefused("Diese Nachricht steht schon so in den Trainingsdaten.")
            if entry.intent is not None:
                raise ExampleRefused(
                    "Diese Nachricht steht in den Trainingsdaten schon bei einem anderen Thema."
                )
            if entry.triage in URGENT_OUTCOMES:
                raise ExampleRefused("Diese Nachricht ist in den Trainingsdaten als dringend eingetragen.")
        else:
            if entry.triage == label.urgent:
                raise ExampleRefused("Diese Nachricht steht schon so in den Trainingsdaten.")
            if entry.triage is not None or entry.intent is not None:
                raise ExampleRefused(
                    "Diese Nachricht steht in den Trainingsdaten schon als nicht dringend oder mit "
                    "anderer Dringlichkeit."
                )


def add_example(text: str, label: Label, reviewed_on: date, paths: DataPaths = DataPaths()) -> Path:
    """Checks the example against all data and writes it to the reviewed file; returns that file."""
    text = " ".join(text.split())
    check_example(text, label, known_texts(paths))
    if label.intent is not None:
        _add_nlu_example(paths.nlu_reviewed, label.intent, text, reviewed_on)
        return paths.nlu_reviewed
    _add_triage_example(paths.triage_reviewed, label.urgent or "", text, reviewed_on)
    return paths.triage_reviewed


def reviewed_examples(paths: DataPaths = DataPaths()) -> List[Tuple[str, str, str]]:
    """(text, expected, date) of every reviewed example; expected as review/evaluate.py reads it:
    an intent, or `red_flag:emergency` / `red_flag:crisis`."""
    examples: List[Tuple[str, str, str]] = []
    if paths.nlu_reviewed.exists():
        for block in _load(paths.nlu_reviewed).get("nlu") or []:
            for entry in block.get("examples") or []:
                examples.append((entry["text"], block["intent"], str(entry["metadata"]["reviewed"])))
    if paths.triage_reviewed.exists():
        for outcome, entries in (_load(paths.triage_reviewed).get("triage") or {}).items():
            for entry in entries or []:
                examples.append((entry["text"], f"red_flag:{outcome}", str(entry["reviewed"])))
    return examples


def reviewed_per_week(examples: Iterable[Tuple[str, str, str]]) -> Dict[str, int]:
    """ISO week ("2026-W49") -> examples reviewed in it."""
    weeks: Dict[str, int] = {}
    for _, _, day in examples:
        year, week, _ = date.fromisoformat(day).isocalendar()
        weeks[f"{year}-W{week:02d}"] = weeks.get(f"{year}-W{week:02d}", 0) + 1
    return weeks


def _add_nlu_example(path: Path, intent: str, text: str, reviewed_on: date) -> None:
    content = _load(path) if path.exists() else {"version": "3.1", "nlu": []}
    blocks = content.setdefault("nlu", [])
    block = next((block for block in blocks if block.get("intent") == intent), None)
    if block is None:
        block = {"intent": intent, "examples": []}
        blocks.append(block)
    block["examples"].append({"text": text, "metadata": {"reviewed": reviewed_on.isoformat()}})
    _write(path, NLU_HEADER, content)


def _add_triage_example(path: Path, outcome: str, text: str, reviewed_on: date) -> None:
    content = _load(path) if path.exists() else {"triage": {}}
    entries = content.setdefault("triage", {}).setdefault(outcome, [])
    entries.append({"text": text, "reviewed": reviewed_on.isoformat()})
    _write(path, TRIAGE_HEADER, content)


def _write(path: Path, header: str, content: dict) -> None:
    """Written to a temporary file first: a training run never reads half a file."""
    body = yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=110)
    temporary = path.with_suffix(".yml.tmp")
    temporary.write_text(header + body, encoding="utf-8")
    temporary.replace(path)


# libyaml's loader where PyYAML was built with it: the data and sets are several megabytes.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(path: Path) -> dict:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER) or {}


def _nlu_examples(path: Path) -> Iterable[Tuple[str, str]]:
    """(intent, text) of a Rasa NLU file: examples as a block of "- text" lines or as a list of entries."""
    for block in _load(path).get("nlu") or []:
        intent = block.get("intent")
        examples = block.get("examples")
        if not intent or not examples:
            continue
        if isinstance(examples, str):
            for line in examples.splitlines():
                line = line.strip()
                if line.startswith("- "):
                    yield intent, _strip_entity_markup(line[2:])
        else:
            for entry in examples:
                yield intent, _strip_entity_markup(str(entry.get("text", "")))


def _triage_examples(path: Path) -> Iterable[Tuple[str, str]]:
    for outcome, entries in (_load(path).get("triage") or {}).items():
        for entry in entries or []:
            yield outcome, entry["text"] if isinstance(entry, dict) else str(entry)


def _evaluation_texts(path: Path) -> Iterable[str]:
    """Texts of an evaluation set: triage sets (`examples:` with `text`) and FAQ sets (Rasa NLU format)."""
    content = _load(path)
    if isinstance(content.get("examples"), list):
        for entry in content["examples"]:
            if isinstance(entry, dict) and entry.get("text"):
                yield str(entry["text"])
    elif content.get("nlu"):
        yield from (text for _, text in _nlu_examples(path))


ENTITY_MARKUP = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")


def _strip_entity_markup(text: str) -> str:
    """ "[Stress](trigger)" -> "Stress": the text the patient would type."""
    return ENTITY_MARKUP.sub(r"\1", text)
