"""Choose the triage classifier's thresholds on the dev set: python -m tests.triage.tune [--errors].

Fits the classifier exactly as `rasa train` does (components/triage.py), then scores rules plus
classifier on tests/triage/dev.yml for a grid of thresholds, and proposes the pair with the lowest
cost: a crisis without the helpline costs CRISIS_MISS_COST false alarms, any other missed urgent
message URGENT_MISS_COST (recall on crisis first, then emergency, then few false alarms). Write the
pair into config.yml. Never run this on the sealed set.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from components import triage_model
from components.triage import training_examples, triage_text, with_subject
from tests.triage.sets import DEV_SET, Outcome, load_set, report, score

ROOT = Path(__file__).resolve().parents[2]
CRISIS_MISS_COST = 10
URGENT_MISS_COST = 3
GRID = (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)


def main(show_errors: bool) -> None:
    config = next(
        c
        for c in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
        if c["name"].endswith("TriageStage")
    )
    examples = training_examples(ROOT / config["training_data"], load_data(str(ROOT / "data" / "nlu")))
    pipeline = triage_model.fit(examples, C=float(config["C"]))
    subject_scorer = triage_model.OneMessageScorer(triage_model.fit_subject(examples, C=float(config["C"])))
    dev = load_set(DEV_SET)
    scores = dict(zip((e.text for e in dev), triage_model.probabilities(pipeline, [e.text for e in dev])))
    rows = []
    for crisis_threshold in GRID:
        for emergency_threshold in GRID:

            def triage(text: str) -> Outcome:
                result = triage_text(text, scores[text], crisis_threshold, emergency_threshold)
                return Outcome(result.outcome, result.subject)

            result = score(dev, triage)
            cost = (
                CRISIS_MISS_COST * len(result.crisis_without_helpline)
                + URGENT_MISS_COST * len(result.urgent_missed)
                + len(result.false_alarms)
            )
            rows.append((cost, crisis_threshold, emergency_threshold))
            print(
                f"crisis {crisis_threshold:.2f} emergency {emergency_threshold:.2f}:"
                f" crisis recall {result.crisis_recall:.3f}"
                f" urgent recall {result.urgent_recall:.3f} false alarms {result.false_alarm_rate:.3f}"
            )
    # Ties go to the lower thresholds: the margin is for messages unlike any in the dev set.
    cost, crisis_threshold, emergency_threshold = min(rows)
    print(
        f"lowest cost {cost} on dev: crisis_threshold {crisis_threshold},"
        f" emergency_threshold {emergency_threshold}"
    )
    chosen_c, chosen_e = float(config["crisis_threshold"]), float(config["emergency_threshold"])

    def configured(text: str) -> Outcome:
        result = triage_text(text, scores[text], chosen_c, chosen_e)
        if result.outcome != "none":
            result = with_subject(result, subject_scorer.probabilities(text)["other"])
        return Outcome(result.outcome, result.subject)

    print(
        report(
            f"dev with config.yml thresholds ({chosen_c}, {chosen_e})", score(dev, configured), show_errors
        )
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", action="store_true")
    main(parser.parse_args().errors)
