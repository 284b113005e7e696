import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from practice.config import PracticeConfigError, load_practice_config, parse_practice_config

VALID = yaml.safe_load(Path("config/practice.yml").read_text(encoding="utf-8"))


def _with(section: str, key: str, value) -> dict:
    raw = {name: dict(values) if isinstance(values, dict) else values for name, values in VALID.items()}
    raw[section][key] = value
    return raw


def _with_controller(**values) -> dict:
    return _with("privacy", "controller", {**VALID["privacy"]["controller"], **values})


def test_the_shipped_config_is_valid() -> None:
    config = load_practice_config()
    assert config.booking_url.startswith("https://")
    assert config.retention_days > 0


@pytest.mark.parametrize(
    "raw, reason",
    [
        (None, "sections"),
        ({"practice": VALID["practice"]}, "privacy"),
        (_with("practice", "phone", ""), "phone"),
        (_with("practice", "booking_url", "javascript:alert(1)"), "https://"),
        (_with("practice", "booking_url", "http://example.org"), "https://"),
        (_with("practice", "email", "no-address"), "e-mail"),
        (_with("privacy", "retention_days", 0), "retention_days"),
        (_with("privacy", "retention_days", "30"), "retention_days"),
        (_with("privacy", "policy_url", "http://www.example.org/datenschutz"), "policy_url"),
        (_with("privacy", "policy_url", "www.example.org/datenschutz"), "policy_url"),
        (_with("privacy", "policy_url", "https://www.example.org/daten schutz"), "policy_url"),
        (_with("privacy", "policy_url", ""), "policy_url"),
        (_with("privacy", "controller", "Praxis"), "privacy.controller"),
        (_with_controller(name=""), "privacy.controller.name"),
        (_with_controller(address=None), "privacy.controller.address"),
        (_with("privacy", "notice", "Ein automatischer Assistent. Mehr: {policy_url}"), "retention_days"),
        (_with("privacy", "notice", VALID["privacy"]["notice"] + " {phone}"), "unknown placeholder"),
        (_with("privacy", "notice", VALID["privacy"]["notice"] + " {"), "stray brace"),
    ],
)
def test_invalid_configs_are_rejected_with_a_reason(raw, reason: str) -> None:
    with pytest.raises(PracticeConfigError, match=reason):
        parse_practice_config(raw)


def test_the_notice_names_the_controller_the_retention_days_and_the_staff_report_from_config() -> None:
    config = load_practice_config()
    notice = config.privacy_notice
    assert config.controller_name in notice and config.controller_address in notice
    assert f"{config.retention_days} Tage" in notice
    assert "Praxisteam" in notice and "Bericht" in notice and "nicht beantworten konnte" in notice
    assert "Prüfseite" in notice and "ohne Namen und persönliche Angaben" in notice
    assert "Telefonnummer" in notice and "WhatsApp" in notice and "Nutzer-ID" in notice
    assert "automatischer Assistent" in notice and config.policy_url in notice
    assert "{" not in notice and "}" not in notice


def test_the_notice_follows_the_config_values() -> None:
    raw = _with("privacy", "retention_days", 14)
    raw["privacy"]["controller"] = {
        "name": "Dr. med. Erika Muster",
        "address": "Hauptstraße 5, 04109 Leipzig",
    }
    raw["privacy"]["policy_url"] = "https://praxis-muster.example/datenschutz"
    notice = parse_practice_config(raw).privacy_notice
    assert "14 Tage" in notice and f"{load_practice_config().retention_days} Tage" not in notice
    assert "Dr. med. Erika Muster, Hauptstraße 5, 04109 Leipzig" in notice
    assert notice.endswith("https://praxis-muster.example/datenschutz")


def test_the_demo_values_are_marked_as_such() -> None:
    config = load_practice_config()
    assert "Demo" in config.controller_address
    text = Path("config/practice.yml").read_text(encoding="utf-8")
    privacy_head = text[text.index("\nprivacy:") : text.index("\n  notice:")]
    assert privacy_head.count("DEMO VALUE") == 2  # the controller and the policy link


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(PracticeConfigError, match="not found"):
        load_practice_config(tmp_path / "missing.yml")


@pytest.mark.parametrize("content", [None, "practice: [unclosed"])
def test_action_server_stops_at_start_up_with_a_clear_message(tmp_path: Path, content) -> None:
    path = tmp_path / "practice.yml"
    if content is not None:
        path.write_text(content)
    result = subprocess.run(
        [sys.executable, "-m", "rasa_sdk", "--actions", "actions", "--port", "5399"],
        env={"PRACTICE_CONFIG": str(path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "PracticeConfigError" in result.stderr and str(path) in result.stderr


def test_the_practitioner_is_named_as_configured_and_by_default_only_as_the_practice() -> None:
    # The approved page names no title ("In meiner Praxis begleite ich Sie"): no "Arzt" unless configured.
    assert load_practice_config().appointment_with == "in der Praxis"
    configured = parse_practice_config(_with("practice", "appointment_with", "bei Dr. med. Anna Beispiel"))
    assert configured.template_values()["appointment_with"] == "bei Dr. med. Anna Beispiel"


def test_the_booking_offers_name_whom_the_appointment_is_with_from_config() -> None:
    responses = yaml.safe_load(Path("domain.yml").read_text(encoding="utf-8"))["responses"]
    for variation in responses["utter_offer_booking"]:
        assert "{appointment_with}" in variation["text"]
