"""Lambda event filtering: which stream records an event source mapping passes to its function.

The patterns are the ones the Pulumi program declares on the mapping (FilterCriteria), in
EventBridge pattern syntax. This module implements the part of that syntax the program
uses, with AWS's semantics:

- a pattern is a JSON object; every key in it must match (AND);
- a key maps to a nested object (matched against the record's object at that key) or to a
  non-empty list of literal values (string, number, true/false, null), any of which may
  match (OR); a literal matches a record value that equals it (numbers by value, strings
  exactly), or, when the record value is a list, any element of it;
- a key the record does not have never matches (not even `null`);
- a mapping with several filters passes a record that matches any of them, and a mapping
  without filters passes every record.

Anything else (content filters such as `prefix`, `anything-but`, `numeric`, `exists`,
`wildcard`, or a malformed pattern) raises `UnsupportedFilterPatternError` when the filter
is built, so a pattern the local stack would misread can never silently pass or drop
records.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# The most filters a Lambda event source mapping takes.
MAX_FILTERS = 5


class UnsupportedFilterPatternError(ValueError):
    """A filter pattern that is malformed or uses syntax the local stack does not implement."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"filter pattern at {path or '<root>'}: {problem}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class EventFilter:
    """The filters of one event source mapping."""

    patterns: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_patterns(cls, patterns: Iterable[Mapping[str, Any] | str]) -> EventFilter:
        """Validate `patterns` (objects, or their JSON text as Lambda stores them)."""
        parsed = tuple(_parse(pattern) for pattern in patterns)
        if len(parsed) > MAX_FILTERS:
            raise UnsupportedFilterPatternError(
                "", f"a mapping takes at most {MAX_FILTERS} filters, got {len(parsed)}"
            )
        for pattern in parsed:
            _validate(pattern, "")
        return cls(parsed)

    def matches(self, record: Mapping[str, Any]) -> bool:
        """Whether the mapping passes `record` to its function."""
        if not self.patterns:
            return True
        return any(_matches(pattern, record) for pattern in self.patterns)


def _parse(pattern: Mapping[str, Any] | str) -> Mapping[str, Any]:
    if isinstance(pattern, str):
        try:
            pattern = json.loads(pattern)
        except ValueError as error:
            raise UnsupportedFilterPatternError("", f"not JSON: {error}") from None
    if not isinstance(pattern, Mapping):
        raise UnsupportedFilterPatternError("", f"must be a JSON object, got {pattern!r}")
    return pattern


def _validate(pattern: Mapping[str, Any], path: str) -> None:
    if not pattern:
        raise UnsupportedFilterPatternError(path, "an empty object matches nothing useful")
    for key, value in pattern.items():
        here = f"{path}.{key}" if path else str(key)
        if isinstance(value, Mapping):
            _validate(value, here)
        elif isinstance(value, list):
            if not value:
                raise UnsupportedFilterPatternError(here, "an empty list of values")
            for literal in value:
                if isinstance(literal, Mapping):
                    operators = ", ".join(sorted(literal)) or "{}"
                    raise UnsupportedFilterPatternError(
                        here, f"content filter {operators} is not supported locally"
                    )
                if not _is_literal(literal):
                    raise UnsupportedFilterPatternError(here, f"not a literal value: {literal!r}")
        else:
            raise UnsupportedFilterPatternError(
                here, f"values must be a list or an object, got {value!r}"
            )


def _is_literal(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _matches(pattern: Mapping[str, Any], value: Mapping[str, Any]) -> bool:
    for key, expected in pattern.items():
        if key not in value:
            return False
        actual = value[key]
        if isinstance(expected, Mapping):
            if not isinstance(actual, Mapping) or not _matches(expected, actual):
                return False
        elif not _matches_any(expected, actual):
            return False
    return True


def _matches_any(literals: Sequence[Any], actual: Any) -> bool:
    candidates = actual if isinstance(actual, list) else [actual]
    return any(_equal(literal, candidate) for literal in literals for candidate in candidates)


def _equal(literal: Any, actual: Any) -> bool:
    # true is not 1, and "1" is not 1: compare kinds before values.
    if isinstance(literal, bool) or isinstance(actual, bool):
        return isinstance(literal, bool) and isinstance(actual, bool) and literal == actual
    if isinstance(literal, int | float) and isinstance(actual, int | float):
        return literal == actual
    return type(literal) is type(actual) and literal == actual
