"""Rasa's own checks, run through the project's entry point: data validation and conversation tests."""

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Set

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV = {
    **os.environ,
    "RASA_TELEMETRY_ENABLED": "false",
    "TQDM_DISABLE": "1",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
}


def rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "addons.rasa_main", *args],
        cwd=PROJECT_ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def expected_validation_warnings() -> Set[str]:
    """Warnings that are true but intended, so `rasa data validate` reports them and we check they are all.

    Responses listed under `actions:` in domain.yml are sent by custom actions, not by a story or rule;
    `red_flag` and `other_language` have no NLU examples: the triage stage (components/triage.py) and the
    language check (components/language_guard.py) set them.
    """
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    # An entry is a name, or {name: options} for an action that needs options (send_domain).
    names = [next(iter(entry)) if isinstance(entry, dict) else entry for entry in domain["actions"]]
    sent_by_actions = {name for name in names if name.startswith("utter_")}
    return {f"The utterance '{name}' is not used in any story or rule." for name in sent_by_actions} | {
        f"The intent '{intent}' is listed in the domain file, but is not found in the NLU training data."
        for intent in ("red_flag", "other_language")
    }


def validation_warnings(output: str) -> Set[str]:
    return set(re.findall(r"UserWarning: (.*?)\s*$", output, flags=re.MULTILINE))


def test_training_data_validates_without_unexpected_warnings() -> None:
    result = rasa("data", "validate")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    unexpected = validation_warnings(output) - expected_validation_warnings()
    assert not unexpected, output[-4000:]
    assert "red_flag" in " ".join(validation_warnings(output)), "the check above can fail: warnings are read"


def test_conversation_stories_pass(model_path: Path, tmp_path: Path) -> None:
    result = rasa(
        "test",
        "core",
        "--model",
        str(model_path),
        "--stories",
        "tests/test_stories.yml",
        "--fail-on-prediction-errors",
        "--out",
        str(tmp_path),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "None of the test stories failed" in (tmp_path / "failed_test_stories.yml").read_text()
