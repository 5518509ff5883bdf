"""The node contract: what node code must look like, and what goes in and out of a node.

Node code is Python source that defines, at top level, a plain function called ``node``::

    def node(input_text: str) -> str: ...
    def node(input_text: str, config: dict) -> str: ...

The first parameter receives the text; an optional second parameter (any name, with or without
a default) receives the node's configuration from the chain, a JSON object.

:func:`check_node_code` checks this *statically* with :mod:`ast`; it never runs the code.
Running it is the executor's job, in its sandbox. :func:`validate_input` and
:func:`validate_output` are the checks around every call (spec, Appendix B).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from chain_processor_core.exceptions.errors import (
    InvalidInputError,
    NodeExecutionError,
    NodeLoadError,
)

NODE_FUNCTION = "node"
"""The name of the function node code must define."""

MAX_CODE_CHARS = 256 * 1024
"""The largest node code accepted, in characters (the same limit as the node models)."""

_FUNCTION_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


@dataclass(frozen=True)
class NodeSignature:
    """What the executor needs to know to call a node."""

    accepts_config: bool
    """Whether ``node`` takes a second parameter, the node's configuration."""


def validate_input(input_text: object) -> str:
    """Return ``input_text`` if it is text a node may process; raise otherwise."""
    if not isinstance(input_text, str):
        raise InvalidInputError("Input must be a string")
    if not input_text:
        raise InvalidInputError("Input cannot be empty")
    return input_text


def validate_output(result: object) -> str:
    """Return ``result`` if a node may return it; raise :class:`NodeExecutionError` otherwise."""
    if not isinstance(result, str):
        raise NodeExecutionError(f"Node returned {type(result).__name__}, expected str")
    return result


def check_node_code(code: str) -> NodeSignature:
    """Check node code without running it and say how ``node`` must be called.

    Raises :class:`NodeLoadError` when the code is empty, too large, not valid Python, or does
    not define a suitable top-level ``def node``.
    """
    if not code.strip():
        raise NodeLoadError("Node code is empty")
    if len(code) > MAX_CODE_CHARS:
        raise NodeLoadError(f"Node code has {len(code)} characters; the limit is {MAX_CODE_CHARS}")
    module = _parse(code)
    function = _find_node_function(module)
    return _check_signature(function)


def _parse(code: str) -> ast.Module:
    try:
        return ast.parse(code, filename="<node>")
    except SyntaxError as error:
        where = f"line {error.lineno}" if error.lineno else "unknown line"
        raise NodeLoadError(f"Syntax error on {where}: {error.msg}") from error
    except (ValueError, RecursionError, MemoryError) as error:
        # Null bytes raise ValueError on some versions; absurd nesting exhausts the parser.
        reason = str(error) or "it is nested too deeply"
        raise NodeLoadError(f"Node code cannot be parsed: {reason}") from error


def _find_node_function(module: ast.Module) -> ast.FunctionDef:
    """The statement that binds ``node`` last at top level, if it is a plain ``def``."""
    binding: ast.stmt | None = None
    for statement in module.body:
        if NODE_FUNCTION in _names_bound(statement):
            binding = statement
    if binding is None:
        raise NodeLoadError(f"Node code must define a top-level function `{NODE_FUNCTION}`")
    if isinstance(binding, ast.AsyncFunctionDef):
        raise NodeLoadError(f"`{NODE_FUNCTION}` must be a plain function, not `async def`")
    if not isinstance(binding, ast.FunctionDef):
        raise NodeLoadError(
            f"`{NODE_FUNCTION}` must be defined with `def` "
            f"(line {binding.lineno} binds it some other way)"
        )
    return binding


def _names_bound(statement: ast.stmt) -> set[str]:
    """The top-level names a statement binds (directly, not inside nested blocks)."""
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {statement.name}
    if isinstance(statement, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in statement.names}
    targets: list[ast.expr] = []
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign | ast.AugAssign):
        targets = [statement.target]
    return {
        node.id
        for target in targets
        for node in ast.walk(target)
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    }


def _check_signature(function: ast.FunctionDef) -> NodeSignature:
    if function.decorator_list:
        raise NodeLoadError(f"`{NODE_FUNCTION}` must not be decorated")
    arguments = function.args
    if arguments.vararg is not None or arguments.kwarg is not None:
        raise NodeLoadError(f"`{NODE_FUNCTION}` must not take *args or **kwargs")
    if arguments.kwonlyargs:
        raise NodeLoadError(f"`{NODE_FUNCTION}` must not take keyword-only parameters")
    positional = len(arguments.posonlyargs) + len(arguments.args)
    if positional not in (1, 2):
        raise NodeLoadError(
            f"`{NODE_FUNCTION}` must take 1 parameter (the input text) or 2 "
            f"(the input text and the config), not {positional}"
        )
    if _yields(function.body):
        raise NodeLoadError(f"`{NODE_FUNCTION}` must return a string, not be a generator")
    return NodeSignature(accepts_config=positional == 2)


def _yields(body: list[ast.stmt]) -> bool:
    """Whether a function body yields (ignoring functions and classes nested in it)."""
    pending: list[ast.AST] = list(body)
    while pending:
        current = pending.pop()
        if isinstance(current, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(current, _FUNCTION_SCOPES):
            pending.extend(ast.iter_child_nodes(current))
    return False
