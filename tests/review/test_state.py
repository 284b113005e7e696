"""What the review page keeps: hashes of messages dealt with (forgotten with the retention period), and
an audit log without message texts."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from review.state import ReviewState

DAY = date(2026, 12, 1)


def test_a_message_dealt_with_is_kept_as_a_hash_and_forgotten_after_the_retention_period(
    tmp_path: Path,
) -> None:
    state = ReviewState(tmp_path, retention_days=30)
    state.mark_done("was bringt heilerde", today=DAY)
    assert state.is_done("was bringt heilerde", today=DAY)
    assert "heilerde" not in state.done_path.read_text(encoding="utf-8")
    later = DAY + timedelta(days=31)
    assert not state.is_done("was bringt heilerde", today=later)
    assert state.forget_expired(today=later) == 1
    assert state.done_path.read_text(encoding="utf-8") == "{}"


def test_the_audit_log_has_time_staff_and_action_but_no_text(tmp_path: Path) -> None:
    state = ReviewState(tmp_path)
    state.audit("Frau Meier", "zugeordnet", "0123456789abcdef", "Ursachen")
    (entry,) = state.audit_entries()
    assert entry["staff"] == "Frau Meier" and entry["action"] == "zugeordnet" and entry["time"]
    assert set(entry) == {"time", "staff", "action", "message", "topic"}
