"""The model file watch (its real use, a running server taking up an activated model, is tested in
tests/review/test_review_browser.py)."""

from __future__ import annotations

import os
from pathlib import Path

from addons.model_reload import DEFAULT_INTERVAL, file_state, reload_interval


def test_the_interval_comes_from_the_environment_and_zero_turns_the_watch_off() -> None:
    assert reload_interval({}) == DEFAULT_INTERVAL
    assert reload_interval({"MODEL_RELOAD_SECONDS": "1.5"}) == 1.5
    assert reload_interval({"MODEL_RELOAD_SECONDS": "0"}) == 0
    assert reload_interval({"MODEL_RELOAD_SECONDS": "-3"}) == 0
    assert reload_interval({"MODEL_RELOAD_SECONDS": "bald"}) == DEFAULT_INTERVAL


def test_an_atomic_replacement_changes_the_file_state_even_with_the_same_size_and_time(
    tmp_path: Path,
) -> None:
    live, new = tmp_path / "live.tar.gz", tmp_path / "new.tar.gz"
    live.write_bytes(b"old model")
    new.write_bytes(b"new model")
    before = file_state(live)
    stat = live.stat()
    os.utime(new, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(new, live)
    assert file_state(live) != before
    assert file_state(tmp_path / "missing") is None
