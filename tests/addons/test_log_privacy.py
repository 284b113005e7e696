"""Rasa's structlog events with message texts are redacted once the project's plugin is installed."""

import subprocess
import sys
import textwrap

from tests.conftest import PROJECT_ROOT

# Runs in a fresh interpreter: structlog's configuration is global and frozen on first use.
SCRIPT = textwrap.dedent("""
    import logging, sys
    {install}
    from rasa.utils.log_utils import configure_structlog
    import structlog
    configure_structlog(logging.INFO)  # as Rasa's main does: JSON lines with tracebacks when not a tty
    log = structlog.get_logger()
    def receive(text):
        raise RuntimeError("handling failed")
    try:
        receive("Mein Name ist Erika Mustermann")  # the text is a local variable of the failing frame
    except RuntimeError:
        log.exception("rest.message.received.failure", text="Ich heiße Erika, 0171 2345678")
    log.error("rest.message.received.timeout", text="Blut im Stuhl seit gestern")
    log.info("some.event", user_text="erika@example.de", parse_data_text="Erika Mustermann")
""")


def run_logging(install: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(install=install)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={"RASA_TELEMETRY_ENABLED": "false", "PATH": "/usr/bin"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def test_message_texts_are_redacted() -> None:
    output = run_logging("from addons import log_privacy; log_privacy.install()")
    assert "rest.message.received.failure" in output and "handling failed" in output
    assert "in receive" in output, "the traceback is kept, without local variables"
    for secret in ("Erika", "0171 2345678", "Blut im Stuhl", "erika@example.de"):
        assert secret not in output
    assert "[redacted]" in output


def test_without_the_plugin_rasa_would_log_them() -> None:
    """Guards the test above: the leak is real in Rasa Open Source 3.6."""
    output = run_logging("")
    assert "Blut im Stuhl" in output and "Mein Name ist Erika Mustermann" in output
