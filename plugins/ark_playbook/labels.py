"""Every heading and label the playbook writes, by key, in English marked for the catalogue.

The Spanish and Italian texts are in Ark's message catalogue (`ark/locale`) with the rest of
Ark's messages, so one translation is reviewed as a whole and tests/test_i18n.py keeps it
complete; the pages look the words up by key in the language they are written in.
"""

from __future__ import annotations

from ark.i18n import N_, Context, Nc_, role_titles, translated

LANGS = ("en", "es", "it")

LABELS: dict[str, str | Context] = {
    "home": N_("Home"),
    "playbook": N_("Playbook"),
    "direction": N_("Direction"),
    "no_direction": N_("No direction is written yet: add `direction:` to the team file."),
    "objectives": N_("Objectives"),
    "no_objectives": N_("No objectives yet."),
    "objective": N_("Objective"),
    "kpi": N_("KPI"),
    "baseline": N_("Baseline"),
    "target": N_("Target"),
    "deadline": N_("Deadline"),
    "latest": N_("Latest reading"),
    "progress": N_("Progress"),
    "no_readings": N_("no readings yet"),
    "readings": N_("Readings"),
    "chart_alt": N_("{kpi}: readings over time against the target"),
    "goals": N_("Goals"),
    "strategies": N_("Strategies"),
    "tactics": N_("Tactics"),
    "team": N_("Team"),
    "roster": N_("Team roster"),
    "raci": N_("RACI matrix"),
    "carries": N_("What they carry"),
    "with_whom": N_("With whom"),
    "next_tasks": N_("Next tasks"),
    "footer": N_("Written by Ark from the team's registry."),
    "onboarding": N_("Getting started"),
    "onboarding.intro": N_(
        "New to the team? Here is who to ask, what to read first and what is yours."
    ),
    "onboarding.ask": N_("Who to ask"),
    "onboarding.owner": N_("The strategy's owner"),
    "onboarding.no_owner": N_("not named yet (`strategy.owner` in the team file)"),
    "onboarding.accountable": N_("Accountable for its responsibilities"),
    "onboarding.read": N_("What to read first"),
    "onboarding.policy": N_("The usage policy"),
    "onboarding.strategy": N_("The strategy and its objectives"),
    "onboarding.own_processes": N_(
        "The processes of what you carry: your own getting-started page lists them."
    ),
    "onboarding.yours": N_("What is yours"),
    "onboarding.find_yourself": N_(
        "Find your name in the [team roster]({roster}): your page"
        " says what you carry, with whom, and your next tasks, and leads to your own"
        " getting-started page."
    ),
    "onboarding.for": N_("Getting started: {name}"),
    "onboarding.tasks": N_("Your next tasks are on {page}."),
    "onboarding.start": N_("New to the team? Start with [your getting-started page]({link})."),
    "edit.repository": N_("Edit the file in the repository"),
    "edit.workspace": N_("Edit it in the workspace"),
    "by_department": N_("By department:"),
    "raci_intro": N_(
        "Who is Responsible, Accountable, Consulted or Informed for each responsibility."
    ),
    "responsibilities": N_("Responsibilities"),
    "responsibility": N_("Responsibility"),
    "departments": N_("Departments"),
    "department": N_("Department"),
    "people": N_("People"),
    "person": N_("Person"),
    "name": N_("Name"),
    "email": N_("E-mail"),
    "capacity": N_("Capacity (h/week)"),
    "assigned": N_("Assigned (h/week)"),
    "hours": N_("Hours/week"),
    "role": N_("Role"),
    "roles": N_("Roles"),
    "component": N_("Component"),
    "cadence": N_("Cadence"),
    "kpis": N_("KPIs"),
    "process": N_("Process"),
    "processes": N_("Processes"),
    "no_process": N_("No process is documented for this responsibility yet."),
    "open_tasks": N_("Open tasks"),
    "no_open_tasks": N_("No open tasks."),
    "task": N_("Task"),
    "due": N_("Due"),
    "assignee": N_("Assignee"),
    "status": N_("Status"),
    "nobody": N_("nobody"),
    "none": N_("none"),
    "tags": N_("Tags"),
    "processes_page": N_("{title}: processes, page {n}"),
    "last_changed": N_("Last changed on {day}."),
    "more_processes": N_("{count} more"),
    "other": N_("More"),
    "todo": N_("to do"),
    "in-progress": N_("in progress"),
    "done": N_("done"),
    "none_cadence": N_("on demand"),
    "daily": N_("daily"),
    "weekly": N_("weekly"),
    "monthly": N_("monthly"),
    "quarterly": N_("quarterly"),
    "six-monthly": N_("every six months"),
    "direction_c": Nc_("cycle component", "direction"),
    "target-market": N_("target market"),
    "differentiation": N_("differentiation"),
    "technology": N_("technology"),
    "evaluation": N_("evaluation"),
    "listening": N_("listening"),
    "talking": N_("talking"),
    "energizing": N_("energizing"),
    "supporting": N_("supporting"),
    "embracing": N_("embracing"),
    "operations": N_("operations"),
    "strategy": N_("Strategy"),
    "whole_strategy": N_(
        "The whole strategy: who runs it, its audience, its channels and its"
        " objectives with their measured goals."
    ),
    "owner": N_("Runs the strategy"),
    "no_owner": N_("nobody named yet: add `owner:` to the strategy in the team file"),
    "start": N_("Start date"),
    "not_set": N_("not set"),
    "differentiation_h": N_("Differentiation"),
    "no_differentiation": N_(
        "No differentiation statement is written yet: add"
        " `differentiation:` to the strategy in the team file."
    ),
    "audience": N_("Audience"),
    "no_audience": N_("No audience segments are recorded yet."),
    "participation": N_("How they take part"),
    "where": N_("Where they are"),
    "ecosystem": N_("Social ecosystem"),
    "no_channels": N_("No channels are recorded yet."),
    "channel": N_("Channel"),
    "channels": N_("Channels"),
    "kind": N_("Kind"),
    "purpose": N_("Purpose"),
    "value": N_("Value it serves"),
    "channel_owner": N_("Owner"),
    "measured_goals": N_("Measured goals"),
    "goal": N_("Goal"),
    "objective_kpi": N_("The objective's own KPI"),
    "tactic": N_("Tactic"),
    "no_carrier": N_("no responsibility carries it"),
    "participation.creators": N_("creators"),
    "participation.critics": N_("critics"),
    "participation.collectors": N_("collectors"),
    "participation.joiners": N_("joiners"),
    "participation.spectators": N_("spectators"),
    "participation.inactives": N_("inactives"),
    "kind.network": N_("network"),
    "kind.community": N_("community"),
    "kind.profile": N_("profile"),
    "kind.platform": N_("platform"),
    "value.direct-sales": N_("direct sales"),
    "value.lead-generation": N_("lead generation"),
    "value.brand-awareness": N_("brand awareness"),
    "value.customer-advocacy": N_("customer advocacy"),
    "section.processes": N_("Processes"),
    "section.changes": N_("What changed"),
    "section.jira": N_("Jira"),
}


def labels(lang: str) -> dict[str, str]:
    """The labels in a language (`--lang` is checked by the command line), with the
    language itself under `lang`, for the dates and numbers written with it."""
    return {**translated(lang, LABELS), **role_titles(lang), "lang": lang}


def component(words: dict[str, str], value: str) -> str:
    """A cycle component's label; `direction` is also a heading, hence its own key."""
    return words["direction_c" if value == "direction" else value]


def cadence(words: dict[str, str], value: str) -> str:
    return words["none_cadence" if value == "none" else value]
