"""The staff review page: `make review`, http://127.0.0.1:8081 (docs/review.md, README).

    STAFF_PASSWORD=... python -m review.server [--host 127.0.0.1] [--port 8081] [--project-dir .]

One process, one Sanic worker: sessions and the training job live in its memory. Every change needs a
live session and the session's CSRF token; every change is written to the audit log without text.
The page reads the tracker store that endpoints.yml configures, as the staff report does.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from practice.config import PracticeConfigError, config_path
from review import candidates
from review.access import Access, AccessSetupError, StaffSession, csrf_valid, staff_password
from review.examples import DataPaths, ExampleRefused, Label, add_example, known_texts, reviewed_examples
from review.personal_details import personal_detail_hints
from review.queue import QueueGroup, build_queue
from review.settings import ReviewSettings, load_review_settings
from review.state import ReviewState

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
SESSION_COOKIE = "review_session"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8081
OUT_OF_SCOPE_INTENT = "out_of_scope"
# Intents staff do not assign: the fallback is no topic, urgent messages have their own buttons.
NOT_ASSIGNABLE = ("nlu_fallback", "red_flag", OUT_OF_SCOPE_INTENT)
URGENT_RESPONSE = "utter_red_flag"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The queue shows what patients wrote: nothing of it in a browser's or proxy's cache.
    "Cache-Control": "no-store",
}


@dataclass
class ReviewApp:
    """Everything the request handlers share."""

    access: Access
    settings: ReviewSettings
    state: ReviewState
    data: DataPaths
    models: "candidates.ModelPaths"
    topics: Dict[str, str]  # intent -> German title, as on the buttons
    urgent_advice: Dict[str, str]  # emergency | crisis -> the answer the assistant gives
    read_events: Callable[[], List[Any]]
    job: "candidates.TrainingJob"
    secure_cookie: bool = False


def create_app(review: ReviewApp) -> Sanic:
    app = Sanic("staff_review")
    app.config.REQUEST_MAX_SIZE = 200_000
    templates = Environment(
        loader=FileSystemLoader(PACKAGE_DIR / "templates"), autoescape=select_autoescape(["html"])
    )
    templates.filters["label_title"] = lambda label: label_title(label, review.topics)
    app.static("/static/review.css", str(PACKAGE_DIR / "static" / "review.css"), name="css")

    def page(request: Request, name: str, status: int = 200, **values: Any) -> HTTPResponse:
        session = current_session(request)
        body = templates.get_template(name).render(session=session, topics=review.topics, **values)
        return response.html(body, status=status)

    def current_session(request: Request) -> Optional[StaffSession]:
        """Looked up once per request: a session that expires while the request runs must not vanish
        between the check and the page (a logged-in page without its header, or a 500 on `.staff`)."""
        if not hasattr(request.ctx, "staff_session"):
            request.ctx.staff_session = review.access.session(request.cookies.get(SESSION_COOKIE))
        return request.ctx.staff_session

    def refused(request: Request) -> Optional[HTTPResponse]:
        """A change without a live session or without its CSRF token is refused."""
        session = current_session(request)
        if session is None:
            return page(request, "login.html", status=401, error="Bitte melden Sie sich (erneut) an.")
        if not csrf_valid(session, request.form.get("csrf_token")):
            return page(
                request,
                "error.html",
                status=403,
                error="Das Formular ist abgelaufen. Bitte laden Sie die Seite neu.",
            )
        return None

    @app.middleware("response")
    async def security_headers(_request: Request, outgoing: HTTPResponse) -> None:
        for header, value in SECURITY_HEADERS.items():
            outgoing.headers.setdefault(header, value)

    @app.get("/anmelden")
    async def login_form(request: Request) -> HTTPResponse:
        return page(request, "login.html")

    @app.post("/anmelden")
    async def login(request: Request) -> HTTPResponse:
        client = request.remote_addr or request.ip
        if review.access.too_many_failures(client):
            return page(
                request, "login.html", status=429, error="Zu viele Fehlversuche. Bitte warten Sie 15 Minuten."
            )
        token = review.access.log_in(
            request.form.get("name") or "", request.form.get("password") or "", client
        )
        if token is None:
            return page(request, "login.html", status=401, error="Name oder Passwort ist falsch.")
        staff = review.access.session(token)
        review.state.audit(staff.staff if staff else "", "angemeldet")
        redirect = response.redirect("/")
        redirect.cookies[SESSION_COOKIE] = token
        cookie = redirect.cookies[SESSION_COOKIE]
        cookie["httponly"] = True
        cookie["samesite"] = "Strict"
        cookie["path"] = "/"
        cookie["secure"] = review.secure_cookie
        return redirect

    @app.post("/abmelden")
    async def logout(request: Request) -> HTTPResponse:
        if (refusal := refused(request)) is not None:
            return refusal
        session = current_session(request)
        review.state.audit(session.staff, "abgemeldet")
        review.access.log_out(request.cookies.get(SESSION_COOKIE))
        redirect = response.redirect("/anmelden")
        del redirect.cookies[SESSION_COOKIE]
        return redirect

    @app.get("/")
    async def queue_page(request: Request) -> HTTPResponse:
        if current_session(request) is None:
            return response.redirect("/anmelden")
        groups = await load_queue(review)
        known = known_texts(review.data)
        vocabulary = frozenset(word for text in known for word in text.split())
        hints = {group.id: personal_detail_hints(group.text, vocabulary) for group in groups}
        return page(
            request,
            "queue.html",
            groups=groups,
            hints=hints,
            assignable=assignable_topics(review.topics),
            notice=request.args.get("hinweis"),
        )

    @app.post("/entscheiden")
    async def decide(request: Request) -> HTTPResponse:
        if (refusal := refused(request)) is not None:
            return refusal
        session = current_session(request)
        groups = {group.id: group for group in await load_queue(review)}
        group = groups.get(request.form.get("message") or "")
        if group is None:
            return page(
                request,
                "error.html",
                status=404,
                error="Diese Nachricht ist nicht mehr in der Warteschlange.",
            )
        decision = request.form.get("decision") or ""
        if decision == "skip":
            review.state.mark_done(group.key)
            review.state.audit(session.staff, "übersprungen", group.id)
            return response.redirect("/?hinweis=übersprungen")
        label = decision_label(decision, request.form.get("topic") or "", review.topics)
        if label is None:
            return page(request, "error.html", status=400, error="Bitte wählen Sie ein Thema aus der Liste.")
        if request.form.get("confirm_no_personal_details") != "ja":
            return page(
                request,
                "error.html",
                status=400,
                error=(
                    "Bitte bestätigen Sie, dass der Text keine Namen oder anderen persönlichen "
                    "Angaben enthält."
                ),
            )
        text = request.form.get("text") or ""
        try:
            await asyncio.get_running_loop().run_in_executor(
                None, add_example, text, label, date.today(), review.data
            )
        except ExampleRefused as refusal:
            return page(request, "error.html", status=409, error=str(refusal))
        topic = review.topics.get(label.intent or "", "") if label.intent else label.urgent or ""
        review.state.mark_done(group.key)  # the saved text may be an edited one
        review.state.audit(session.staff, "zugeordnet", group.id, topic)
        if label.urgent:
            return page(request, "urgent.html", advice=review.urgent_advice[label.urgent])
        return response.redirect("/?hinweis=gespeichert")

    @app.get("/training")
    async def training_page(request: Request) -> HTTPResponse:
        if current_session(request) is None:
            return response.redirect("/anmelden")
        return page(
            request,
            "training.html",
            status_info=review.job.status(),
            reviewed=reviewed_examples(review.data),
            has_previous=review.models.previous.exists(),
        )

    @app.post("/training")
    async def start_training(request: Request) -> HTTPResponse:
        if (refusal := refused(request)) is not None:
            return refusal
        session = current_session(request)
        reviewed = [
            candidates.ReviewedExample(text=text, expected=expected)
            for text, expected, _ in reviewed_examples(review.data)
        ]
        try:
            review.job.start(reviewed)
        except candidates.CandidateError as error:
            return page(request, "error.html", status=409, error=str(error))
        review.state.audit(session.staff, "Training gestartet")
        return response.redirect("/training")

    @app.post("/aktivieren")
    async def activate(request: Request) -> HTTPResponse:
        if (refusal := refused(request)) is not None:
            return refusal
        session = current_session(request)
        try:
            review.job.activate()  # refuses a candidate worse on a set, or compared with another live model
        except candidates.CandidateError as error:
            return page(request, "error.html", status=409, error=str(error))
        review.job.clear()
        review.state.audit(session.staff, "Modell aktiviert")
        return response.redirect("/training?hinweis=aktiviert")

    @app.post("/zuruecksetzen")
    async def rollback(request: Request) -> HTTPResponse:
        if (refusal := refused(request)) is not None:
            return refusal
        session = current_session(request)
        try:
            candidates.rollback(review.models)
        except candidates.CandidateError as error:
            return page(request, "error.html", status=409, error=str(error))
        review.state.audit(session.staff, "Modell zurückgesetzt")
        return response.redirect("/training?hinweis=zurueckgesetzt")

    return app


async def load_queue(review: ReviewApp) -> List[QueueGroup]:
    """The queue from the tracker store, read in a worker thread (a large store takes a moment)."""
    events = await asyncio.get_running_loop().run_in_executor(None, review.read_events)
    known = known_texts(review.data)
    return build_queue(
        events,
        review.settings.low_confidence,
        is_done=lambda key: key in known or review.state.is_done(key),
    )


def assignable_topics(topics: Dict[str, str]) -> Dict[str, str]:
    return {
        intent: title
        for intent, title in sorted(topics.items(), key=lambda item: item[1].casefold())
        if intent not in NOT_ASSIGNABLE
    }


def decision_label(decision: str, topic: str, topics: Dict[str, str]) -> Optional[Label]:
    """The label of a decision button; None for an unknown topic or button."""
    if decision == "topic":
        return Label(intent=topic) if topic in assignable_topics(topics) else None
    if decision == "out_of_scope":
        return Label(intent=OUT_OF_SCOPE_INTENT)
    if decision in ("emergency", "crisis"):
        return Label(urgent=decision)
    return None


URGENT_TITLES = {
    "red_flag:emergency": "dringend: körperliche Warnzeichen",
    "red_flag:crisis": "dringend: seelische Krise",
}


def label_title(label: str, topics: Dict[str, str]) -> str:
    """An expected or recognised label (an intent, `red_flag:<kind>`) in staff's words."""
    if label in URGENT_TITLES:
        return URGENT_TITLES[label]
    if label.startswith("red_flag"):
        return "dringend"
    return topics.get(label, "nicht verstanden" if label == "nlu_fallback" else "sonstige Themen")


def urgent_advice(domain_path: Path) -> Dict[str, str]:
    """The answers the assistant gives to an urgent message of the patient's own (domain.yml)."""
    responses = yaml.safe_load(domain_path.read_text(encoding="utf-8"))["responses"][URGENT_RESPONSE]
    wanted = {
        "crisis": {"red_flag_type": "crisis", "urgent_subject": "self"},
        "emergency": {"red_flag_type": "somatic", "emergency_level": "unspecified", "urgent_subject": "self"},
    }
    advice = {}
    for outcome, slots in wanted.items():
        for variation in responses:
            conditions = {c["name"]: c["value"] for c in variation.get("condition") or []}
            if conditions == slots:
                advice[outcome] = variation["text"]
    return advice


def build_review_app(
    project_dir: Path, session_minutes: Optional[float], environ: Dict[str, str]
) -> ReviewApp:
    from insights.collect import read_events
    from insights.topics import load_topic_names
    from privacy.store import open_tracker_store

    settings = load_review_settings(config_path())
    minutes = session_minutes if session_minutes is not None else settings.session_minutes
    store = open_tracker_store()
    models = candidates.ModelPaths.for_project(project_dir)
    return ReviewApp(
        access=Access(staff_password(environ), session_seconds=minutes * 60),
        settings=settings,
        state=ReviewState(project_dir / "var" / "review", retention_days=settings.retention_days),
        data=DataPaths(nlu_dir=project_dir / "data" / "nlu", triage_dir=project_dir / "data" / "triage"),
        models=models,
        topics=dict(load_topic_names().names),
        urgent_advice=urgent_advice(PROJECT_ROOT / "domain.yml"),
        read_events=lambda: read_events(store),
        job=candidates.TrainingJob(models),
        secure_cookie=environ.get("REVIEW_SECURE_COOKIE") == "1",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Staff review page")
    parser.add_argument("--host", default=os.environ.get("REVIEW_HOST", DEFAULT_HOST))
    parser.add_argument("--port", type=int, default=int(os.environ.get("REVIEW_PORT", DEFAULT_PORT)))
    parser.add_argument("--project-dir", type=Path, default=PROJECT_ROOT, help="data/ and models/ to work on")
    parser.add_argument("--session-minutes", type=float, default=None, help="idle time before logout")
    arguments = parser.parse_args()
    try:
        review = build_review_app(
            arguments.project_dir.resolve(), arguments.session_minutes, dict(os.environ)
        )
    except (AccessSetupError, PracticeConfigError) as error:
        sys.exit(str(error))
    print(f"Staff review page: http://{arguments.host}:{arguments.port}", flush=True)
    create_app(review).run(host=arguments.host, port=arguments.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
