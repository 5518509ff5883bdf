"""Weighted traffic splits of a chain (FR-7): submissions that name no version get one drawn
by weight, recorded as ``metadata.variant`` so per-variant statistics can be read back."""

from __future__ import annotations

import random
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from chain_processor_api.schemas.ab import TrafficSplitUpdate
from chain_processor_core.exceptions.errors import (
    ChainValidationError,
    FieldError,
    InvalidVersionError,
    VersionNotFoundError,
)
from chain_processor_core.models import ExecutionCreate
from chain_processor_db.repositories.strategies import get_strategy_version

_RNG = random.Random()


def check_split_versions(
    session: Session, strategy_id: uuid.UUID, split_in: TrafficSplitUpdate
) -> None:
    """Every variant names a version the chain has (all problems at once)."""
    problems = []
    for index, variant in enumerate(split_in.variants):
        try:
            get_strategy_version(session=session, strategy_id=strategy_id, version=variant.version)
        except (VersionNotFoundError, InvalidVersionError) as exc:
            problems.append(FieldError(f"variants.{index}.version", exc.code, exc.detail))
    if problems:
        raise ChainValidationError(errors=problems)


def route(
    execution_in: ExecutionCreate,
    variants: Sequence[Mapping[str, Any]] | None,
    *,
    rng: random.Random | None = None,
) -> ExecutionCreate:
    """The submission with a version drawn from its chain's split (its ``variants``), if it
    names none."""
    if execution_in.version is not None or variants is None:
        return execution_in
    version = choose_variant(variants, rng or _RNG)
    metadata = {**execution_in.metadata, "variant": version}
    return execution_in.model_copy(update={"version": version, "metadata": metadata})


def choose_variant(variants: Sequence[Mapping[str, Any]], rng: random.Random) -> str:
    versions = [str(variant["version"]) for variant in variants]
    weights = [int(variant["weight"]) for variant in variants]
    return rng.choices(versions, weights=weights)[0]
