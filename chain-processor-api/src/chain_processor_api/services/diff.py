"""Differences between two versions: a unified diff of text and a list of changed fields."""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

from chain_processor_api.schemas.versions import FieldChange


def unified_diff(before: str, after: str, *, from_label: str, to_label: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=from_label,
        tofile=to_label,
    )
    return "".join(line if line.endswith("\n") else f"{line}\n" for line in lines)


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[FieldChange]:
    """One entry per top-level key whose value differs (keys in either mapping)."""
    keys = list(dict.fromkeys([*before, *after]))
    return [
        FieldChange(field=key, before=before.get(key), after=after.get(key))
        for key in keys
        if before.get(key) != after.get(key)
    ]


def step_changes(
    before: Sequence[Mapping[str, Any]], after: Sequence[Mapping[str, Any]]
) -> list[FieldChange]:
    """One entry per position whose step was added, removed or changed."""
    changes = []
    for position in range(max(len(before), len(after))):
        old = before[position] if position < len(before) else None
        new = after[position] if position < len(after) else None
        if old != new:
            changes.append(FieldChange(field=f"nodes.{position}", before=old, after=new))
    return changes
