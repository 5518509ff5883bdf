"""Query parameters shared by the lists: paging, and time bounds."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator

from chain_processor_core.models import ExecutionFilter
from chain_processor_core.models.common import MAX_OFFSET

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Limit = Annotated[int, Query(ge=1, le=500)]

_DATE_TIME = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})?$"
)


def _date_time_text(value: object) -> object:
    """Only the date-time the OpenAPI schema promises: pydantic alone would also take a
    number of seconds (``0.5``) or a bare date."""
    if isinstance(value, str) and not _DATE_TIME.match(value):
        raise ValueError("must be a date-time such as 2024-05-01T12:00:00Z")
    return value


DateTime = Annotated[datetime, BeforeValidator(_date_time_text)]


class ExecutionListQuery(ExecutionFilter):
    """The executions list's filters, with time bounds as date-time text only."""

    created_after: DateTime | None = None
    created_before: DateTime | None = None
