"""Figures of one trained model for the staff review page, as ONE JSON object on stdout.

python -m review.evaluate MODEL.tar.gz [--reviewed FILE.json|-] [--no-sets] [--project DIR]

- `faq`: per FAQ sealed set (FAQ_SEALED_SETS), intent accuracy on the clean and the noisy variant and
  the share of "nicht verstanden" (`nlu_fallback`), scored as `python -m tests.nlu.evaluate` does;
- `triage`: per triage sealed set (TRIAGE_SEALED_SETS), urgent recall, crisis recall (helpline given) and
  false alarms, scored as `python -m tests.triage.evaluate` does;
- `reviewed`: for each `{"text", "expected"}` of the JSON list in --reviewed (`-`: stdin, which keeps the
  texts off the disk), what the model answers (`got`) and whether that is what staff expected. Expected is
  an intent name, `red_flag:emergency`, `red_flag:crisis` or `none` (any answer but an urgent one).

Each set carries its counts (for comparisons without float rounding) and a fingerprint of the messages
it was scored on, so figures of two models are only compared when measured on the same messages.
--no-sets skips the sets (when only reviewed examples are missing from review/candidates.py's cache).
--project names the project directory whose data/nlu the FAQ sets leave out (default: this one).

Runs in its own process, so that the review server never imports TensorFlow. Message texts appear only
in the JSON on stdout: Rasa logs at WARNING (its debug log would print them), and whatever a library
prints to stdout is sent to stderr instead, so stdout holds nothing but the JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Sequence

from tests.nlu.sets import SEALED_FAQ_SET
from tests.triage.sets import SEALED_TRIAGE_SET, load_set, outcome_from_parse, score

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The newest sealed sets: the ones that judge a change of the model (older ones are development sets).
FAQ_SEALED_SETS = (PROJECT_ROOT / "tests" / "nlu" / f"{SEALED_FAQ_SET}.yml",)
TRIAGE_SEALED_SETS = (SEALED_TRIAGE_SET,)
FALLBACK_INTENT = "nlu_fallback"
RED_FLAG_INTENT = "red_flag"
NOT_URGENT = "none"  # a reviewed example's label for "any answer but an urgent one"


def answer_label(parse: Dict[str, Any]) -> str:
    """The intent name, or `red_flag:<emergency|crisis>` for an urgent message, as the triage decides."""
    outcome = outcome_from_parse(parse)
    if outcome.outcome != NOT_URGENT:
        return f"{RED_FLAG_INTENT}:{outcome.outcome}"
    return (parse.get("intent") or {}).get("name") or ""


def is_expected(got: str, expected: str) -> bool:
    if expected == NOT_URGENT:
        return not got.startswith(f"{RED_FLAG_INTENT}:")
    return got == expected


def messages_fingerprint(texts: Sequence[str]) -> str:
    """Identifies the messages a set was scored on (training data can remove sealed messages from it)."""
    return hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()


def share(count: int, total: int) -> float:
    return count / total if total else 0.0


async def faq_figures(agent: Any, path: Path) -> Dict[str, Any]:
    """Accuracy (clean and noisy) and "nicht verstanden" (clean) on the messages not in the training data."""
    from tests.nlu.holdout import load_unseen, noisy_holdout

    clean = load_unseen(path)
    correct = {"clean": 0, "noisy": 0}
    not_understood = 0
    for variant, examples in (("clean", clean), ("noisy", noisy_holdout(clean))):
        for example in examples:
            intent = (await agent.parse_message(example.text))["intent"]["name"]
            correct[variant] += intent == example.intent
            not_understood += variant == "clean" and intent == FALLBACK_INTENT
    total = len(clean)
    return {
        "messages": total,
        "accuracy_clean": share(correct["clean"], total),
        "accuracy_noisy": share(correct["noisy"], total),
        "not_understood_clean": share(not_understood, total),
        "counts": {
            "correct_clean": correct["clean"],
            "correct_noisy": correct["noisy"],
            "not_understood_clean": not_understood,
        },
        "fingerprint": messages_fingerprint([example.text for example in clean]),
    }


async def triage_figures(agent: Any, path: Path) -> Dict[str, Any]:
    """Urgent recall, crisis recall (helpline given) and false alarms, scored by tests/triage/sets.py."""
    examples = load_set(path)
    outcomes = {}
    for example in examples:
        outcomes[example.text] = outcome_from_parse(await agent.parse_message(example.text))
    result = score(examples, outcomes.__getitem__)
    return {
        "messages": len(examples),
        "urgent_recall": result.urgent_recall,
        "crisis_recall": result.crisis_recall,
        "false_alarm_rate": result.false_alarm_rate,
        "counts": {
            "urgent": result.urgent,
            "urgent_found": result.urgent - len(result.urgent_missed),
            "crisis": result.crisis,
            "crisis_found": result.crisis - len(result.crisis_without_helpline),
            "non_urgent": result.non_urgent,
            "false_alarms": len(result.false_alarms),
        },
        "fingerprint": messages_fingerprint([example.text for example in examples]),
    }


async def reviewed_results(agent: Any, reviewed: Sequence[Dict[str, str]]) -> List[Dict[str, Any]]:
    results = []
    for item in reviewed:
        got = answer_label(await agent.parse_message(item["text"]))
        results.append(
            {
                "text": item["text"],
                "expected": item["expected"],
                "got": got,
                "correct": is_expected(got, item["expected"]),
            }
        )
    return results


def load_agent(model: Path) -> Any:
    # Before TensorFlow is imported: on import, skops scans sys.modules, slow once TensorFlow is loaded
    # (as in addons/rasa_main.py; the model's classifiers are stored with skops).
    import skops.io  # noqa: F401
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Rasa's debug log would print every message text.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    return Agent.load(str(model))


async def evaluate(model: Path, reviewed: Sequence[Dict[str, str]], with_sets: bool) -> Dict[str, Any]:
    agent = load_agent(model)
    figures: Dict[str, Any] = {"faq": {}, "triage": {}}
    if with_sets:
        figures["faq"] = {path.stem: await faq_figures(agent, path) for path in FAQ_SEALED_SETS}
        figures["triage"] = {path.stem: await triage_figures(agent, path) for path in TRIAGE_SEALED_SETS}
    figures["reviewed"] = await reviewed_results(agent, reviewed)
    return figures


def read_reviewed(source: str) -> List[Dict[str, str]]:
    text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    items = json.loads(text)
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("text"), str) and isinstance(item.get("expected"), str)
        for item in items
    ):
        raise ValueError('--reviewed must hold a JSON list of {"text": ..., "expected": ...}')
    return [{"text": item["text"], "expected": item["expected"]} for item in items]


def stdout_for_json_only():
    """A stream to the real stdout; file descriptor 1 itself then goes to stderr, for what libraries print."""
    json_stream = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    return json_stream


def main() -> None:
    parser = argparse.ArgumentParser(description="Figures of one trained model, as JSON on stdout.")
    parser.add_argument("model", type=Path)
    parser.add_argument("--reviewed", help="JSON list of {text, expected}; '-' reads it from stdin")
    parser.add_argument("--no-sets", action="store_true", help="only the reviewed examples")
    parser.add_argument(
        "--project", type=Path, default=PROJECT_ROOT, help="whose data/nlu the sets leave out"
    )
    arguments = parser.parse_args()
    model = arguments.model.resolve()
    if not model.is_file():
        parser.error(f"no model file at {model}")
    reviewed = read_reviewed(arguments.reviewed) if arguments.reviewed else []
    os.chdir(arguments.project)  # the sets leave out what is in the training data, read from data/nlu
    json_stream = stdout_for_json_only()
    figures = asyncio.run(evaluate(model, reviewed, with_sets=not arguments.no_sets))
    json.dump(figures, json_stream, ensure_ascii=False)
    json_stream.write("\n")
    json_stream.close()


if __name__ == "__main__":
    main()
