"""The plugin manager: built once, on first use, from the `ark` entry-point group.

Built-in plugins are registered through the same group as third-party ones, so
`ARK_DISABLE_PLUGINS=ark_jira` blocks a built-in exactly like any other plugin.
"""

from __future__ import annotations

import os
from functools import cache

import pluggy

from ark import hookspecs

GROUP = "ark"
DISABLE_ENV = "ARK_DISABLE_PLUGINS"
CORE_PLUGINS = ("ark.builtin",)


def blocked() -> set[str]:
    """Plugin names listed in `ARK_DISABLE_PLUGINS` (comma-separated)."""
    return {name.strip() for name in os.environ.get(DISABLE_ENV, "").split(",") if name.strip()}


@cache
def manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loaded lazily and once."""
    import importlib

    pm = pluggy.PluginManager(GROUP)
    pm.add_hookspecs(hookspecs)
    for name in blocked():
        pm.set_blocked(name)
    for module in CORE_PLUGINS:
        pm.register(importlib.import_module(module), name=module)
    pm.load_setuptools_entrypoints(GROUP)
    pm.check_pending()
    return pm


def loaded() -> list[tuple[str, list[str]]]:
    """Each loaded plugin's name and the hooks it implements, sorted by name."""
    pm = manager()
    out = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin) or repr(plugin)
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or ())
        out.append((name, hooks))
    return sorted(out)
