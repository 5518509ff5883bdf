"""Chain Processor executor: claims queued chain executions and runs them in sandboxes."""

from importlib.metadata import version

__version__ = version("chain-processor-executor")
