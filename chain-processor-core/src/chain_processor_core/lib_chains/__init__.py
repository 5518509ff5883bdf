"""Nodes: the contract every node's code follows, and the builtin nodes."""

from chain_processor_core.lib_chains.base import ChainNode, EmptyConfig, NodeConfig
from chain_processor_core.lib_chains.builtins import (
    BUILTIN_NODES,
    builtin_source,
    get_builtin,
    run_builtin,
)
from chain_processor_core.lib_chains.contract import (
    MAX_CODE_CHARS,
    NODE_FUNCTION,
    NodeSignature,
    check_node_code,
    validate_input,
    validate_output,
)

__all__ = [
    "BUILTIN_NODES",
    "MAX_CODE_CHARS",
    "NODE_FUNCTION",
    "ChainNode",
    "EmptyConfig",
    "NodeConfig",
    "NodeSignature",
    "builtin_source",
    "check_node_code",
    "get_builtin",
    "run_builtin",
    "validate_input",
    "validate_output",
]
