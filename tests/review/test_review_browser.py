"""The staff review page in a real browser (Debian's chromium via Playwright), against the real assistant.

A patient's message gets "nicht verstanden" over REST; staff log in, give it a topic, train and check a
candidate model, activate it, and the running assistant answers the same message; then they roll back.
The project is a copy in a temporary folder (its data and models change), the assistant a real Rasa
and action server on it. Access is checked over HTTP: wrong password, missing CSRF token, expired
session, no password at all. axe-core checks every page against the WCAG 2.1 A/AA rules.

Tests of this module run in file order and share the servers.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator, List

import pytest
import requests
import yaml

from tests.e2e.chromium import AXE_OPTIONS, AXE_SCRIPT, CHROMIUM, CHROMIUM_ARGS
from tests.e2e.servers import PROJECT_ROOT, QUIET_ENV, Assistant, free_port, wait_for_http

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect

pytestmark = pytest.mark.e2e

SCREENSHOTS = PROJECT_ROOT / "docs" / "images"
PASSWORD = "ein-langes-test-passwort"
STAFF = "Frau Test"
# Bavarian for "and my ears ringing, is that part of it too?": the shipped model does not understand it.
MESSAGE = "Und de Ohrn, de sausn, is des a do?"
TOPIC = "extraintestinal_symptoms"
# Bavarian for "well, what am I supposed to say": staff read it as resignation and mark it urgent.
RESIGNED = "Jo mei, wos soll i do sogn"
TRAINING_TIMEOUT_MS = 20 * 60_000
RELOAD_TIMEOUT_S = 180.0
RESPONSES = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
NOT_UNDERSTOOD = RESPONSES["utter_default"][0]["text"]
TOPIC_ANSWER = RESPONSES["utter_extraintestinal_symptoms"][0]["text"]


@pytest.fixture(scope="module")
def project(tmp_path_factory, model_path: Path) -> Path:
    """What a candidate is trained on and what the review page changes: data, config, domain, models."""
    root = tmp_path_factory.mktemp("review-project")
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_ROOT / name, root / name)
    shutil.copytree(PROJECT_ROOT / "data", root / "data")
    (root / "models").mkdir()
    shutil.copy(model_path, root / "models" / "leaky-gut-assistant.tar.gz")
    return root


@pytest.fixture(scope="module")
def assistant(tmp_path_factory, project: Path) -> Iterator[Assistant]:
    servers = Assistant(
        workdir=tmp_path_factory.mktemp("review-assistant"),
        model=project / "models" / "leaky-gut-assistant.tar.gz",
        extra_env={"MODEL_RELOAD_SECONDS": "1"},
    )
    try:
        yield servers.start()
    finally:
        servers.stop()


class ReviewServer:
    def __init__(
        self, project: Path, tracker_db: Path, log: Path, session_minutes: float, password: str
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {**os.environ, **QUIET_ENV, "TRACKER_STORE": "sqlite", "DB_NAME": str(tracker_db)}
        env.pop("STAFF_PASSWORD", None)
        if password:
            env["STAFF_PASSWORD"] = password
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "review.server",
                "--port",
                str(self.port),
                "--project-dir",
                str(project),
                "--session-minutes",
                str(session_minutes),
            ],
            cwd=PROJECT_ROOT,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            env=env,
        )

    def wait(self) -> "ReviewServer":
        wait_for_http(self.url + "/anmelden", timeout=90, process=self.process)
        return self

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def review(tmp_path_factory, project: Path, assistant: Assistant) -> Iterator[ReviewServer]:
    log = tmp_path_factory.mktemp("review-server") / "review.log"
    server = ReviewServer(project, assistant.tracker_db, log, session_minutes=30, password=PASSWORD)
    try:
        yield server.wait()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make widget-deps)")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def axe_violations(page) -> List[str]:
    page.add_script_tag(path=str(AXE_SCRIPT))
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [f"{violation['id']}: {violation['help']}" for violation in result["violations"]]


def log_in(session: requests.Session, url: str, password: str = PASSWORD) -> requests.Response:
    return session.post(f"{url}/anmelden", data={"name": STAFF, "password": password}, allow_redirects=False)


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def answer_texts(assistant: Assistant, message: str) -> List[str]:
    return [reply.get("text", "") for reply in assistant.say(f"patient-{time.monotonic_ns()}", message)]


def wait_for_answer(assistant: Assistant, message: str, expected: str) -> List[str]:
    deadline, texts = time.monotonic() + RELOAD_TIMEOUT_S, []
    while time.monotonic() < deadline:
        texts = answer_texts(assistant, message)
        if expected in texts:
            return texts
        time.sleep(1)
    raise AssertionError(f"the assistant did not answer with {expected[:40]!r} in time: {texts}")


def test_the_page_does_not_start_without_a_staff_password(tmp_path: Path, project: Path) -> None:
    server = ReviewServer(project, tmp_path / "tracker.db", tmp_path / "log", 30, password="")
    assert server.process.wait(timeout=90) != 0
    assert "STAFF_PASSWORD is not set" in server.log.read_text()


def test_wrong_password_missing_csrf_token_and_expired_session_are_refused(
    tmp_path: Path, project: Path, assistant: Assistant, review: ReviewServer
) -> None:
    anonymous = requests.get(f"{review.url}/", allow_redirects=False)
    assert anonymous.status_code == 302 and anonymous.headers["Location"] == "/anmelden"

    session = requests.Session()
    wrong = log_in(session, review.url, password="falsches-passwort")
    assert wrong.status_code == 401 and "Name oder Passwort ist falsch" in wrong.text
    assert log_in(session, review.url).status_code == 302
    queue = session.get(f"{review.url}/")
    assert queue.status_code == 200 and "Warteschlange" in queue.text
    for path in ("/entscheiden", "/training", "/aktivieren", "/zuruecksetzen", "/abmelden"):
        without_token = session.post(f"{review.url}{path}", data={"decision": "skip"}, allow_redirects=False)
        assert without_token.status_code == 403, path
        assert "Formular ist abgelaufen" in without_token.text

    # three seconds: long enough for a loaded machine to log in and load a page, short enough to wait for
    short = ReviewServer(project, assistant.tracker_db, tmp_path / "short.log", 0.05, PASSWORD).wait()
    try:
        expiring = requests.Session()
        assert log_in(expiring, short.url).status_code == 302
        token = csrf_token(expiring.get(f"{short.url}/").text)
        time.sleep(4)
        assert expiring.get(f"{short.url}/", allow_redirects=False).headers["Location"] == "/anmelden"
        late = expiring.post(f"{short.url}/training", data={"csrf_token": token}, allow_redirects=False)
        assert late.status_code == 401
    finally:
        short.stop()


def test_staff_give_a_misunderstood_message_a_topic_train_activate_and_roll_back(
    browser, project: Path, assistant: Assistant, review: ReviewServer
) -> None:
    assert answer_texts(assistant, MESSAGE)[0] == NOT_UNDERSTOOD

    # The page's CSP forbids inline scripts; axe-core is injected by the test, so the test bypasses it.
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page.goto(f"{review.url}/")
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_label("Ihr Name").fill(STAFF)
    page.get_by_label("Passwort des Praxisteams").fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()

    message = page.locator("section.message", has=page.get_by_role("heading", name=f"„{MESSAGE}“"))
    expect(message).to_be_visible()
    expect(message).to_contain_text("nicht verstanden")
    expect(message.get_by_role("textbox")).to_have_value(MESSAGE)
    assert axe_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "review-queue.png"), full_page=True)

    message.get_by_label("Thema").select_option(TOPIC)
    message.get_by_role("button", name="Passt zu diesem Thema").click()
    expect(page.get_by_role("alert")).to_contain_text("keine Namen")  # not confirmed yet: refused
    page.go_back()
    message.get_by_label("Der Text enthält keine Namen").check()
    message.get_by_label("Thema").select_option(TOPIC)
    message.get_by_role("button", name="Passt zu diesem Thema").click()
    expect(page.get_by_role("status")).to_contain_text("Gespeichert")
    expect(page.get_by_role("heading", name=f"„{MESSAGE}“")).to_have_count(0)
    reviewed = (project / "data" / "nlu" / "reviewed.yml").read_text(encoding="utf-8")
    assert MESSAGE in reviewed and "patient-" not in reviewed

    page.get_by_role("link", name="Neu trainieren und prüfen").click()
    assert axe_violations(page) == []
    page.get_by_role("button", name="Neu trainieren und prüfen").click()
    expect(page.get_by_role("status")).to_contain_text("Fertig", timeout=TRAINING_TIMEOUT_MS)
    expect(page.get_by_role("table").first).to_contain_text("Trefferquote")
    reviewed_row = page.get_by_role("row", name=re.compile(re.escape(MESSAGE)))
    expect(reviewed_row.get_by_role("cell").nth(2)).to_have_text("falsch (nicht verstanden)")
    expect(reviewed_row.get_by_role("cell").nth(3)).to_have_text("richtig")
    assert axe_violations(page) == []
    page.screenshot(path=str(SCREENSHOTS / "review-training.png"), full_page=True)

    page.get_by_role("button", name="Neues Modell aktivieren").click()
    expect(page.get_by_role("button", name="Vorheriges Modell wiederherstellen")).to_be_visible()
    assert TOPIC_ANSWER in wait_for_answer(assistant, MESSAGE, TOPIC_ANSWER)

    page.get_by_role("button", name="Vorheriges Modell wiederherstellen").click()
    assert NOT_UNDERSTOOD in wait_for_answer(assistant, MESSAGE, NOT_UNDERSTOOD)
    page.close()


def test_an_urgent_message_goes_to_the_triage_data_and_the_page_shows_the_advice_it_should_have_got(
    project: Path, assistant: Assistant, review: ReviewServer
) -> None:
    answer_texts(assistant, RESIGNED)  # asked back: two topics were close
    staff = requests.Session()
    log_in(staff, review.url)
    queue = staff.get(f"{review.url}/").text
    token = csrf_token(queue)
    groups = dict(re.findall(r'<h2 id="m-([0-9a-f]+)">„([^“]+)“</h2>', queue))
    message_id = next(group for group, text in groups.items() if "soll i do sogn" in text)
    decision = {
        "csrf_token": token,
        "message": message_id,
        "text": RESIGNED,
        "confirm_no_personal_details": "ja",
        "decision": "crisis",
    }
    page = staff.post(f"{review.url}/entscheiden", data=decision)
    assert page.status_code == 200 and "TelefonSeelsorge" in page.text and "0800 111 0 111" in page.text
    triage = yaml.safe_load((project / "data" / "triage" / "reviewed.yml").read_text(encoding="utf-8"))
    assert [entry["text"] for entry in triage["triage"]["crisis"]] == [RESIGNED]
    again = staff.post(f"{review.url}/entscheiden", data=decision)
    assert again.status_code == 404  # dealt with: no longer in the queue


def test_no_message_text_in_the_logs_and_changes_are_audited(
    project: Path, review: ReviewServer, assistant: Assistant
) -> None:
    training_logs = list((project / "models" / "candidates").glob("*.log"))
    assert training_logs
    for log in (
        review.log,
        assistant.workdir / "rasa.log",
        assistant.workdir / "actions.log",
        *training_logs,
    ):
        assert MESSAGE not in log.read_text(errors="replace"), log.name
    audit = (project / "var" / "review" / "audit.log").read_text(encoding="utf-8")
    assert MESSAGE not in audit
    for action in (
        "angemeldet",
        "zugeordnet",
        "Training gestartet",
        "Modell aktiviert",
        "Modell zurückgesetzt",
    ):
        assert f'"action": "{action}"' in audit
    assert f'"staff": "{STAFF}"' in audit
