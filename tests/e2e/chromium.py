"""Debian's chromium as the browser tests start it, and axe-core's WCAG 2.1 A/AA rule set."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.servers import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
# Headless, and without the background connections that this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE_SCRIPT = PROJECT_ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
