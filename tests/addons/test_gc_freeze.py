"""Garbage collection after start-up: the loaded objects frozen, collection running again.

That the real server does it is checked in tests/e2e/test_rest_conversations.py."""

from __future__ import annotations

import gc

from addons import gc_freeze


async def test_freezing_collects_freezes_and_resumes_collection() -> None:
    gc.disable()
    try:
        await gc_freeze.freeze_loaded_objects(None, None)
        assert gc.isenabled()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
        gc.enable()
