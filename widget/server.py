"""Serves the website chat widget (script, styles, texts as JSON, socket.io client) and a demo practice page.

    python -m widget.server --port 8080 --rasa-url http://localhost:5005

Every file is read once at start-up and served from memory under a fixed path; nothing else is served.
"""

from __future__ import annotations

import argparse
import html
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Awaitable, Callable, Dict
from urllib.parse import urlsplit

from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from practice.config import (
    PracticeConfig,
    PracticeConfigError,
    config_path,
    load_practice_config,
    load_text_section,
)

WIDGET_DIR = Path(__file__).resolve().parent
STATIC_DIR = WIDGET_DIR / "static"
SOCKET_IO_CLIENT = WIDGET_DIR / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
WIDGET_TEXT_KEYS = (
    "title",
    "subtitle",
    "open_button",
    "close_button",
    "consent_heading",
    "consent_button",
    "input_label",
    "input_placeholder",
    "send_button",
    "typing",
    "connecting",
    "unreachable",
    "user_label",
    "bot_label",
    "log_label",
    "new_window_hint",
    "store_unavailable",
)


class WidgetSetupError(RuntimeError):
    """Something the widget server needs is missing; the message says what to do."""


@dataclass(frozen=True)
class Asset:
    body: bytes
    content_type: str
    embeddable: bool  # loaded by the practice's own pages from another origin


def widget_texts(practice: PracticeConfig, source: Path) -> Dict[str, str]:
    """The `widget:` block of config/practice.yml with {practice_name}/{phone} filled in."""
    try:
        block = load_text_section("widget", WIDGET_TEXT_KEYS, source)
    except PracticeConfigError as error:
        raise WidgetSetupError(str(error)) from error
    texts = {}
    for key, value in block.items():
        try:
            texts[key] = value.format_map(practice.template_values())
        except (KeyError, ValueError) as error:
            raise WidgetSetupError(f"{source}: widget.{key} has an unknown placeholder: {error}") from error
    texts["privacy_notice"] = practice.privacy_notice
    return texts


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise WidgetSetupError(f"--rasa-url '{url}' must be an http:// or https:// URL.")
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(rasa_url: str) -> str:
    """Only what the widget needs: own scripts and styles, the config JSON, Rasa over http(s) and ws(s)."""
    rasa_origin = origin_of(rasa_url)
    websocket_origin = rasa_origin.replace("http", "ws", 1)
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self'",
            f"connect-src 'self' {rasa_origin} {websocket_origin}",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
            "object-src 'none'",
        ]
    )


def security_headers(csp: str, embeddable: bool) -> Dict[str, str]:
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Cross-Origin-Resource-Policy": "cross-origin" if embeddable else "same-origin",
        "Cache-Control": "no-cache",
    }


def demo_page(practice: PracticeConfig, rasa_url: str) -> bytes:
    template = (STATIC_DIR / "demo.html").read_text(encoding="utf-8")
    return (
        template.replace("{{PRACTICE_NAME}}", html.escape(practice.name))
        .replace("{{RASA_URL}}", html.escape(rasa_url, quote=True))
        .encode("utf-8")
    )


def load_assets(rasa_url: str) -> Dict[str, Asset]:
    if not SOCKET_IO_CLIENT.exists():
        raise WidgetSetupError(f"{SOCKET_IO_CLIENT} is missing: run 'make install' (npm ci in widget/).")
    practice = load_practice_config()
    texts = json.dumps(widget_texts(practice, config_path()), ensure_ascii=False).encode("utf-8")
    js, css = "application/javascript; charset=utf-8", "text/css; charset=utf-8"
    return {
        "/": Asset(demo_page(practice, rasa_url), "text/html; charset=utf-8", embeddable=False),
        "/demo.css": Asset((STATIC_DIR / "demo.css").read_bytes(), css, embeddable=False),
        "/widget.js": Asset((STATIC_DIR / "widget.js").read_bytes(), js, embeddable=True),
        "/widget.css": Asset((STATIC_DIR / "widget.css").read_bytes(), css, embeddable=True),
        "/widget-config.json": Asset(texts, "application/json; charset=utf-8", embeddable=True),
        "/vendor/socket.io.min.js": Asset(SOCKET_IO_CLIENT.read_bytes(), js, embeddable=True),
    }


def asset_handler(asset: Asset, csp: str) -> Callable[[Request], Awaitable[HTTPResponse]]:
    async def serve(_: Request) -> HTTPResponse:
        headers = security_headers(csp, asset.embeddable)
        if asset.content_type.startswith("application/json"):
            headers["Access-Control-Allow-Origin"] = "*"  # public texts, no credentials: any embedding page
        return response.raw(asset.body, content_type=asset.content_type, headers=headers)

    return serve


def create_app(rasa_url: str, name: str = "praxis_widget") -> Sanic:
    assets = load_assets(rasa_url)
    csp = content_security_policy(rasa_url)
    app = Sanic(name)
    app.config.FALLBACK_ERROR_FORMAT = "json"

    for index, (path, asset) in enumerate(assets.items()):
        app.add_route(asset_handler(asset, csp), path, methods=["GET", "HEAD"], name=f"asset_{index}")

    @app.on_response
    async def add_security_headers(request: Request, resp: HTTPResponse) -> None:
        for header, value in security_headers(csp, embeddable=False).items():
            resp.headers.setdefault(header, value)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument(
        "--rasa-url",
        default="http://localhost:5005",
        help="where the browser reaches Rasa's socket.io endpoint (used in the demo page and CSP)",
    )
    args = parser.parse_args()
    try:
        app = create_app(args.rasa_url)
    except (WidgetSetupError, RuntimeError) as error:
        raise SystemExit(f"Widget server cannot start: {error}")
    print(f"Widget demo page: http://{args.host}:{args.port}/ (talks to Rasa at {args.rasa_url})", flush=True)
    app.run(host=args.host, port=args.port, access_log=False, motd=False)


if __name__ == "__main__":
    main()
