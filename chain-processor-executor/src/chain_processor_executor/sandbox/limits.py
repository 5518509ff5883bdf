"""What a sandbox may use, what a run returns, and the reason codes of a failed run."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from chain_processor_executor.sandbox import child


class Reason(StrEnum):
    """Why a node run failed; stored as ``node_executions.error_code``."""

    TIMEOUT = child.TIMEOUT
    MEMORY = child.MEMORY
    OUTPUT_LIMIT = child.OUTPUT_LIMIT
    CRASHED = child.CRASHED
    NODE_ERROR = child.NODE_ERROR
    INVALID_OUTPUT = child.INVALID_OUTPUT
    LOAD_ERROR = child.LOAD_ERROR
    CANCELLED = child.CANCELLED
    INVALID_INPUT = "invalid_input"


@dataclass(frozen=True)
class SandboxLimits:
    """The limits of every sandbox process of a pool."""

    memory_bytes: int = 512 * 1024 * 1024
    """Address space (RLIMIT_AS) of a sandbox process, imports included."""
    max_output_bytes: int = 10 * 1024 * 1024
    """The largest output a node may return (UTF-8 bytes)."""
    file_bytes: int = 1024 * 1024
    """The largest file a node may write (RLIMIT_FSIZE), in its own working directory."""
    open_files: int = 64
    """Open file descriptors (RLIMIT_NOFILE)."""
    uid_base: int | None = 1_000_000
    """First uid given to the sandboxes (one per slot) when running as root; ``None`` keeps
    the service's uid."""
    require_network_isolation: bool = True
    """Refuse to start a sandbox that could not get a network namespace of its own."""
    preload: tuple[str, ...] = field(
        default=(
            "chain_processor_core.lib_chains.builtins",
            "re", "json", "string", "math", "textwrap", "unicodedata", "collections",
            "itertools", "functools", "datetime", "html", "base64", "hashlib", "difflib",
            "urllib.parse", "random", "statistics", "decimal", "fractions", "operator", "signal",
        )
    )  # fmt: skip
    """Modules imported before the sandbox drops its privileges (the only ones a node can
    import when the interpreter is not readable by the sandbox uid)."""
    start_timeout_s: float = 20.0
    """How long a new sandbox may take to say it is ready."""
    end_timeout_s: float = 5.0
    """How long a run's process may take to end after its last reply."""
    max_warm_runs: int = 100
    """Runs of one trust domain (one user, one chain version) a kept fork may serve in a
    row before a fresh one replaces it."""
    max_cached_nodes: int = 1000
    """Compiled node versions a sandbox keeps; past this it is replaced by a fresh one."""


@dataclass(frozen=True)
class RunResult:
    """What one node run produced: an output, or a reason and a sanitized error."""

    ok: bool
    output: str | None = None
    reason: Reason | None = None
    error: str | None = None
    duration_ms: float = 0.0

    @classmethod
    def failed(cls, reason: Reason, error: str, duration_ms: float = 0.0) -> RunResult:
        return cls(ok=False, reason=reason, error=error, duration_ms=duration_ms)


class SandboxStartError(RuntimeError):
    """A sandbox process could not be started with the isolation asked for."""
