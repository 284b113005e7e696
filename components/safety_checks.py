"""Deterministic red-flag and own-situation checks for patient messages.

The patterns live in ``safety_patterns.yml`` next to this module (see its header for the
format). They are loaded and compiled once, at import time, so a broken pattern file fails
loudly when the Rasa server starts instead of silently missing an emergency.

Algorithm of :func:`detect_red_flag`:

1. Split the raw text into clauses at ``. ! ? ;``, line breaks and the ``clause_breaks`` words.
2. Normalise each clause with :func:`normalize_text` and undo single typos in the words listed
   under ``typo_tolerance``; commas, colons, dashes and brackets inside a clause are remembered
   as segment borders.
3. Check all ``crisis`` patterns in all clauses, then all ``somatic`` ones. A match counts unless
   a negation stands within the :data:`NEGATION_WINDOW_WORDS` words before it, in the same
   segment and not separated from it by a ``negation_scope_breaks`` word.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from string import ascii_lowercase
from typing import (
    Any,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    Optional,
    Pattern,
    Sequence,
    Set,
    Tuple,
)

import yaml

from components.text_normalization import normalize_text

PATTERNS_FILE = Path(__file__).resolve().with_name("safety_patterns.yml")
RED_FLAG_KINDS: Tuple[str, ...] = ("crisis", "somatic")  # priority order
NEGATION_WINDOW_WORDS = 4
MIN_TYPO_WORD_LENGTH = 4
# Where a clause ends, and where a segment inside a clause ends; the triage classifier's negation scope
# (components/triage_model.py) ends at both.
CLAUSE_PUNCTUATION = r"[.!?;\n\r]+"
SEGMENT_PUNCTUATION = r"[,:()\[\]\u2013\u2014]"
_SEGMENT_BREAK = re.compile(SEGMENT_PUNCTUATION)


@dataclass(frozen=True)
class RedFlagRule:
    """One named red-flag pattern."""

    kind: str
    name: str
    regex: Pattern[str]
    call_112: bool = False


@dataclass(frozen=True)
class CombinationRule:
    """Somatic signs alarming only together: every part somewhere in the message, none of `unless`."""

    name: str
    parts: Tuple[Pattern[str], ...]
    unless: Optional[Pattern[str]]


@dataclass(frozen=True)
class RedFlagHit:
    """The rule that fired and the normalised text it matched (for logs and tests)."""

    kind: str
    name: str
    matched_text: str
    call_112: bool = False


@dataclass(frozen=True)
class SafetyPatterns:
    """Compiled content of the pattern file."""

    clause_break: Pattern[str]
    negation_scope_breaks: FrozenSet[str]
    negations: Tuple[Pattern[str], ...]
    negations_after: Tuple[Pattern[str], ...]
    not_current: Tuple[Pattern[str], ...]
    past_weeks_or_months: Tuple[Pattern[str], ...]
    resolved: Tuple[Pattern[str], ...]
    harmless_causes: Tuple[Pattern[str], ...]
    current: Tuple[Pattern[str], ...]
    personal_context: Tuple[Pattern[str], ...]
    relative_context: Tuple[Pattern[str], ...]
    someone_in_care: Tuple[Pattern[str], ...]
    animals: Tuple[Pattern[str], ...]
    red_flags: Tuple[RedFlagRule, ...]
    combinations: Tuple[CombinationRule, ...]
    typo_corrections: Mapping[str, str]
    dialect_words: Mapping[str, str]


@dataclass(frozen=True)
class _Clause:
    text: str
    segment_starts: Tuple[int, ...]


def _compile_word_pattern(pattern: Any, where: str) -> Pattern[str]:
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError(f"{where}: expected a non-empty regex string, got {pattern!r}")
    try:
        return re.compile(rf"\b(?:{pattern})\b")
    except re.error as error:
        raise ValueError(f"{where}: invalid regex: {error}") from error


def _string_list(data: Mapping[str, Any], key: str) -> List[str]:
    values = data.get(key)
    if not isinstance(values, list) or not values:
        raise ValueError(f"'{key}' must be a non-empty list")
    return values


def _compile_red_flags(section: Any) -> Tuple[RedFlagRule, ...]:
    if not isinstance(section, dict) or set(section) != set(RED_FLAG_KINDS):
        raise ValueError(f"'red_flags' must have exactly the kinds {RED_FLAG_KINDS}")
    rules: List[RedFlagRule] = []
    seen: Set[str] = set()
    for kind in RED_FLAG_KINDS:
        for entry in section[kind] or []:
            name = entry.get("name") if isinstance(entry, dict) else None
            if not name or name in seen:
                raise ValueError(f"red_flags.{kind}: missing or duplicate name {name!r}")
            seen.add(name)
            regex = _compile_word_pattern(entry.get("pattern"), f"red_flags.{kind}.{name}")
            rules.append(RedFlagRule(kind=kind, name=name, regex=regex, call_112=bool(entry.get("call_112"))))
    for kind in RED_FLAG_KINDS:
        if not any(rule.kind == kind for rule in rules):
            raise ValueError(f"red_flags.{kind} has no patterns")
    return tuple(rules)


def _one_typo_variants(word: str) -> Iterable[str]:
    """Every string one typo away: a letter dropped, added, replaced or swapped."""
    for index in range(len(word) + 1):
        head, tail = word[:index], word[index:]
        for letter in ascii_lowercase:
            yield head + letter + tail
            if tail:
                yield head + letter + tail[1:]
        if tail:
            yield head + tail[1:]
        if len(tail) > 1:
            yield head + tail[1] + tail[0] + tail[2:]


def _build_typo_corrections(section: Any) -> Dict[str, str]:
    """Map each misspelling to the one listed word it could come from (ambiguous ones dropped)."""
    if not isinstance(section, dict):
        raise ValueError("'typo_tolerance' must be a mapping with 'words' and 'keep'")
    words = frozenset(_string_list(section, "words"))
    protected = words | frozenset(section.get("keep") or [])
    candidates: Dict[str, Optional[str]] = {}
    for word in sorted(words):
        for variant in _one_typo_variants(word):
            if variant in protected or len(variant) < MIN_TYPO_WORD_LENGTH:
                continue
            known = candidates.setdefault(variant, word)
            if known != word:
                candidates[variant] = None
    return {variant: word for variant, word in candidates.items() if word}


def _compile_combinations(section: Any) -> Tuple[CombinationRule, ...]:
    rules = []
    for entry in section:
        name = entry.get("name")
        parts = entry.get("all")
        if not name or not isinstance(parts, list) or len(parts) < 2:
            raise ValueError(f"combinations: {name!r} needs a name and at least two 'all' parts")
        where = f"combinations.{name}"
        unless = _compile_word_pattern(entry["unless"], where) if entry.get("unless") else None
        rules.append(
            CombinationRule(name, tuple(_compile_word_pattern(part, where) for part in parts), unless)
        )
    return tuple(rules)


def _word_patterns(data: Mapping[str, Any], key: str) -> Tuple[Pattern[str], ...]:
    return tuple(_compile_word_pattern(pattern, key) for pattern in _string_list(data, key))


def _dialect_words(section: Any) -> Dict[str, str]:
    if not isinstance(section, dict) or not all(isinstance(v, str) and v for v in section.values()):
        raise ValueError("'dialect' must map words to their standard spelling")
    return {str(word): spelling for word, spelling in section.items()}


def load_patterns(path: Path = PATTERNS_FILE) -> SafetyPatterns:
    """Read and compile the pattern file; raise ``ValueError`` if it is malformed."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise ValueError(f"{path.name}: top level must be a mapping")
    break_words = "|".join(re.escape(word) for word in _string_list(data, "clause_breaks"))
    return SafetyPatterns(
        clause_break=re.compile(rf"{CLAUSE_PUNCTUATION}|\b(?:{break_words})\b", re.IGNORECASE),
        negation_scope_breaks=frozenset(_string_list(data, "negation_scope_breaks")),
        negations=tuple(
            _compile_word_pattern(pattern, "negations") for pattern in _string_list(data, "negations")
        ),
        negations_after=_word_patterns(data, "negations_after"),
        not_current=_word_patterns(data, "not_current"),
        past_weeks_or_months=_word_patterns(data, "past_weeks_or_months"),
        resolved=_word_patterns(data, "resolved"),
        harmless_causes=_word_patterns(data, "harmless_causes"),
        current=_word_patterns(data, "current"),
        personal_context=tuple(
            _compile_word_pattern(pattern, "personal_context")
            for pattern in _string_list(data, "personal_context")
        ),
        relative_context=_word_patterns(data, "relative_context"),
        someone_in_care=_word_patterns(data, "someone_in_care"),
        animals=tuple(_compile_word_pattern(pattern, "animals") for pattern in _string_list(data, "animals")),
        red_flags=_compile_red_flags(data.get("red_flags")),
        combinations=_compile_combinations(data.get("combinations") or []),
        typo_corrections=_build_typo_corrections(data.get("typo_tolerance")),
        dialect_words=_dialect_words(data.get("dialect")),
    )


PATTERNS = load_patterns()
# Per kind; signs that call for 112 first, so the answer names 112 whenever one of them is among the signs.
_RULES_BY_KIND: Dict[str, List[RedFlagRule]] = {
    kind: sorted(
        (rule for rule in PATTERNS.red_flags if rule.kind == kind), key=lambda rule: not rule.call_112
    )
    for kind in RED_FLAG_KINDS
}


def _matches_any(patterns: Sequence[Pattern[str]], text: str) -> bool:
    return any(pattern.search(text) for pattern in patterns)


def _correct_typos(normalized: str) -> str:
    """Dialect words to their standard spelling, then single typos in alarm words undone."""
    dialect, corrections = PATTERNS.dialect_words, PATTERNS.typo_corrections
    words = (dialect.get(word, word) for word in normalized.split())
    return " ".join(corrections.get(word, word) for word in " ".join(words).split())


def _split_clauses(text: str, correct_typos: bool = False) -> List[_Clause]:
    clauses: List[_Clause] = []
    for raw_clause in PATTERNS.clause_break.split(text):
        parts: List[str] = []
        starts: List[int] = []
        offset = 0
        for raw_segment in _SEGMENT_BREAK.split(raw_clause):
            segment = normalize_text(raw_segment)
            if correct_typos:
                segment = _correct_typos(segment)
            if segment:
                starts.append(offset)
                parts.append(segment)
                offset += len(segment) + 1
        if parts:
            clauses.append(_Clause(text=" ".join(parts), segment_starts=tuple(starts)))
    return clauses


def _negation_window(clause: _Clause, match_start: int) -> str:
    segment_start = max(start for start in clause.segment_starts if start <= match_start)
    words = clause.text[segment_start:match_start].split()[-NEGATION_WINDOW_WORDS:]
    for index in range(len(words) - 1, -1, -1):
        if words[index] in PATTERNS.negation_scope_breaks:
            words = words[index + 1 :]
            break
    return " ".join(words)


def _is_negated(clause: _Clause, match_start: int) -> bool:
    window = _negation_window(clause, match_start)
    return bool(window) and any(negation.search(window) for negation in PATTERNS.negations)


def _is_negated_after(clause: _Clause, match_end: int) -> bool:
    """A denial in the few words after the sign, within its segment ("Fieber nein")."""
    following = [start for start in clause.segment_starts if start > match_end]
    segment_end = following[0] if following else len(clause.text)
    words = clause.text[match_end:segment_end].split()[:NEGATION_WINDOW_WORDS]
    return bool(words) and _matches_any(PATTERNS.negations_after, " ".join(words))


def _is_not_current(clause: _Clause, message_says_resolved: bool) -> bool:
    """The clause is about the past and over, a term or a hypothetical, and says nothing of now."""
    if _matches_any(PATTERNS.current, clause.text):
        return False
    if _matches_any(PATTERNS.not_current, clause.text):
        return True
    return message_says_resolved and _matches_any(PATTERNS.past_weeks_or_months, clause.text)


def _first_hit(
    rules: Sequence[RedFlagRule], clauses: Sequence[_Clause], harmless_cause_named: bool
) -> Optional[RedFlagHit]:
    for rule in rules:
        if rule.kind == "somatic" and harmless_cause_named and not rule.call_112:
            continue
        for clause in clauses:
            if rule.kind == "somatic" and _matches_any(PATTERNS.animals, clause.text):
                continue  # the dog's diarrhoea
            for match in rule.regex.finditer(clause.text):
                if not _is_negated(clause, match.start()) and not _is_negated_after(clause, match.end()):
                    return RedFlagHit(rule.kind, rule.name, match.group(0), rule.call_112)
    return None


def _part_occurs(part: Pattern[str], clauses: Sequence[_Clause]) -> Optional[str]:
    for clause in clauses:
        if _matches_any(PATTERNS.animals, clause.text):
            continue
        for match in part.finditer(clause.text):
            if not _is_negated(clause, match.start()) and not _is_negated_after(clause, match.end()):
                return match.group(0)
    return None


def _first_combination(clauses: Sequence[_Clause], whole_text: str) -> Optional[RedFlagHit]:
    for rule in PATTERNS.combinations:
        if rule.unless is not None and rule.unless.search(whole_text):
            continue
        found = [_part_occurs(part, clauses) for part in rule.parts]
        if all(found):
            return RedFlagHit("somatic", rule.name, " + ".join(found))  # type: ignore[arg-type]
    return None


def find_red_flag(text: str) -> Optional[RedFlagHit]:
    """Return the first red-flag rule that fires on ``text`` (crisis before somatic)."""
    if not text:
        return None
    clauses = _split_clauses(text, correct_typos=True)
    resolved = any(_matches_any(PATTERNS.resolved, clause.text) for clause in clauses)
    current_clauses = [clause for clause in clauses if not _is_not_current(clause, resolved)]
    harmless_cause_named = any(_part_occurs(pattern, clauses) for pattern in PATTERNS.harmless_causes)
    for kind in RED_FLAG_KINDS:
        hit = _first_hit(_RULES_BY_KIND[kind], current_clauses, harmless_cause_named)
        if hit:
            return hit
    if harmless_cause_named:
        return None
    return _first_combination(current_clauses, " ".join(clause.text for clause in clauses))


def detect_red_flag(text: str) -> Optional[str]:
    """Return ``"crisis"``, ``"somatic"`` or ``None`` for a user message."""
    hit = find_red_flag(text)
    return hit.kind if hit else None


def mentions_own_situation(text: str) -> bool:
    """Tell whether the user speaks about their own body, symptoms or health."""
    return any(
        pattern.search(clause.text)
        for clause in _split_clauses(text or "")
        for pattern in PATTERNS.personal_context
    )


def mentions_relatives_situation(text: str) -> bool:
    """Tell whether the user speaks about the body or health of someone close ("Mein Sohn hat ...")."""
    return any(_matches_any(PATTERNS.relative_context, clause.text) for clause in _split_clauses(text or ""))


def is_about_someone_in_care(text: str) -> bool:
    """Tell whether the user writes about a person they look after at work (or a colleague), not about
    themselves: "Bewohnerin, 87 J., heute Synkope"."""
    return _is_about_only(PATTERNS.someone_in_care, text)


def is_about_an_animal(text: str) -> bool:
    """Tell whether the message is about an animal and not about the writer's own situation.

    The writer's own situation counts in the animal's clause too: "Ich habe Blut im Stuhl und mein
    Hund auch" is about the writer.
    """
    return _is_about_only(PATTERNS.animals, text)


def _is_about_only(subject_patterns: Sequence[Pattern[str]], text: str) -> bool:
    """Some clause names the subject (an animal, a person in care) and none speaks of the writer's own
    situation."""
    clauses = _split_clauses(text or "")
    if not any(_matches_any(subject_patterns, clause.text) for clause in clauses):
        return False
    return not any(_matches_any(PATTERNS.personal_context, clause.text) for clause in clauses)
