"""Plain HTTP tests of the widget server: security headers, texts as JSON, 404/405, no 500 on odd paths."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import yaml

from practice.config import load_practice_config
from tests.e2e.servers import PROJECT_ROOT
from tests.widget.conftest import WidgetServer
from widget.server import WIDGET_TEXT_KEYS, WidgetSetupError, content_security_policy, widget_texts

PRACTICE_YML = PROJECT_ROOT / "config" / "practice.yml"
ASSETS = {
    "/": "text/html",
    "/demo.css": "text/css",
    "/widget.js": "application/javascript",
    "/widget.css": "text/css",
    "/widget-config.json": "application/json",
    "/vendor/socket.io.min.js": "application/javascript",
}
ODD_PATHS = [
    "/nope",
    "/widget.js/extra",
    "/..%2f..%2fetc%2fpasswd",
    "/vendor/../server.py",
    "/%00",
    "/%ff%fe",
    "/static/widget.js",
    "/node_modules/socket.io-client/package.json",
    "/" + "a" * 4000,
    "/widget.js%00.html",
]


def get(server: WidgetServer, path: str, **kwargs) -> requests.Response:
    return requests.get(server.url + path, timeout=10, allow_redirects=False, **kwargs)


@pytest.mark.parametrize("path,content_type", ASSETS.items())
def test_every_asset_is_served_with_security_headers(
    widget_server: WidgetServer, path: str, content_type: str
):
    response = get(widget_server, path)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(content_type)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"] == content_security_policy(widget_server.rasa_url)


def test_csp_allows_only_self_and_the_rasa_origin(widget_server: WidgetServer):
    csp = dict(
        directive.strip().split(" ", 1)
        for directive in get(widget_server, "/").headers["Content-Security-Policy"].split(";")
    )
    assert csp["default-src"] == "'none'"
    assert csp["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval', no CDN
    assert csp["style-src"] == "'self'"
    assert (
        csp["connect-src"]
        == f"'self' {widget_server.rasa_url} {widget_server.rasa_url.replace('http', 'ws', 1)}"
    )
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"


def test_demo_page_embeds_the_widget_with_one_script_tag_and_no_inline_script(widget_server: WidgetServer):
    page = get(widget_server, "/").text
    assert f'<script src="widget.js" data-server="{widget_server.rasa_url}" defer></script>' in page
    assert page.count("<script") == 1
    assert "style=" not in page and "<style" not in page
    assert "cdn" not in page.lower()


def test_widget_assets_may_be_embedded_by_other_sites_but_the_demo_page_not(widget_server: WidgetServer):
    assert get(widget_server, "/widget.js").headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert (
        get(widget_server, "/vendor/socket.io.min.js").headers["Cross-Origin-Resource-Policy"]
        == "cross-origin"
    )
    assert get(widget_server, "/").headers["Cross-Origin-Resource-Policy"] == "same-origin"


def test_socket_io_client_comes_from_the_pinned_npm_package(widget_server: WidgetServer):
    served = get(widget_server, "/vendor/socket.io.min.js").content
    installed = PROJECT_ROOT / "widget" / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"
    assert served == installed.read_bytes()
    lock = (PROJECT_ROOT / "widget" / "package-lock.json").read_text()
    assert '"node_modules/socket.io-client": {\n      "version": "4.' in lock


def test_config_json_has_every_widget_text_from_practice_yml(widget_server: WidgetServer):
    response = get(widget_server, "/widget-config.json")
    texts = response.json()
    configured = yaml.safe_load(PRACTICE_YML.read_text(encoding="utf-8"))
    practice = load_practice_config()
    assert set(texts) == set(WIDGET_TEXT_KEYS) | {"privacy_notice"}
    assert texts["privacy_notice"] == practice.privacy_notice
    assert texts["consent_button"] == configured["widget"]["consent_button"]
    assert texts["unreachable"].startswith("Server nicht erreichbar")
    assert practice.phone in texts["unreachable"] and "{phone}" not in texts["unreachable"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # public texts, fetched without credentials


@pytest.mark.parametrize("path", ODD_PATHS)
def test_unknown_or_odd_paths_get_a_4xx_never_a_500(widget_server: WidgetServer, path: str):
    response = get(widget_server, path)
    assert 400 <= response.status_code < 500, (path, response.status_code)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers


def test_wrong_method_is_405(widget_server: WidgetServer):
    response = requests.post(widget_server.url + "/widget.js", data=b"x", timeout=10)
    assert response.status_code == 405


def test_missing_widget_texts_stop_the_server_with_a_clear_message(tmp_path: Path):
    broken = yaml.safe_load(PRACTICE_YML.read_text(encoding="utf-8"))
    del broken["widget"]["consent_button"]
    path = tmp_path / "practice.yml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WidgetSetupError, match="widget.consent_button"):
        widget_texts(load_practice_config(), path)


def test_unknown_placeholder_in_a_widget_text_is_refused(tmp_path: Path):
    broken = yaml.safe_load(PRACTICE_YML.read_text(encoding="utf-8"))
    broken["widget"]["title"] = "Chat der {praxis}"
    path = tmp_path / "practice.yml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True), encoding="utf-8")
    with pytest.raises(WidgetSetupError, match="placeholder"):
        widget_texts(load_practice_config(), path)
