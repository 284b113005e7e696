"""Rasa's own checks, run through the project's entry point: data validation and conversation tests."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TQDM_DISABLE": "1", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


def rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "addons.rasa_main", *args], cwd=PROJECT_ROOT, env=ENV,
        capture_output=True, text=True, timeout=timeout,
    )


def test_training_data_validates_without_warnings() -> None:
    result = rasa("data", "validate", "--fail-on-warnings")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "UserWarning" not in output, output[-4000:]


def test_conversation_stories_pass(model_path: Path, tmp_path: Path) -> None:
    result = rasa(
        "test", "core", "--model", str(model_path), "--stories", "tests/test_stories.yml",
        "--fail-on-prediction-errors", "--out", str(tmp_path),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert "None of the test stories failed" in (tmp_path / "failed_test_stories.yml").read_text()
