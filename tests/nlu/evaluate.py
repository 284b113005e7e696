"""Intent accuracy, "nicht verstanden" and ask-back rates of a trained model on FAQ evaluation sets.

python -m tests.nlu.evaluate [model.tar.gz] [set ...]
  model: default models/leaky-gut-assistant.tar.gz; sets: names of files in tests/nlu/ (default
  holdout blind sealed). The sealed set (SEALED_FAQ_SET in tests/nlu/sets.py) is scored once per round, as
  its header says; it judges no further change.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import List

from actions.ask_back import fallback_thresholds, two_close_topics
from tests.nlu.holdout import HOLDOUT_PATH, load_unseen, noisy_holdout

DEFAULT_SETS = ["holdout", "blind", "sealed"]
MODEL = Path(__file__).resolve().parents[2] / "models" / "leaky-gut-assistant.tar.gz"


async def main(model: Path, set_names: List[str]) -> None:
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)  # Rasa's debug log would print every message text
    agent = Agent.load(str(model))
    thresholds = fallback_thresholds()
    for name in set_names:
        clean = load_unseen(HOLDOUT_PATH.with_name(f"{name}.yml"))
        for variant, examples in (("clean", clean), ("noisy", noisy_holdout(clean))):
            correct = fallback = asked_back = right_topic_offered = 0
            for example in examples:
                parsed = await agent.parse_message(example.text)
                intent = parsed["intent"]["name"]
                correct += intent == example.intent
                if intent == "nlu_fallback":
                    fallback += 1
                    topics = two_close_topics(parsed.get("intent_ranking") or [], *thresholds)
                    asked_back += topics is not None
                    right_topic_offered += topics is not None and example.intent in topics
            total = len(examples)
            print(
                f"{name:>12} {variant}: intent accuracy {correct / total:.3f}, "
                f"nicht verstanden {fallback / total:.3f} (of these asked back {asked_back}, "
                f"{right_topic_offered} offering the right topic), "
                f"right answer or right topic offered {(correct + right_topic_offered) / total:.3f} "
                f"({total} messages)"
            )


if __name__ == "__main__":
    arguments = sys.argv[1:]
    model = Path(arguments.pop(0)) if arguments and arguments[0].endswith(".tar.gz") else MODEL
    asyncio.run(main(model, arguments or DEFAULT_SETS))
