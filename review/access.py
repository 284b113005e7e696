"""Who may use the review page: the staff password, sessions that expire, a CSRF token per session.

The password comes from the environment (`STAFF_PASSWORD`), never from a file in the repository, and
there is no default: without one the page does not start. Sessions live in the server's memory (one
process), so a restart logs everyone out. Wrong passwords are slowed down per client address.
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Callable, Deque, Dict, Mapping, Optional

PASSWORD_ENV = "STAFF_PASSWORD"
# Long enough that guessing over the network is hopeless at the attempt limit below.
MIN_PASSWORD_LENGTH = 12
MAX_NAME_LENGTH = 60
FAILED_ATTEMPTS_ALLOWED = 5
FAILED_ATTEMPTS_WINDOW = 15 * 60.0


class AccessSetupError(RuntimeError):
    """The page cannot start safely; the message says what to set."""


def staff_password(environ: Mapping[str, str]) -> str:
    password = environ.get(PASSWORD_ENV, "")
    if not password:
        raise AccessSetupError(
            f"{PASSWORD_ENV} is not set: the review page starts only with a staff password "
            f"(at least {MIN_PASSWORD_LENGTH} characters), e.g. `{PASSWORD_ENV}=... make review`."
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccessSetupError(f"{PASSWORD_ENV} is too short: use at least {MIN_PASSWORD_LENGTH} characters.")
    return password


@dataclass
class StaffSession:
    staff: str
    csrf_token: str
    expires_at: float


@dataclass
class Access:
    password: str
    session_seconds: float
    clock: Callable[[], float] = time.monotonic
    _sessions: Dict[str, StaffSession] = field(default_factory=dict)
    _failures: Dict[str, Deque[float]] = field(default_factory=lambda: defaultdict(deque))

    def too_many_failures(self, client: str) -> bool:
        failures = self._failures[client]
        while failures and failures[0] < self.clock() - FAILED_ATTEMPTS_WINDOW:
            failures.popleft()
        return len(failures) >= FAILED_ATTEMPTS_ALLOWED

    def log_in(self, staff: str, password: str, client: str) -> Optional[str]:
        """A new session's token, or None for a wrong password or a missing name."""
        staff = " ".join(staff.split())[:MAX_NAME_LENGTH]
        if not hmac.compare_digest(password.encode("utf-8"), self.password.encode("utf-8")) or not staff:
            self._failures[client].append(self.clock())
            return None
        token = secrets.token_urlsafe(32)
        self._sessions[token] = StaffSession(
            staff, secrets.token_urlsafe(32), self.clock() + self.session_seconds
        )
        return token

    def session(self, token: Optional[str]) -> Optional[StaffSession]:
        """The live session of a cookie's token; each use extends it (it expires after idle time)."""
        self._forget_expired()
        found = self._sessions.get(token or "")
        if found is not None:
            found.expires_at = self.clock() + self.session_seconds
        return found

    def log_out(self, token: Optional[str]) -> None:
        self._sessions.pop(token or "", None)

    def _forget_expired(self) -> None:
        now = self.clock()
        for token in [token for token, found in self._sessions.items() if found.expires_at <= now]:
            del self._sessions[token]


def csrf_valid(session: StaffSession, submitted: Optional[str]) -> bool:
    return bool(submitted) and hmac.compare_digest(session.csrf_token, submitted or "")
