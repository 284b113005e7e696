"""Reviewing does not extend the life of what patients wrote: after the retention purge, only the
reviewed, confirmed examples remain."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered

from insights.collect import read_events
from privacy.retention import purge_expired
from review.examples import DataPaths, Label, add_example, reviewed_examples
from review.queue import build_queue, normalise
from review.state import ReviewState
from tests.privacy.conftest import DAY, save_conversation

PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUESTION = "Wia schaugt's aus mit da Kur?"
RETENTION_DAYS = 30


def misunderstood(start: float, text: str):
    yield SessionStarted(timestamp=start)
    yield ActionExecuted("action_listen", timestamp=start + 1)
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "goodbye", "confidence": 0.29}]
    parse = {"intent": ranking[0], "intent_ranking": ranking, "text": text}
    yield UserUttered(text, ranking[0], parse_data=parse, timestamp=start + 2, input_channel="rest")
    yield ActionExecuted("action_ask_back", timestamp=start + 3)
    yield ActionExecuted("action_listen", timestamp=start + 4)


async def test_after_the_purge_only_the_reviewed_confirmed_examples_remain(
    tracker_store, now, tmp_path
) -> None:
    shutil.copytree(PROJECT_ROOT / "data" / "nlu", tmp_path / "nlu")
    shutil.copytree(PROJECT_ROOT / "data" / "triage", tmp_path / "triage")
    paths = DataPaths(nlu_dir=tmp_path / "nlu", triage_dir=tmp_path / "triage")
    state = ReviewState(tmp_path / "review", retention_days=RETENTION_DAYS)
    reviewed_on = date.today() - timedelta(days=45)
    await save_conversation(tracker_store, "reviewed", misunderstood(now - 45 * DAY, QUESTION))
    await save_conversation(
        tracker_store, "skipped", misunderstood(now - 45 * DAY, "Brauch i a Überweisung?")
    )
    queue = build_queue(read_events(tracker_store), low_confidence=0.5)
    assert {group.text for group in queue} == {QUESTION, "Brauch i a Überweisung?"}
    add_example(QUESTION, Label(intent="treatment"), reviewed_on, paths)
    state.mark_done(normalise(QUESTION), today=reviewed_on)
    state.mark_done(normalise("Brauch i a Überweisung?"), today=reviewed_on)

    assert purge_expired(tracker_store, RETENTION_DAYS, now=now) == 2
    assert state.forget_expired() == 2

    assert read_events(tracker_store) == []
    assert state.done_path.read_text(encoding="utf-8") == "{}"
    assert reviewed_examples(paths) == [(QUESTION, "treatment", reviewed_on.isoformat())]
