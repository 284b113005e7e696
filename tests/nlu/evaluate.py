"""Intent accuracy and "nicht verstanden" rate of a trained model on the FAQ evaluation sets.

python -m tests.nlu.evaluate [model.tar.gz]   (default: models/leaky-gut-assistant.tar.gz)
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

from tests.nlu.holdout import HOLDOUT_PATH, accuracy, load_unseen, noisy_holdout

SETS = [HOLDOUT_PATH, HOLDOUT_PATH.with_name("blind.yml"), HOLDOUT_PATH.with_name("sealed.yml")]
MODEL = Path(__file__).resolve().parents[2] / "models" / "leaky-gut-assistant.tar.gz"


async def main(model: Path) -> None:
    from rasa.core.agent import Agent
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)  # Rasa's debug log would print every message text
    agent = Agent.load(str(model))
    for path in SETS:
        clean = load_unseen(path)
        for variant, examples in (("clean", clean), ("noisy", noisy_holdout(clean))):
            predicted = {e.text: (await agent.parse_message(e.text))["intent"]["name"] for e in examples}
            score, _ = accuracy(examples, predicted.__getitem__)
            fallback = sum(name == "nlu_fallback" for name in predicted.values()) / len(predicted)
            print(
                f"{path.stem:>8} {variant}: intent accuracy {score:.3f}, "
                f"nicht verstanden {fallback:.3f} ({len(examples)} messages)"
            )


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else MODEL))
