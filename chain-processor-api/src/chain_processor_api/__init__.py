"""Chain Processor API: the REST interface of the platform."""

from importlib.metadata import version

__version__ = version("chain-processor-api")
