"""Shared access to the knowledge base for the hooks and the macros module."""
from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError

from maestro.kb import KBError, load_cached


def data_dir(config) -> Path:
    return Path(config.config_file_path).resolve().parent / "data"


def kb_for(config):
    """The validated knowledge base, or a build-stopping error naming file, line and ID."""
    try:
        return load_cached(data_dir(config))
    except KBError as exc:
        raise PluginError(str(exc)) from None
