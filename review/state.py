"""What the review page keeps besides the data files: messages dealt with, and the audit log.

Both live in `var/review/` (like the SQLite tracker store, not in the repository). Neither holds a
message text or a conversation id:
- a message dealt with (skipped, or saved as an example, perhaps edited) is kept as the hash of its
  normalised text with the day, so that it leaves the queue; the hash is forgotten after the retention
  period (the message itself is purged by then), so that reviewing does not extend the life of
  anything a patient wrote;
- the audit log has one JSON line per change: time (UTC), staff name, what was done, the message's
  short id and the topic, never the text.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = PROJECT_ROOT / "var" / "review"


def text_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


@dataclass
class ReviewState:
    directory: Path = STATE_DIR
    retention_days: int = 30

    def __post_init__(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    @property
    def done_path(self) -> Path:
        return self.directory / "done.json"

    @property
    def audit_path(self) -> Path:
        return self.directory / "audit.log"

    def mark_done(self, key: str, today: Optional[date] = None) -> None:
        with self._lock:
            done = self._current_done(today)
            done[text_hash(key)] = (today or date.today()).isoformat()
            self._write_done(done)

    def is_done(self, key: str, today: Optional[date] = None) -> bool:
        return text_hash(key) in self._current_done(today)

    def forget_expired(self, today: Optional[date] = None) -> int:
        """Drops marks older than the retention period; returns how many."""
        with self._lock:
            before = self._read_done()
            current = self._current_done(today)
            self._write_done(current)
            return len(before) - len(current)

    def audit(self, staff: str, action: str, message_id: str = "", topic: str = "") -> None:
        entry = {
            "time": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "staff": staff,
            "action": action,
            "message": message_id,
            "topic": topic,
        }
        with self._lock, self.audit_path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(entry, ensure_ascii=False) + "\n")

    def audit_entries(self) -> List[dict]:
        if not self.audit_path.exists():
            return []
        lines = self.audit_path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def _current_done(self, today: Optional[date]) -> Dict[str, str]:
        oldest = (today or date.today()) - timedelta(days=self.retention_days)
        return {key: day for key, day in self._read_done().items() if date.fromisoformat(day) >= oldest}

    def _read_done(self) -> Dict[str, str]:
        if not self.done_path.exists():
            return {}
        return json.loads(self.done_path.read_text(encoding="utf-8"))

    def _write_done(self, done: Dict[str, str]) -> None:
        temporary = self.done_path.with_suffix(".tmp")
        temporary.write_text(json.dumps(done, sort_keys=True), encoding="utf-8")
        temporary.replace(self.done_path)
