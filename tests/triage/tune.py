"""Choose the triage classifier's thresholds on the dev set: python -m tests.triage.tune [--errors].

Fits the classifier exactly as `rasa train` does (components/triage.py), then scores rules plus
classifier on tests/triage/dev.yml for a grid of thresholds. Pick the pair with full crisis recall
first, then the highest urgent recall, then the fewest false alarms, among the pairs within the
false-alarm budget, and write it into config.yml.
Never run this on the sealed set.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from components import triage_model
from components.triage import training_examples, triage_text
from tests.triage.sets import DEV_SET, Outcome, load_set, report, score

ROOT = Path(__file__).resolve().parents[2]
FALSE_ALARM_BUDGET = 0.01  # the target: at most 1% of non-urgent messages answered with 112 / 116 117
GRID = (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7)


def main(show_errors: bool) -> None:
    config = next(c for c in yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"] if c["name"].endswith("TriageStage"))
    examples = training_examples(ROOT / config["training_data"], load_data(str(ROOT / "data" / "nlu")))
    pipeline = triage_model.fit(examples, C=float(config["C"]))
    dev = load_set(DEV_SET)
    scores = dict(zip((e.text for e in dev), triage_model.probabilities(pipeline, [e.text for e in dev])))
    rows = []
    for crisis_threshold in GRID:
        for emergency_threshold in GRID:
            def triage(text: str) -> Outcome:
                result = triage_text(text, scores[text], crisis_threshold, emergency_threshold)
                return Outcome(result.outcome, result.subject)

            result = score(dev, triage)
            rows.append((result.crisis_recall, result.urgent_recall, -result.false_alarm_rate, crisis_threshold, emergency_threshold))
            print(f"crisis {crisis_threshold:.2f} emergency {emergency_threshold:.2f}: crisis recall {result.crisis_recall:.3f}"
                  f" urgent recall {result.urgent_recall:.3f} false alarms {result.false_alarm_rate:.3f}")
    within_budget = [row for row in rows if -row[2] <= FALSE_ALARM_BUDGET] or rows
    best = max(within_budget)
    print(f"chosen on dev: crisis_threshold {best[3]}, emergency_threshold {best[4]}")
    chosen_c, chosen_e = float(config["crisis_threshold"]), float(config["emergency_threshold"])

    def configured(text: str) -> Outcome:
        result = triage_text(text, scores[text], chosen_c, chosen_e)
        return Outcome(result.outcome, result.subject)

    print(report(f"dev with config.yml thresholds ({chosen_c}, {chosen_e})", score(dev, configured), show_errors))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--errors", action="store_true")
    main(parser.parse_args().errors)
