"""The builtin nodes: one module per family, and the registry that names them all."""

from chain_processor_core.lib_chains.builtins.registry import (
    BUILTIN_NODES,
    builtin_source,
    get_builtin,
    run_builtin,
)

__all__ = ["BUILTIN_NODES", "builtin_source", "get_builtin", "run_builtin"]
