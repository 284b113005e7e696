"""Custom-action calls over kept-alive connections, against a real HTTP server on loopback."""

import asyncio
from typing import AsyncIterator, List, Optional, Tuple

import pytest
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from addons.action_endpoint import FastRemoteAction, KeepAliveEndpointConfig, close_connection_pool


class ActionServer:
    """Answers like the action server and records the client's address (its port) for every request."""

    def __init__(self) -> None:
        self.peers: List[Tuple[str, int]] = []
        self.url = ""
        self.runner: Optional[web.AppRunner] = None

    async def close_idle_connections(self) -> None:
        """What a server's keep-alive timeout does: it closes the connections without telling the client."""
        for connection in self.runner.server.connections:
            connection.force_close()
        await asyncio.sleep(0.1)  # the client's side sees the connection closed

    async def webhook(self, request: web.Request) -> web.Response:
        self.peers.append(request.transport.get_extra_info("peername"))
        return web.json_response({"events": [], "responses": []})


@pytest.fixture
async def action_server() -> AsyncIterator[ActionServer]:
    server = ActionServer()
    app = web.Application()
    app.router.add_post("/webhook", server.webhook)
    runner = server.runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    server.url = f"http://127.0.0.1:{port}/webhook"
    yield server
    await close_connection_pool()
    await runner.cleanup()


async def test_successive_calls_share_one_connection(action_server: ActionServer) -> None:
    endpoint = KeepAliveEndpointConfig.of(EndpointConfig(action_server.url, token="secret"))
    for _ in range(3):
        assert await endpoint.request(json={"next_action": "action_explain_causes"}) == {
            "events": [],
            "responses": [],
        }
    assert len(action_server.peers) == 3 and len(set(action_server.peers)) == 1


async def test_rasas_own_endpoint_opens_a_connection_per_call(action_server: ActionServer) -> None:
    endpoint = EndpointConfig(action_server.url)
    for _ in range(3):
        await endpoint.request(json={})
    assert len(set(action_server.peers)) == 3, (
        "the check above can fail: Rasa alone does not keep connections"
    )


async def test_a_connection_the_server_closed_is_not_reused(action_server: ActionServer) -> None:
    endpoint = KeepAliveEndpointConfig.of(EndpointConfig(action_server.url))
    await endpoint.request(json={})
    await action_server.close_idle_connections()
    assert await endpoint.request(json={}) == {"events": [], "responses": []}
    assert len(set(action_server.peers)) == 2


def test_custom_actions_use_the_kept_alive_endpoint_with_rasas_settings() -> None:
    endpoint = EndpointConfig(
        "http://actions:5055/webhook", params={"a": 1}, headers={"X-Test": "1"}, token="t"
    )
    action = FastRemoteAction("action_explain_causes", endpoint)
    assert isinstance(action, RemoteAction) and isinstance(action.action_endpoint, KeepAliveEndpointConfig)
    assert action.action_endpoint == endpoint
    assert (
        action.action_endpoint.combine_parameters() == endpoint.combine_parameters() == {"a": 1, "token": "t"}
    )
    assert FastRemoteAction("action_explain_causes", None).action_endpoint is None
