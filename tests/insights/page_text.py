"""What a reader of the report sees: the text of the page and of its inline SVG charts, without markup."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Iterable, List

# An identifier as code writes it (`nlu_fallback`, `utter_offer_booking`), never a German word.
SNAKE_CASE = re.compile(r"(?<![\w-])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![\w-])")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: List[str] = []

    def handle_data(self, data: str) -> None:
        self.pieces.append(data)

    def handle_comment(self, data: str) -> None:  # in the file, so a reader of its source sees it
        self.pieces.append(data)


def page_text(page: str) -> str:
    collector = _TextCollector()
    collector.feed(page)
    collector.close()
    return "\n".join(piece.strip() for piece in collector.pieces if piece.strip())


def internal_names_in(text: str, intents: Iterable[str]) -> List[str]:
    """Intent names (whole words, as written in domain.yml) and any other snake_case identifier."""
    found = set(SNAKE_CASE.findall(text))
    found.update(intent for intent in intents if re.search(rf"(?<![\w-]){re.escape(intent)}(?![\w-])", text))
    return sorted(found)
