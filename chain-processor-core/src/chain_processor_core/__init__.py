"""Chain Processor core: the models, errors and node contract every component shares."""

from importlib.metadata import version

__version__ = version("chain-processor-core")
