"""The practice's details from config/practice.yml: the one place staff change them.

Read by the action server at start-up and by the Rasa server's fallback for a missing action server.
A missing or invalid file raises PracticeConfigError, which stops the process with a clear message.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Iterable, Mapping
from urllib.parse import urlparse

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATH = PROJECT_ROOT / "config" / "practice.yml"
PATH_ENV_VAR = "PRACTICE_CONFIG"


class PracticeConfigError(RuntimeError):
    """The practice config is missing or invalid (deliberately not an ImportError: the server must stop)."""


@dataclass(frozen=True)
class PracticeConfig:
    name: str
    phone: str
    email: str
    booking_url: str
    opening_hours: str
    appointment_with: str  # "einen Termin {appointment_with} vereinbaren": who treats, as true as the page
    privacy_notice: str  # with the controller, the retention period and the policy link filled in
    retention_days: int
    controller_name: str
    controller_address: str
    policy_url: str

    def template_values(self) -> Dict[str, str]:
        """Values for the {placeholders} of the responses in domain.yml."""
        return {
            "practice_name": self.name,
            "phone": self.phone,
            "email": self.email,
            "booking_url": self.booking_url,
            "opening_hours": self.opening_hours,
            "appointment_with": self.appointment_with,
        }


def config_path() -> Path:
    return Path(os.environ.get(PATH_ENV_VAR) or DEFAULT_PATH)


@lru_cache(maxsize=None)
def load_practice_config(path: Path | None = None) -> PracticeConfig:
    path = path or config_path()
    return parse_practice_config(_read(path), source=str(path))


def load_text_section(name: str, keys: Iterable[str], path: Path | None = None) -> Dict[str, str]:
    """The texts of a further section of the practice config (`widget`, `messengers`); each is required."""
    path = path or config_path()
    raw = _read(path)
    section = raw.get(name) if isinstance(raw, Mapping) else None
    if not isinstance(section, Mapping):
        raise PracticeConfigError(f"{path}: section '{name}' is missing.")
    texts = {}
    for key in keys:
        value = section.get(key)
        if not isinstance(value, str) or not value.strip():
            raise PracticeConfigError(f"{path}: {name}.{key} is missing or empty.")
        texts[key] = value.strip()
    return texts


def _read(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise PracticeConfigError(
            f"Practice config not found: {path}. Copy config/practice.yml there."
        ) from error
    except yaml.YAMLError as error:
        raise PracticeConfigError(f"Practice config {path} is not valid YAML: {error}") from error


def parse_practice_config(raw: Any, source: str = "practice config") -> PracticeConfig:
    if not isinstance(raw, Mapping):
        raise PracticeConfigError(f"{source}: expected the sections 'practice' and 'privacy'.")
    practice = _section(raw, "practice", source)
    privacy = _section(raw, "privacy", source)
    controller = _section(privacy, "controller", source, "privacy.controller")
    controller_name = _text(controller, "name", source, "privacy.controller.name")
    controller_address = _text(controller, "address", source, "privacy.controller.address")
    policy_url = _text(privacy, "policy_url", source)
    retention_days = _positive_int(privacy, "retention_days", source)
    config = PracticeConfig(
        name=_text(practice, "name", source),
        phone=_text(practice, "phone", source),
        email=_text(practice, "email", source),
        booking_url=_text(practice, "booking_url", source),
        opening_hours=_text(practice, "opening_hours", source),
        appointment_with=_text(practice, "appointment_with", source),
        privacy_notice=_filled_notice(
            _text(privacy, "notice", source),
            {
                "controller_name": controller_name,
                "controller_address": controller_address,
                "retention_days": str(retention_days),
                "policy_url": policy_url,
            },
            source,
        ),
        retention_days=retention_days,
        controller_name=controller_name,
        controller_address=controller_address,
        policy_url=policy_url,
    )
    _check_url(config.booking_url, "practice.booking_url", source)
    _check_url(config.policy_url, "privacy.policy_url", source)
    if "@" not in config.email:
        raise PracticeConfigError(f"{source}: practice.email '{config.email}' is not an e-mail address.")
    return config


def _filled_notice(template: str, values: Mapping[str, str], source: str) -> str:
    """The privacy notice with its placeholders filled in. Each value must appear: a notice that does not
    name the controller, the retention period and the full policy would not be true to this config."""
    try:
        used = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise PracticeConfigError(f"{source}: privacy.notice has a stray brace: {error}") from error
    unknown, missing = sorted(used - set(values)), sorted(set(values) - used)
    if unknown:
        raise PracticeConfigError(f"{source}: privacy.notice has unknown placeholder(s) {unknown}.")
    if missing:
        placeholders = ", ".join("{" + name + "}" for name in missing)
        raise PracticeConfigError(f"{source}: privacy.notice must contain {placeholders}.")
    return template.format_map(values)


def _section(raw: Mapping[str, Any], key: str, source: str, qualified: str = "") -> Mapping[str, Any]:
    section = raw.get(key)
    if not isinstance(section, Mapping):
        raise PracticeConfigError(f"{source}: section '{qualified or key}' is missing.")
    return section


def _text(section: Mapping[str, Any], key: str, source: str, qualified: str = "") -> str:
    value = section.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PracticeConfigError(f"{source}: '{qualified or key}' is missing or empty.")
    return value.strip()


def _positive_int(section: Mapping[str, Any], key: str, source: str) -> int:
    value = section.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise PracticeConfigError(f"{source}: '{key}' must be a positive whole number of days.")
    return value


def _check_url(url: str, key: str, source: str) -> None:
    parsed = urlparse(url)
    if parsed.scheme != "https" or not parsed.netloc or any(char.isspace() for char in url):
        raise PracticeConfigError(f"{source}: {key} '{url}' must be an https:// link.")
