"""The triage row of `make bench`: recall and false alarms on the sealed set, the stage's time per message."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List

from components.triage import TriageStage
from tests.triage.sets import SEALED_TRIAGE_SET, load_set, outcome_from_parse, score

REPEATS = 5  # each sealed message is triaged this often for the timing
SET = SEALED_TRIAGE_SET  # the newest sealed set: the one that judges the current triage


@dataclass(frozen=True)
class TriageFigures:
    messages: int
    urgent_recall: float
    crisis_recall: float
    false_alarm_rate: float
    stage_ms_mean: float
    stage_ms_p95: float
    parse_ms_mean: float

    def row(self) -> str:
        return (
            f"| {SET.name} ({self.messages} messages) | {self.urgent_recall:.3f} | {self.crisis_recall:.3f} "
            f"| {self.false_alarm_rate:.3f} | {self.stage_ms_mean:.2f} | {self.stage_ms_p95:.2f} "
            f"| {self.parse_ms_mean:.1f} |"
        )


def triage_stage_of(agent) -> TriageStage:
    """The loaded model's triage component (read from Rasa's graph runner; for measuring only)."""
    for node in agent.processor.graph_runner._instantiated_nodes.values():
        component = getattr(node, "_component", None)
        if isinstance(component, TriageStage):
            return component
    raise LookupError("the model has no TriageStage")


async def triage_figures(model: Path) -> TriageFigures:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    examples = load_set(SET)
    outcomes, parse_seconds = {}, []
    for example in examples:
        started = time.perf_counter()
        outcomes[example.text] = outcome_from_parse(await agent.parse_message(example.text))
        parse_seconds.append(time.perf_counter() - started)
    result = score(examples, outcomes.__getitem__)
    stage = triage_stage_of(agent)
    stage_seconds: List[float] = []
    for _ in range(REPEATS):
        for example in examples:
            started = time.perf_counter()
            stage.triage(example.text)
            stage_seconds.append(time.perf_counter() - started)
    return TriageFigures(
        messages=len(examples),
        urgent_recall=result.urgent_recall,
        crisis_recall=result.crisis_recall,
        false_alarm_rate=result.false_alarm_rate,
        stage_ms_mean=1000 * statistics.fmean(stage_seconds),
        stage_ms_p95=1000 * statistics.quantiles(stage_seconds, n=20)[-1],
        parse_ms_mean=1000 * statistics.fmean(parse_seconds),
    )
