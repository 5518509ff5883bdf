"""Paging query parameters shared by every list."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

from chain_processor_core.models.common import MAX_OFFSET

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
Limit = Annotated[int, Query(ge=1, le=500)]
