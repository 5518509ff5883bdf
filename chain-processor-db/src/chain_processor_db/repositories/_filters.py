"""Filters that read differently on PostgreSQL and SQLite."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func, literal_column, select
from sqlalchemy.orm import InstrumentedAttribute, Session


def has_tag(session: Session, column: InstrumentedAttribute[Any], tag: str) -> ColumnElement[bool]:
    """``tag`` is one of the list in ``column`` (``text[]`` on PostgreSQL, JSON on SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return column.any_() == tag
    each = func.json_each(column).table_valued("value")
    return select(literal_column("1")).select_from(each).where(each.c.value == tag).exists()


def contains_text(column: InstrumentedAttribute[str], text: str) -> ColumnElement[bool]:
    """Case-insensitive substring match, with ``%`` and ``_`` in ``text`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return column.ilike(f"%{escaped}%", escape="\\")
