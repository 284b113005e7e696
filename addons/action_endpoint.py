"""Custom-action calls made cheaper: kept-alive connections and a response validator built once.

Rasa's `EndpointConfig.request` makes a new aiohttp session, with its own connection pool, for every
custom action: a new TCP connection to the action server each time, set up on both sides (its cost:
`make bench`, RASA_SPEEDUPS=-action-calls). `KeepAliveEndpointConfig` gives
each session a connection pool shared per event loop (one per Sanic worker), which closing the
session leaves open. Everything else about the request (headers, token, timeout, errors) stays Rasa's.
A slow action server does not hold up other messages (addons/message_order.py).

Rasa validates every action server response with `jsonschema.validate`, which checks the large
events schema itself on every call, the largest single cost per message in a profile under load.
`FastRemoteAction` validates against the same schema with a validator built once.
Both are speed-ups (addons/patches.py); the fix for a failing action server is the base class's.
"""

from __future__ import annotations

import asyncio
import weakref
from functools import lru_cache
from typing import Any, Dict, Optional, Text

import aiohttp
import rasa.core.actions.action as rasa_actions
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

from addons.message_order import waiting_for
from addons.resilient_action import ResilientRemoteAction
from addons.server_listeners import add_server_listener

# Below the action server's keep-alive timeout (Sanic's default, 5 s): an idle connection is dropped
# here before the server may close it, so a request is never sent on a connection being closed.
IDLE_CONNECTION_SECONDS = 2.0

_pools: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.TCPConnector]" = (
    weakref.WeakKeyDictionary()
)


class KeepAliveEndpointConfig(EndpointConfig):
    @classmethod
    def of(cls, endpoint: Optional[EndpointConfig]) -> Optional[EndpointConfig]:
        if endpoint is None or isinstance(endpoint, cls):
            return endpoint
        kept_alive = cls(
            endpoint.url,
            endpoint.params,
            endpoint.headers,
            endpoint.basic_auth,
            endpoint.token,
            endpoint.token_name,
            endpoint.cafile,
            **endpoint.kwargs,
        )
        kept_alive.type = endpoint.type
        return kept_alive

    async def request(self, *args: Any, **kwargs: Any) -> Optional[Any]:
        return await waiting_for(super().request(*args, **kwargs))

    def session(self) -> aiohttp.ClientSession:
        """Rasa's session (authentication, headers, timeout), on the loop's shared connection pool."""
        auth = (
            aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
            if self.basic_auth
            else None
        )
        return aiohttp.ClientSession(
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=connection_pool(),
            connector_owner=False,
        )


def connection_pool() -> aiohttp.TCPConnector:
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None or pool.closed:
        pool = _pools[loop] = aiohttp.TCPConnector(keepalive_timeout=IDLE_CONNECTION_SECONDS)
    return pool


async def close_connection_pool(_app: Any = None, loop: Optional[asyncio.AbstractEventLoop] = None) -> None:
    pool = _pools.pop(loop or asyncio.get_running_loop(), None)
    if pool is not None:
        await pool.close()


@lru_cache(maxsize=1)
def _action_result_validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


class FastRemoteAction(ResilientRemoteAction):
    def __init__(self, name: Text, action_endpoint: Optional[EndpointConfig]) -> None:
        super().__init__(name, KeepAliveEndpointConfig.of(action_endpoint))

    def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
        _action_result_validator().validate(result)  # raises jsonschema's ValidationError, as Rasa's does
        return True


def install() -> None:
    rasa_actions.RemoteAction = FastRemoteAction  # type: ignore[misc]
    add_server_listener(close_connection_pool, "after_server_stop")
