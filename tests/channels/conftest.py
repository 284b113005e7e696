import pytest


@pytest.fixture
def api_base(platforms, monkeypatch) -> str:
    """Points the connectors' send APIs at the stand-in."""
    monkeypatch.setenv("GRAPH_API_BASE", platforms.url)
    monkeypatch.setenv("TELEGRAM_API_BASE", platforms.url)
    return platforms.url
