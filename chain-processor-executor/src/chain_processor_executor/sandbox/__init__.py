"""Running node code in pre-started sandbox processes (see docs/adr/0002-sandbox.md)."""

from chain_processor_executor.sandbox.limits import Reason, RunResult, SandboxLimits
from chain_processor_executor.sandbox.pool import SandboxPool
from chain_processor_executor.sandbox.process import StepCall

__all__ = ["Reason", "RunResult", "SandboxLimits", "SandboxPool", "StepCall"]
