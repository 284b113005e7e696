"""Figures of the language check (components/language_guard.py) on its evidence (tests/language/sets.py).

python -m tests.language.evaluate [model.tar.gz]

Without a model: the check alone, per foreign language (recognised, and as which language when not) and
per German set (taken as foreign). With a trained model also what the whole NLU pipeline makes of each
foreign message: `other_language`, or `red_flag` (the triage's German advice, which names 112).
Patient texts are printed here on purpose: the sets are written test messages, not patients'.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional

from components.language_guard import default_check
from tests.language.sets import FOREIGN_LANGUAGES, foreign_set, german_sets


def check_report() -> List[str]:
    check = default_check()
    lines = ["Foreign messages recognised (language check alone):"]
    for language in FOREIGN_LANGUAGES:
        messages = [m for m in foreign_set() if m.language == language]
        got = {m.text: check.language_of(m.text) for m in messages}
        right = sum(got[m.text] == language for m in messages)
        lines.append(f"  {language}: {right}/{len(messages)}")
        lines.extend(
            f"      missed ({got[m.text] or 'German'}): {m.text}" for m in messages if got[m.text] != language
        )
    lines.append("German messages taken as foreign:")
    for source, texts in german_sets().items():
        wrong = [(text, check.language_of(text)) for text in texts]
        wrong = [(text, language) for text, language in wrong if language is not None]
        lines.append(f"  {source}: {len(wrong)}/{len(texts)}")
        lines.extend(f"      as {language}: {text}" for text, language in wrong)
    return lines


async def pipeline_report(model: Path) -> List[str]:
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)  # Rasa's debug log would print every message text
    agent = Agent.load(str(model))
    lines = [f"Foreign messages through the NLU pipeline of {model.name} (intent, language entity):"]
    for language in FOREIGN_LANGUAGES:
        outcomes: Counter = Counter()
        for message in (m for m in foreign_set() if m.language == language):
            parse = await agent.parse_message(message.text)
            outcomes[_outcome(parse, language)] += 1
        counts = ", ".join(f"{name} {count}" for name, count in outcomes.most_common())
        lines.append(f"  {language}: {counts}")
    return lines


def _outcome(parse: Dict, language: str) -> str:
    intent = (parse.get("intent") or {}).get("name")
    entities = {e["entity"]: e["value"] for e in parse.get("entities") or []}
    if intent == "other_language":
        return "line in its language" if entities.get("language") == language else "line in another language"
    if intent == "red_flag":
        return "urgent advice (German)"
    return f"German answer ({intent})"


def main(model: Optional[Path]) -> None:
    print("\n".join(check_report()))
    if model is not None:
        print("\n".join(asyncio.run(pipeline_report(model))))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else None)
