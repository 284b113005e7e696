"""The widget in a real browser (Debian's chromium via Playwright) against the real Rasa and action servers.

The tests of this module share one assistant and run in file order: the conversation of the first tests
is the one that is reloaded, and the last test stops and restarts the Rasa server.

Accessibility is checked with axe-core (the npm package pinned in widget/package-lock.json) against the
WCAG 2.1 A/AA rules, in every state a patient sees: closed, consent, chat, answers with buttons, outage.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterator, List

import pytest
import requests
import yaml

from practice.config import load_practice_config
from tests.e2e.chromium import AXE_OPTIONS, AXE_SCRIPT, CHROMIUM, CHROMIUM_ARGS
from tests.e2e.servers import PROJECT_ROOT, Assistant
from tests.widget.conftest import WidgetServer

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 360, "height": 740}
ARTIFACTS = PROJECT_ROOT / "tests" / "artifacts"
DOCS = PROJECT_ROOT / "docs"
STORAGE_KEY = "praxis-chat-widget-v1"
ANSWER_TIMEOUT_MS = 30_000
RESTART_TIMEOUT_MS = 240_000
TEXTS = yaml.safe_load((PROJECT_ROOT / "config" / "practice.yml").read_text(encoding="utf-8"))["widget"]
XSS_PROBE = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def assistant(
    tmp_path_factory, model_path: Path, rasa_port: int, widget_server: WidgetServer
) -> Iterator[Assistant]:
    """The real servers; credentials.yml as shipped, but allowing the widget server's test origin."""
    workdir = tmp_path_factory.mktemp("widget-assistant")
    credentials = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    credentials["channels.widget_socketio.WidgetSocketIOInput"]["cors_allowed_origins"] = [widget_server.url]
    (workdir / "credentials.yml").write_text(yaml.safe_dump(credentials))
    running = Assistant(workdir, rasa_port=rasa_port, credentials=workdir / "credentials.yml").start(
        timeout=300
    )
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(
            "NOTICE: /usr/bin/chromium is missing (make install installs Debian's chromium where it can)"
        )
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@dataclass(frozen=True)
class AxeCore:
    script: str = field(repr=False)  # over half a megabyte: kept out of pytest's failure report


@pytest.fixture(scope="module")
def axe() -> AxeCore:
    if not AXE_SCRIPT.exists():
        pytest.skip(
            f"NOTICE: accessibility checks NOT run: {AXE_SCRIPT.relative_to(PROJECT_ROOT)} is missing "
            "(make install runs npm ci in widget/, which installs the pinned axe-core)"
        )
    return AxeCore(AXE_SCRIPT.read_text(encoding="utf-8"))


def axe_violations(page, axe: AxeCore) -> List[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page as it is now, one line per rule and element."""
    if not page.evaluate("typeof window.axe === 'object'"):
        # Through the DevTools protocol: the page's CSP rightly forbids inline scripts.
        page.evaluate(axe.script)
    violations = page.evaluate(
        """options => axe.run(document, options).then(result => result.violations.map(violation => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            targets: violation.nodes.map(node => node.target.join(" >>> ")),
        })))""",
        AXE_OPTIONS,
    )
    return [
        f"{violation['id']} ({violation['impact']}) at {target}: {violation['help']}"
        for violation in violations
        for target in violation["targets"]
    ]


def assert_no_axe_violations(found_by_state: Dict[str, List[str]]) -> None:
    """All states are checked before failing, so one run lists everything that needs fixing."""
    report = [f"{state}: {line}" for state, lines in found_by_state.items() for line in lines]
    assert not report, "axe-core found WCAG 2.1 A/AA violations:\n" + "\n".join(report)


class PageWatch:
    """What a page did that a patient would not see: dialogs, CSP violations, script errors, requests."""

    def __init__(self, page, rasa_url: str) -> None:
        self.dialogs: List[str] = []
        self.problems: List[str] = []
        self.rasa_requests: List[str] = []
        page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))
        page.on("pageerror", lambda error: self.problems.append(str(error)))
        page.on(
            "console",
            lambda message: "Content Security Policy" in message.text and self.problems.append(message.text),
        )
        page.on(
            "request",
            lambda request: request.url.startswith(rasa_url) and self.rasa_requests.append(request.url),
        )


@pytest.fixture(scope="module")
def chat(browser, assistant: Assistant, widget_server: WidgetServer):
    """One desktop tab for the module's conversation."""
    context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    page = context.new_page()
    page.watch = PageWatch(page, widget_server.rasa_url)
    page.goto(widget_server.url + "/")
    yield page
    context.close()


def bot_messages(page):
    return page.locator(".pcw-message--bot")


def user_messages(page):
    return page.locator(".pcw-message--user")


def send(page, text: str) -> None:
    """Types and sends a message, then waits for the answer (the typing indicator goes away)."""
    answers_before = bot_messages(page).count()
    page.get_by_label(TEXTS["input_label"]).fill(text)
    page.get_by_label(TEXTS["input_label"]).press("Enter")
    expect(bot_messages(page)).not_to_have_count(answers_before, timeout=ANSWER_TIMEOUT_MS)


def session_id(page) -> str:
    return page.evaluate(f"JSON.parse(sessionStorage.getItem('{STORAGE_KEY}')).sessionId")


def stored_user_messages(assistant: Assistant, sender: str) -> int:
    with sqlite3.connect(assistant.tracker_db) as db:
        return db.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchone()[0]


def test_nothing_is_sent_before_consent(chat) -> None:
    launcher = chat.get_by_role("button", name=TEXTS["open_button"])
    expect(launcher).to_have_attribute("aria-expanded", "false")
    launcher.click()
    expect(chat.get_by_role("dialog", name=TEXTS["title"])).to_be_visible()
    expect(chat.get_by_text(load_practice_config().privacy_notice[:60])).to_be_visible()
    expect(chat.get_by_label(TEXTS["input_label"])).to_be_hidden()
    chat.wait_for_timeout(1000)  # give a premature connection the chance to show up
    assert chat.watch.rasa_requests == []


def test_after_consent_the_assistant_introduces_itself_as_automated(chat) -> None:
    chat.get_by_role("button", name=TEXTS["consent_button"]).click()
    expect(bot_messages(chat).first).to_contain_text("automatische", timeout=ANSWER_TIMEOUT_MS)
    expect(chat.get_by_text(TEXTS["subtitle"])).to_be_visible()
    assert chat.watch.rasa_requests, "the widget should connect to Rasa after consent"
    assert re.fullmatch(r"[0-9a-f]{32}", session_id(chat))


def test_colonoscopy_question_then_answer_button_then_appointment(chat, assistant: Assistant) -> None:
    send(chat, "Sieht man Leaky Gut bei einer Darmspiegelung?")
    expect(bot_messages(chat).nth(1)).to_contain_text("Darmspiegelung", timeout=ANSWER_TIMEOUT_MS)
    no_thanks = chat.get_by_role("button", name="Nein, danke")
    expect(no_thanks).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    answers_before = bot_messages(chat).count()
    no_thanks.click()
    expect(user_messages(chat).last).to_have_text(re.compile(r"Nein, danke$"))  # the title, not the payload
    expect(bot_messages(chat)).not_to_have_count(answers_before, timeout=ANSWER_TIMEOUT_MS)
    expect(chat.get_by_role("button", name="Nein, danke")).to_have_count(0)  # used quick replies go away

    send(chat, "Ich möchte einen Termin vereinbaren")
    booking = chat.get_by_role("link", name=re.compile("Online-Termin buchen"))
    expect(booking).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    expect(booking).to_have_attribute("href", load_practice_config().booking_url)
    expect(booking).to_have_attribute("target", "_blank")
    expect(booking).to_have_attribute("rel", "noopener noreferrer")
    assert stored_user_messages(assistant, session_id(chat)) >= 4  # greet, question, button, appointment


def test_reload_shows_the_history_and_keeps_the_session(chat) -> None:
    before_id, before_log = session_id(chat), chat.locator(".pcw-log").inner_text()
    chat.reload()
    expect(chat.get_by_role("dialog", name=TEXTS["title"])).to_be_visible()
    expect(user_messages(chat).last).to_contain_text("Termin vereinbaren")
    assert chat.locator(".pcw-log").inner_text() == before_log
    assert session_id(chat) == before_id
    send(chat, "Was ist Leaky Gut?")  # answers come to the reloaded page: same session, room joined again


def test_html_from_the_user_is_shown_as_text_and_never_run(chat) -> None:
    send(chat, XSS_PROBE)
    expect(user_messages(chat).last).to_have_text(re.compile(re.escape(XSS_PROBE) + "$"))
    assert chat.locator(".pcw-log img").count() == 0
    chat.wait_for_timeout(500)
    assert chat.watch.dialogs == []


def test_red_flag_gets_the_emergency_numbers(chat) -> None:
    send(chat, "Ich habe Blut im Stuhl")
    answer = bot_messages(chat).last
    expect(answer).to_contain_text("112")
    expect(answer).to_contain_text("116 117")


def test_typing_indicator_while_waiting_for_the_answer(chat) -> None:
    answers_before = bot_messages(chat).count()
    shown_while_waiting = chat.evaluate("""() => {
        const input = document.getElementById("pcw-input");
        input.value = "Was kann ich selbst tun?";
        input.form.requestSubmit();
        return document.querySelector(".pcw-status").textContent;  // before any answer can have arrived
    }""")
    assert shown_while_waiting == TEXTS["typing"]
    expect(bot_messages(chat)).not_to_have_count(answers_before, timeout=ANSWER_TIMEOUT_MS)
    expect(chat.get_by_role("status")).to_have_text("")


def test_aria_roles_and_labels(chat) -> None:
    log = chat.get_by_role("log", name=TEXTS["log_label"])
    expect(log).to_have_attribute("aria-live", "polite")
    expect(chat.get_by_role("dialog", name=TEXTS["title"])).to_have_attribute(
        "aria-describedby", "pcw-subtitle"
    )
    expect(chat.get_by_role("textbox", name=TEXTS["input_label"])).to_be_visible()
    # WCAG 2.5.3: the only visible label of the field, its placeholder, contains its accessible name.
    placeholder = chat.get_by_role("textbox", name=TEXTS["input_label"]).get_attribute("placeholder")
    assert TEXTS["input_label"] in placeholder
    expect(chat.get_by_role("button", name=TEXTS["send_button"])).to_be_visible()
    expect(chat.get_by_role("button", name=TEXTS["close_button"])).to_be_visible()
    expect(chat.get_by_role("status")).to_have_count(1)
    expect(chat.get_by_role("banner")).to_have_count(1)  # the host page's header; the widget adds none
    expect(log.locator(".pcw-message--user .pcw-sr-only").first).to_have_text(TEXTS["user_label"] + ": ")


def relative_luminance(css_rgb: str) -> float:
    """WCAG 2.1 relative luminance of an opaque computed colour such as 'rgb(184, 110, 0)'."""
    channels = [int(value) / 255 for value in re.findall(r"\d+", css_rgb)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


FOCUS_INDICATOR = """() => {
    const focused = document.activeElement;
    const style = getComputedStyle(focused);
    // The text field shows focus by its border turning blue; everything else by an outline with a gap:
    // either way the indicator stands against the background of what is around the element.
    const isInput = focused.matches("input");
    let around = focused.parentElement;
    while (around && getComputedStyle(around).backgroundColor === "rgba(0, 0, 0, 0)") {
        around = around.parentElement;
    }
    return {
        inWidget: Boolean(focused.closest(".pcw-root")),
        name: focused.className || focused.tagName,
        shown: isInput || style.outlineStyle !== "none",
        indicator: isInput ? style.borderTopColor : style.outlineColor,
        background: around ? getComputedStyle(around).backgroundColor : "rgb(255, 255, 255)",
    };
}"""


def test_every_focus_indicator_has_3_to_1_contrast(chat) -> None:
    """WCAG 1.4.11, which axe-core does not check: Tab once round the open chat, looking at each stop."""
    chat.get_by_label(TEXTS["input_label"]).focus()
    seen: Dict[str, dict] = {}
    for _ in range(40):
        chat.keyboard.press("Tab")
        focus = chat.evaluate(FOCUS_INDICATOR)
        if focus["inWidget"]:
            seen.setdefault(focus["name"], focus)
        if chat.evaluate("document.activeElement.id") == "pcw-input":
            break
    assert {"pcw-close", "pcw-log", "pcw-primary pcw-send", "pcw-input"} <= set(seen), seen
    weak = {
        name: round(contrast_ratio(focus["indicator"], focus["background"]), 2)
        for name, focus in seen.items()
        if not focus["shown"] or contrast_ratio(focus["indicator"], focus["background"]) < 3
    }
    assert weak == {}, f"focus indicators without 3:1 contrast to their background: {weak}"


def test_no_csp_violation_or_script_error_so_far(chat) -> None:
    assert chat.watch.problems == []


def test_screenshots_desktop_and_360px(browser, assistant: Assistant, widget_server: WidgetServer) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    DOCS.mkdir(exist_ok=True)
    for name, viewport in (
        ("desktop", DESKTOP),
        ("mobile", MOBILE),
    ):
        context = browser.new_context(viewport=viewport, locale="de-DE")
        page = context.new_page()
        page.goto(widget_server.url + "/")
        page.get_by_role("button", name=TEXTS["open_button"]).click()
        page.get_by_role("button", name=TEXTS["consent_button"]).click()
        expect(page.get_by_role("button", name="Was ist Leaky Gut?")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        send(page, "Sieht man Leaky Gut bei einer Darmspiegelung?")
        page.get_by_role("button", name="Ja, Termin vereinbaren").click(timeout=ANSWER_TIMEOUT_MS)
        expect(page.get_by_role("link", name=re.compile("Online-Termin buchen"))).to_be_visible(
            timeout=ANSWER_TIMEOUT_MS
        )
        panel = page.locator(".pcw-panel").bounding_box()
        assert panel["x"] >= 0 and panel["x"] + panel["width"] <= viewport["width"]
        assert (
            page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        )  # nothing sticks out
        page.screenshot(path=str(ARTIFACTS / f"widget-{name}.png"))
        shutil.copyfile(ARTIFACTS / f"widget-{name}.png", DOCS / f"widget-{name}.png")
        context.close()


def test_keyboard_only(browser, assistant: Assistant, widget_server: WidgetServer) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    page = context.new_page()
    page.goto(widget_server.url + "/")
    launcher = page.get_by_role("button", name=TEXTS["open_button"])
    expect(launcher).to_be_visible()
    for _ in range(10):  # past the demo page's own links to the launcher
        page.keyboard.press("Tab")
        if launcher.evaluate("button => button === document.activeElement"):
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"  # visible focus
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name=TEXTS["consent_button"])).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_label(TEXTS["input_label"])).to_be_focused()
    expect(page.get_by_role("button", name="Was ist Leaky Gut?")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    page.keyboard.type("Was ist Leaky Gut?")
    page.keyboard.press("Enter")
    expect(user_messages(page)).to_have_count(1)
    expect(bot_messages(page)).not_to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Nein, danke")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    page.keyboard.press("Shift+Tab")  # from the input back to the latest quick reply
    expect(page.get_by_role("button", name="Nein, danke")).to_be_focused()
    page.keyboard.press("Enter")
    expect(user_messages(page).last).to_have_text(re.compile("Nein, danke$"))
    expect(page.get_by_label(TEXTS["input_label"])).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name=TEXTS["title"])).to_be_hidden()
    expect(launcher).to_be_focused()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, MOBILE], ids=["desktop", "360px"])
def test_no_axe_violations_from_the_closed_widget_to_answers_with_buttons(
    browser, axe: AxeCore, assistant: Assistant, widget_server: WidgetServer, viewport: Dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, locale="de-DE")
    try:
        page = context.new_page()
        page.goto(widget_server.url + "/")
        found: Dict[str, List[str]] = {}
        launcher = page.get_by_role("button", name=TEXTS["open_button"])
        expect(launcher).to_be_visible()
        found["closed widget"] = axe_violations(page, axe)

        launcher.click()
        expect(page.get_by_role("button", name=TEXTS["consent_button"])).to_be_focused()
        found["consent screen"] = axe_violations(page, axe)

        page.get_by_role("button", name=TEXTS["consent_button"]).click()
        expect(page.get_by_role("button", name="Was ist Leaky Gut?")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        found["after consent: greeting with quick replies"] = axe_violations(page, axe)

        send(page, "Sieht man Leaky Gut bei einer Darmspiegelung?")
        expect(page.get_by_role("button", name="Nein, danke")).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
        found["answered question with quick replies"] = axe_violations(page, axe)

        page.get_by_role("button", name="Ja, Termin vereinbaren").click()
        expect(page.get_by_role("link", name=re.compile("Online-Termin buchen"))).to_be_visible(
            timeout=ANSWER_TIMEOUT_MS
        )
        expect(page.get_by_role("link", name=re.compile("Online-Termin buchen"))).to_have_accessible_name(
            "Online-Termin buchen " + TEXTS["new_window_hint"]  # no "↗": that arrow is decoration
        )
        found["answer with a link button"] = axe_violations(page, axe)
    finally:
        context.close()
    assert_no_axe_violations(found)


def test_no_axe_violations_while_the_server_is_unreachable(
    browser, axe: AxeCore, widget_server: WidgetServer
) -> None:
    """The browser refuses every request to Rasa here; the real outage is the test further down."""
    context = browser.new_context(viewport=DESKTOP, locale="de-DE")
    try:
        page = context.new_page()
        page.route(re.compile("^" + re.escape(widget_server.rasa_url)), lambda route: route.abort())
        page.goto(widget_server.url + "/")
        page.get_by_role("button", name=TEXTS["open_button"]).click()
        page.get_by_role("button", name=TEXTS["consent_button"]).click()
        expect(page.get_by_role("alert")).to_contain_text("Server nicht erreichbar", timeout=30_000)
        page.get_by_label(TEXTS["input_label"]).fill("Hallo")
        page.get_by_label(TEXTS["input_label"]).press("Enter")  # nothing sent; the message stays typed
        found = {"server unreachable": axe_violations(page, axe)}
    finally:
        context.close()
    assert_no_axe_violations(found)


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_rasa_accepts_socket_io_only_from_the_listed_origin(
    assistant: Assistant, widget_server: WidgetServer, transport: str
) -> None:
    url = f"{assistant.url}/socket.io/?EIO=4&transport={transport}"
    upgrade = (
        {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        }
        if transport == "websocket"
        else {}
    )
    foreign = requests.get(url, headers={**upgrade, "Origin": "https://evil.example"}, timeout=10)
    assert foreign.status_code == 400 and "not an accepted origin" in foreign.text
    assert "Access-Control-Allow-Origin" not in foreign.headers
    if transport == "polling":
        own = requests.get(url, headers={"Origin": widget_server.url}, timeout=10)
        assert own.status_code == 200
        assert own.headers["Access-Control-Allow-Origin"] == widget_server.url


def test_rasa_down_shows_unreachable_then_reconnects_to_the_same_session(chat, assistant: Assistant) -> None:
    before = session_id(chat)
    assistant.stop()
    alert = chat.get_by_role("alert")
    expect(alert).to_contain_text("Server nicht erreichbar", timeout=30_000)
    chat.screenshot(path=str(ARTIFACTS / "widget-unreachable.png"))

    assistant.start(timeout=300)
    expect(alert).to_be_hidden(timeout=RESTART_TIMEOUT_MS)
    send(chat, "Ist Leaky Gut heilbar?")
    expect(bot_messages(chat).filter(has_text="in vielen Fällen umkehrbar")).to_have_count(
        1, timeout=ANSWER_TIMEOUT_MS
    )
    assert session_id(chat) == before
    assert stored_user_messages(assistant, before) >= 7  # everything before the restart plus this one


def test_deleting_the_conversation_also_clears_the_history_in_the_tab(chat, assistant: Assistant) -> None:
    sender = session_id(chat)
    send(chat, "Bitte löschen Sie meine Daten")
    confirm = chat.get_by_role("button", name="Ja, löschen")
    expect(confirm).to_be_visible(timeout=ANSWER_TIMEOUT_MS)
    confirm.click()
    expect(bot_messages(chat)).to_have_count(1, timeout=ANSWER_TIMEOUT_MS)
    expect(bot_messages(chat).first).to_contain_text("gelöscht")
    assert user_messages(chat).count() == 0
    stored = chat.evaluate(f"JSON.parse(sessionStorage.getItem('{STORAGE_KEY}')).history")
    assert [entry["from"] for entry in stored] == ["bot"]
    assert stored_user_messages(assistant, sender) == 0
