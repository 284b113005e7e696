"""The privacy tests' real SQLite tracker store, for the review queue's retention test."""

from tests.privacy.conftest import now, tracker_store  # noqa: F401 - fixtures used by this folder's tests
