"""The review page's settings from the `review` section of config/practice.yml (with the retention period
of its `privacy` section)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from practice.config import PracticeConfigError, load_practice_config


@dataclass(frozen=True)
class ReviewSettings:
    session_minutes: float  # idle time after which staff must log in again
    low_confidence: float  # an answer whose topic had less confidence is queued as "unsicher"
    retention_days: int
    url: str  # where staff open the page (the staff report links to it)


def load_review_settings(path: Path) -> ReviewSettings:
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    section = raw.get("review")
    if not isinstance(section, dict):
        raise PracticeConfigError(f"{path}: section 'review' is missing.")
    session_minutes = section.get("session_minutes")
    low_confidence = section.get("low_confidence")
    if not isinstance(session_minutes, (int, float)) or session_minutes <= 0:
        raise PracticeConfigError(f"{path}: review.session_minutes must be a positive number.")
    if not isinstance(low_confidence, (int, float)) or not 0 < low_confidence < 1:
        raise PracticeConfigError(f"{path}: review.low_confidence must be between 0 and 1.")
    url = section.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise PracticeConfigError(f"{path}: review.url must be the page's http(s) address.")
    return ReviewSettings(
        float(session_minutes), float(low_confidence), load_practice_config(path).retention_days, url
    )
