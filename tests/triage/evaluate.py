"""The trained model's triage on a set: python -m tests.triage.evaluate dev|sealed [--errors]."""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from pathlib import Path

from tests.triage.sets import SETS_DIR, load_set, outcome_from_parse, report, score

MODEL = Path(__file__).resolve().parents[2] / "models" / "leaky-gut-assistant.tar.gz"


async def _main(set_name: str, show_errors: bool) -> None:
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Rasa's debug log would print every message text.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)

    agent = Agent.load(str(MODEL))
    examples = load_set(SETS_DIR / f"{set_name}.yml")
    outcomes = {}
    started = time.perf_counter()
    for example in examples:
        outcomes[example.text] = outcome_from_parse(await agent.parse_message(example.text))
    elapsed = time.perf_counter() - started
    print(report(set_name, score(examples, outcomes.__getitem__), show_errors))
    print(f"  full NLU parse: {1000 * elapsed / len(examples):.1f} ms per message")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("set_name")
    parser.add_argument("--errors", action="store_true")
    arguments = parser.parse_args()
    asyncio.run(_main(arguments.set_name, arguments.errors))
