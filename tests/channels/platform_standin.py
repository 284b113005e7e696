"""A local stand-in for the send APIs of Facebook/WhatsApp (Graph API) and Telegram (Bot API).

It runs an aiohttp server in a background thread on a free port and records every request it answered
with success, so tests can point GRAPH_API_BASE and TELEGRAM_API_BASE at it and check what the bot sent.
It can also misbehave like a platform in trouble: `hang()` accepts requests and answers none of them
until `answer_again()`; `fail_next(n, status)` answers the next n requests with an error status.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

from aiohttp import web

from tests.e2e.servers import free_port


@dataclass
class Recorded:
    platform: str  # "facebook", "whatsapp" or "telegram"
    path: str
    query: Dict[str, str]
    headers: Dict[str, str]
    body: Dict[str, Any]  # JSON body (Graph API) or form fields (Telegram)

    @property
    def recipient(self) -> str:
        if self.platform == "facebook":
            return str(self.body.get("recipient", {}).get("id"))
        if self.platform == "whatsapp":
            return str(self.body.get("to"))
        return str(self.body.get("chat_id"))

    @property
    def method(self) -> str:
        return self.path.rsplit("/", 1)[-1]


@dataclass
class PlatformStandIn:
    port: int = field(default_factory=free_port)
    requests: List[Recorded] = field(default_factory=list)
    received: int = 0  # every request, answered or not
    hanging: int = 0  # requests held by hang() right now
    _loop: Optional[asyncio.AbstractEventLoop] = None
    _runner: Optional[web.AppRunner] = None
    _thread: Optional[threading.Thread] = None
    _answering: Optional[asyncio.Event] = None
    _failures: List[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "PlatformStandIn":
        started = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            self._answering = asyncio.Event()
            self._answering.set()
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            await web.TCPSite(self._runner, "127.0.0.1", self.port).start()
            started.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("platform stand-in did not start")
        return self

    def hang(self) -> None:
        """From now on requests are accepted but not answered (as by a platform API in trouble)."""
        self._loop.call_soon_threadsafe(self._answering.clear)

    def answer_again(self) -> None:
        """Answers the held requests and every new one."""
        self._loop.call_soon_threadsafe(self._answering.set)

    def fail_next(self, count: int, status: int) -> None:
        self._loop.call_soon_threadsafe(self._failures.extend, [status] * count)

    def stop(self) -> None:
        if self._loop and self._runner:
            self.answer_again()  # held requests would hold up the cleanup
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)

    def sent_to(self, recipient: str, method: Optional[str] = None) -> List[Recorded]:
        return [
            r
            for r in list(self.requests)
            if r.recipient == recipient and (method is None or r.method == method)
        ]

    def wait_for(self, condition: Callable[[], Any], timeout: float = 30) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = condition()
            if result:
                return result
            time.sleep(0.1)
        raise TimeoutError("the bot did not send what was expected")

    async def _handle(self, request: web.Request) -> web.Response:
        self.received += 1
        if not self._answering.is_set():
            self.hanging += 1
            try:
                await self._answering.wait()
            finally:
                self.hanging -= 1
            if request.transport is None or request.transport.is_closing():
                return web.Response(status=504)  # the client gave up meanwhile: nothing was delivered
        if self._failures:
            return web.json_response({"error": {"message": "stand-in failure"}}, status=self._failures.pop(0))
        return await self._answer(request)

    async def _answer(self, request: web.Request) -> web.Response:
        path = request.path
        if path.startswith("/bot"):
            body = (
                dict(await request.post())
                if request.content_type != "application/json"
                else await request.json()
            )
            self.requests.append(Recorded("telegram", path, dict(request.query), dict(request.headers), body))
            return web.json_response({"ok": True, "result": _telegram_result(path.rsplit("/", 1)[-1], body)})
        body = await request.json()
        if path.endswith("/me/messages"):
            self.requests.append(Recorded("facebook", path, dict(request.query), dict(request.headers), body))
            return web.json_response(
                {"recipient_id": body.get("recipient", {}).get("id"), "message_id": "m_standin"}
            )
        self.requests.append(Recorded("whatsapp", path, dict(request.query), dict(request.headers), body))
        return web.json_response(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"wa_id": body.get("to")}],
                "messages": [{"id": "wamid.standin"}],
            }
        )


def _telegram_result(method: str, body: Dict[str, Any]) -> Any:
    if method == "sendMessage":
        return {
            "message_id": 1,
            "date": int(time.time()),
            "text": body.get("text"),
            "chat": {"id": int(body.get("chat_id", 0)), "type": "private"},
        }
    return True


def telegram_keyboard(recorded: Recorded) -> List[Dict[str, str]]:
    """The buttons of a recorded sendMessage (inline keyboard), as dicts with 'text' and 'callback_data'."""
    markup = recorded.body.get("reply_markup")
    if not markup:
        return []
    rows = json.loads(markup).get("inline_keyboard") or json.loads(markup).get("keyboard") or []
    return [button for row in rows for button in row]
