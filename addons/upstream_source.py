"""The source of an upstream symbol as the installed package ships it, even after a patch rebound it.

Used by the canary tests of addons/patches.py: reading the file (not the live object) means the
fingerprint is of Rasa's code, whatever this process has installed over it.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from pathlib import Path
from typing import List, Tuple


class UpstreamSymbolNotFound(LookupError):
    pass


def _module_and_names(dotted: str) -> Tuple[str, List[str]]:
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module = ".".join(parts[:cut])
        try:
            if importlib.util.find_spec(module) is not None:
                return module, parts[cut:]
        except ModuleNotFoundError:
            continue
    raise UpstreamSymbolNotFound(f"no module found for {dotted}")


def _find(body: List[ast.stmt], name: str) -> ast.AST:
    for node in body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return node
    raise UpstreamSymbolNotFound(name)


def upstream_source(dotted: str) -> str:
    module, names = _module_and_names(dotted)
    spec = importlib.util.find_spec(module)
    source = Path(spec.origin).read_text(encoding="utf-8")
    node: ast.AST = ast.parse(source)
    try:
        for name in names:
            node = _find(node.body, name)  # type: ignore[attr-defined]
    except UpstreamSymbolNotFound:
        raise UpstreamSymbolNotFound(f"{dotted} is not defined in {spec.origin}") from None
    return ast.get_source_segment(source, node) or ""


def fingerprint(dotted: str) -> str:
    return hashlib.sha256(upstream_source(dotted).encode("utf-8")).hexdigest()[:16]
