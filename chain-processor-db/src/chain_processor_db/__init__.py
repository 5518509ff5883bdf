"""Chain Processor database layer: ORM models, migrations and query functions."""

from importlib.metadata import version

__version__ = version("chain-processor-db")
