"""Query functions, one module per resource.

Each takes a keyword-only ``session``, ``flush()``es and never commits: the caller (an API
handler or an executor step) owns the transaction.
"""
