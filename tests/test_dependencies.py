"""The direction of imports between the project's packages, so the layers stay apart.

`practice/` is the bottom: both servers and the staff tools import it, it imports none of them. The
Rasa server (addons, channels, components) never imports the action server (actions); the staff
tools (privacy, insights) may use the Rasa server's store code, never the other way round.
"""

import ast
from pathlib import Path
from typing import Dict, Set

import pytest

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["actions", "addons", "channels", "components", "insights", "practice", "privacy", "widget"]

# package -> packages it must never import
FORBIDDEN: Dict[str, Set[str]] = {
    "practice": set(PACKAGES) - {"practice"},
    "addons": {"actions", "privacy", "insights", "widget"},
    "channels": {"actions", "privacy", "insights", "widget"},
    "components": {"actions", "addons", "channels", "privacy", "insights", "widget"},
    "actions": {"addons", "channels", "components", "privacy", "insights", "widget"},
    "privacy": {"actions", "insights", "widget"},
}


def imported_packages(package: str) -> Dict[str, Set[str]]:
    """file -> first-party packages it imports (anywhere in the file, including inside functions)."""
    found: Dict[str, Set[str]] = {}
    for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
        names: Set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(PROJECT_ROOT))] = names & set(PACKAGES)
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_downward(package: str) -> None:
    wrong = {
        path: sorted(imports & FORBIDDEN[package])
        for path, imports in imported_packages(package).items()
        if imports & FORBIDDEN[package]
    }
    assert not wrong, f"{package}/ imports what it must not: {wrong}"


def test_the_check_sees_imports() -> None:
    assert "practice" in imported_packages("actions")["actions/booking.py"]
