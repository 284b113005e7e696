import pytest
from sanic import Sanic

from tests.channels.platform_standin import PlatformStandIn

# Sanic rewrites its request handling at an app's startup (touchup); without test mode a second app's
# startup in the same process fails on the rewritten code. Test mode keeps the original for each app.
# Set at collection, before any test of the session (tests/addons too) starts an app.
Sanic.test_mode = True


@pytest.fixture(scope="module")
def platforms():
    stand_in = PlatformStandIn().start()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def api_base(platforms, monkeypatch) -> str:
    """Points the connectors' send APIs at the stand-in."""
    monkeypatch.setenv("GRAPH_API_BASE", platforms.url)
    monkeypatch.setenv("TELEGRAM_API_BASE", platforms.url)
    return platforms.url
