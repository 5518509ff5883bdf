"""Shared pieces of the API and system benchmarks: the open-loop schedule, statistics, the
report, ``/proc`` sampling, the stack under test and the client's operations."""
