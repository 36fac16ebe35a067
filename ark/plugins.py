"""The plugin manager: built once, on first use, from the `ark` entry-point group.

Built-in plugins are registered through the same group as third-party ones, so
`ARK_DISABLE_PLUGINS=ark_jira` blocks a built-in exactly like any other plugin.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING

import pluggy

from ark import hookspecs

if TYPE_CHECKING:
    from pathlib import Path

    from ark.checks import Check
    from ark.clihelpers import ArkGroup
    from ark.demo import DemoContext
    from ark.jobs.model import Job
    from ark.notify import Message
    from ark.registry.events import AssignmentChange, ProcessChange, TaskChange
    from ark.registry.writer import Registry
    from ark.spec import SectionSchema
    from ark.templates import Template

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


class Hooks:
    """The hooks, called through one typed method each (as tox does), so a misspelt hook or a
    missing argument is a type error rather than a silent no-op; named like the hooks."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm

    def listens(self, name: str) -> bool:
        """Whether any plugin implements the hook `name` (an event nobody hears costs nothing)."""
        return bool(getattr(self.pm.hook, name).get_hookimpls())

    def ark_register_commands(self, cli: ArkGroup) -> None:
        """Historic: a plugin registered later (a test's) adds its commands on registration."""
        self.pm.hook.ark_register_commands.call_historic(kwargs={"cli": cli})

    def ark_register_templates(self, register: Callable[[Template], None]) -> None:
        self.pm.hook.ark_register_templates(register=register)

    def ark_register_sections(self, register: Callable[[SectionSchema], None]) -> None:
        self.pm.hook.ark_register_sections(register=register)

    def ark_register_checks(self, register: Callable[[Check], None]) -> None:
        self.pm.hook.ark_register_checks(register=register)

    def ark_assignment_changed(self, registry: Registry, change: AssignmentChange) -> None:
        self.pm.hook.ark_assignment_changed(registry=registry, change=change)

    def ark_task_changed(self, registry: Registry, change: TaskChange) -> None:
        self.pm.hook.ark_task_changed(registry=registry, change=change)

    def ark_process_changed(self, registry: Registry, change: ProcessChange) -> None:
        self.pm.hook.ark_process_changed(registry=registry, change=change)

    def ark_check_workspace(self, registry: Registry, directory: Path) -> None:
        self.pm.hook.ark_check_workspace(registry=registry, directory=directory)

    def ark_init_workspace(self, directory: Path, template: str, lang: str) -> None:
        self.pm.hook.ark_init_workspace(directory=directory, template=template, lang=lang)

    def ark_demo(self, context: DemoContext) -> None:
        self.pm.hook.ark_demo(context=context)

    def ark_playbook_pages(
        self, registry: Registry, lang: str, register: Callable[[str, str], None]
    ) -> None:
        self.pm.hook.ark_playbook_pages(registry=registry, lang=lang, register=register)

    def ark_register_jobs(self, register: Callable[[Job], None]) -> None:
        self.pm.hook.ark_register_jobs(register=register)

    def ark_notify(self, message: Message) -> None:
        self.pm.hook.ark_notify(message=message)

    def ark_issue_links(self, registry: Registry, register: Callable[[str, str], None]) -> None:
        self.pm.hook.ark_issue_links(registry=registry, register=register)


@cache
def hooks() -> Hooks:
    """The process-wide plugin manager's hooks, typed."""
    return Hooks(manager())


def loaded() -> list[tuple[str, list[str]]]:
    """Each loaded plugin's name and the hooks it implements, sorted by name."""
    pm = manager()
    out = []
    for plugin in pm.get_plugins():
        name = pm.get_name(plugin) or repr(plugin)
        hooks = sorted(h.name for h in pm.get_hookcallers(plugin) or ())
        out.append((name, hooks))
    return sorted(out)
