"""Background jobs: what runs by itself while `ark worker` (or the web workspace) runs.

- `model`: a job (name, schedule, function), its context and the state kept of its runs;
- `runner`: running one job once, locked against every other process of the registry;
- `scheduler`: APScheduler running the jobs by their schedules and after registry changes;
- `core`: the core's jobs (planning, reminders, the weekly digest); plugins add theirs
  through the `ark_register_jobs` hook;
- `config`: the team file's `automation:` and `notify:` sections.
"""
