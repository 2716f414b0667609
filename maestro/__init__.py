"""MAESTRO Playbook knowledge base: loading, validation, queries, scoring and the CLI.

This package knows nothing about MkDocs; the site is thin glue over it (maestro_site/).
"""
from .kb import KB, KBError, Problem, load_kb  # noqa: F401

__all__ = ["KB", "KBError", "Problem", "load_kb"]
