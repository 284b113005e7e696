"""Text normalisation shared by the rule-based components (safety checks, tokenizer)."""

from __future__ import annotations

import re
import unicodedata

_TRANSLITERATION = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_NOT_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def normalize_text(text: str) -> str:
    """Return the canonical matching form of ``text``.

    Steps, in order: Unicode NFKC, lower case, ``ä``/``ö``/``ü``/``ß`` spelled out as
    ``ae``/``oe``/``ue``/``ss``, every run of characters outside ``a-z`` and ``0-9``
    replaced by one space, surrounding whitespace stripped.

    >>> normalize_text("  Grüß Gott, STÄNDIG müde?! ")
    'gruess gott staendig muede'
    """
    folded = unicodedata.normalize("NFKC", text).lower().translate(_TRANSLITERATION)
    return _NOT_ALPHANUMERIC.sub(" ", folded).strip()
