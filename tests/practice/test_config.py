import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from practice.config import PracticeConfigError, load_practice_config, parse_practice_config

VALID = yaml.safe_load(Path("config/practice.yml").read_text(encoding="utf-8"))


def _with(section: str, key: str, value) -> dict:
    raw = {name: dict(values) for name, values in VALID.items()}
    raw[section][key] = value
    return raw


def test_the_shipped_config_is_valid() -> None:
    config = load_practice_config()
    assert config.booking_url.startswith("https://")
    assert config.retention_days > 0


@pytest.mark.parametrize(
    "raw, reason",
    [
        (None, "sections"),
        ({"practice": VALID["practice"]}, "privacy"),
        (_with("practice", "phone", ""), "phone"),
        (_with("practice", "booking_url", "javascript:alert(1)"), "https://"),
        (_with("practice", "booking_url", "http://example.org"), "https://"),
        (_with("practice", "email", "no-address"), "e-mail"),
        (_with("privacy", "retention_days", 0), "retention_days"),
        (_with("privacy", "retention_days", "30"), "retention_days"),
    ],
)
def test_invalid_configs_are_rejected_with_a_reason(raw, reason: str) -> None:
    with pytest.raises(PracticeConfigError, match=reason):
        parse_practice_config(raw)


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PracticeConfigError, match="not found"):
        load_practice_config(tmp_path / "missing.yml")


@pytest.mark.parametrize("content", [None, "practice: [unclosed"])
def test_action_server_stops_at_start_up_with_a_clear_message(tmp_path: Path, content) -> None:
    path = tmp_path / "practice.yml"
    if content is not None:
        path.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", "5399"],
        env={"PRACTICE_CONFIG": str(path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "PracticeConfigError" in result.stderr and str(path) in result.stderr
