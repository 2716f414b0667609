"""Shared access to the knowledge base for the hooks and the macros module."""
from __future__ import annotations

from pathlib import Path

from mkdocs.exceptions import PluginError

from maestro.kb import KBError, load_cached


def data_dir(config) -> Path:
    return Path(config.config_file_path).resolve().parent / "data"


_BUILD_KB = None  # the knowledge base of the build in progress, set once in hooks.on_config


def build_kb():
    """The knowledge base hooks.on_config loaded for this build (no re-reading of data/ per page)."""
    return _BUILD_KB


def kb_for(config):
    """The validated knowledge base, or a build-stopping error naming file, line and ID."""
    global _BUILD_KB
    try:
        _BUILD_KB = load_cached(data_dir(config))
        return _BUILD_KB
    except KBError as exc:
        raise PluginError(str(exc)) from None
