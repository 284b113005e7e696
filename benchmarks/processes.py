"""The process tree, read from /proc (both benchmarks measure servers together with their children)."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List


def children_by_parent() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    return children
