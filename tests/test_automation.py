"""The background jobs in one process, on a clock the test moves: planning as periods roll
over (and the new tasks reaching the Jira board), reminders and digests over real SMTP, sent
once each, in the strategy's time zone; failures kept, retried and reported once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ark.jobs.core import horizon
from ark.jobs.runner import backoff
from ark.jobs.scheduler import Scheduler
from tests.automation_helpers import (
    MADRID,
    Mailbox,
    ManualClock,
    add_sections,
    automation_section,
    local,
    runner,
)
from tests.conftest import Ark
from tests.jira_server import JiraServer
from tests.test_jira_sync import TOKEN, make_board, one_issue_per_task


def test_the_horizon_is_the_end_of_the_period_after_today() -> None:
    assert horizon("next-quarter", dt.date(2026, 12, 30)) == dt.date(2027, 3, 31)
    assert horizon("next-quarter", dt.date(2027, 1, 1)) == dt.date(2027, 6, 30)
    assert horizon("next-month", dt.date(2027, 1, 31)) == dt.date(2027, 2, 28)
    assert horizon("next-half", dt.date(2026, 7, 1)) == dt.date(2027, 6, 30)


def test_a_period_rolls_over_and_its_new_tasks_appear_on_the_board(
    ark: Ark, monkeypatch: pytest.MonkeyPatch
) -> None:
    with JiraServer(flavour="cloud", token=TOKEN) as server:
        board = make_board(ark, monkeypatch, server)
        add_sections(ark, board.team, automation_section())
        clock = ManualClock(local("2026-12-30 09:00"))
        jobs = runner(ark, clock)
        assert jobs.run("plan") is not None
        assert jobs.run("jira-sync") is not None
        before = one_issue_per_task(server, ark)
        assert "listening/2027-W13" in before and "listening/2027-W14" not in before
        clock.set(local("2027-01-01 01:00"))  # a new quarter: 13 weeks and 3 months more
        outcome = jobs.run("plan")
        assert outcome is not None and outcome.state.result.startswith("16 tasks planned")
        outcome = jobs.run("jira-sync")
        assert outcome is not None and outcome.state.error is None
        after = one_issue_per_task(server, ark)
        assert "listening/2027-W26" in after and "kpi-report/2027-06" in after
        assert len(after) == len(before) + 16
        assert "created 16," in jobs.state("jira-sync").result


def test_an_overdue_task_produces_exactly_one_reminder_in_the_strategys_time_zone(
    ark: Ark, team: Path, mailbox: Mailbox
) -> None:
    add_sections(ark, team, automation_section(), mailbox.notify_section())
    ark("tasks", "plan", "--from", "2026-12-07", "--until", "2026-12-31")
    # 23:30 in UTC is already Monday in Madrid: the Sunday's weekly report is overdue there.
    clock = ManualClock(dt.datetime(2026, 12, 13, 23, 30, tzinfo=dt.UTC))
    jobs = runner(ark, clock)
    jobs.run("reminders")
    assert mailbox.summary() == [("ana@acme.test", "Ark: overdue task listening/2026-W50")]
    body = mailbox.messages[0].get_content().replace("\r\n", "\n")
    assert "Weekly listening report 2026-W50 (due 2026-12-13)" in body and "Bruno" in body
    jobs.run("reminders")
    clock.set(local("2026-12-16 12:00"))
    jobs.run("reminders")
    assert len(mailbox.messages) == 1
    assert jobs.state("reminders").result == "0 messages sent, 1 sent before"
    ark("tasks", "set", "listening/2026-W51", "done")
    clock.set(local("2026-12-22 12:00"))  # W51 is done, so not overdue; nothing else is
    jobs.run("reminders")
    assert len(mailbox.messages) == 1


def test_a_process_due_for_review_and_a_new_check_error_are_told_once(
    ark: Ark, team: Path, mailbox: Mailbox
) -> None:
    from tests.test_processes import GOOD, write

    add_sections(ark, team, automation_section(), mailbox.notify_section(("carla@acme.test",)))
    ark("process", "record", str(write(ark.workspace / "p", "l.md", GOOD.format(slug="listen"))))
    recorded = dt.date.today()
    clock = ManualClock(local(f"{recorded} 12:00"))
    jobs = runner(ark, clock)
    jobs.run("reminders")
    assert mailbox.summary() == []  # a clean team, a fresh process
    ark("unassign", "ana@acme.test", "kpi-report", "--role", "accountable")
    clock.set(local(f"{recorded + dt.timedelta(days=200)} 12:00"))  # past its 6-month review
    jobs.run("reminders")
    jobs.run("reminders")
    assert sorted(mailbox.summary()) == [
        ("ana@acme.test", "Ark: process listen is due for review"),
        ("carla@acme.test", "Ark: new check error no-accountable (kpi-report)"),
    ]


def test_the_weekly_digest_goes_once_to_who_has_tasks_and_can_be_turned_off(
    ark: Ark, team: Path, mailbox: Mailbox
) -> None:
    add_sections(ark, team, automation_section(), mailbox.notify_section())
    ark("tasks", "plan", "--from", "2026-12-07", "--until", "2026-12-31")
    clock = ManualClock(local("2026-12-14 08:00"))
    jobs = runner(ark, clock)
    jobs.run("digest")
    jobs.run("digest")
    assert mailbox.summary() == [("bruno@acme.test", "Ark: your tasks for 2026-W51")]
    body = mailbox.messages[0].get_content().replace("\r\n", "\n")
    assert "Overdue:\n- listening/2026-W50" in body
    assert "Due by 2026-12-20:\n- listening/2026-W51" in body
    assert "kpi-report" not in body  # Ana's, and due after the week
    assert ark("digest", "Bruno@acme.test", "--off").output == (
        "weekly digest off for bruno@acme.test\n"
    )
    clock.set(local("2026-12-21 08:00"))
    jobs.run("digest")
    assert len(mailbox.messages) == 1
    ark("digest", "bruno@acme.test", "--on")
    jobs.run("digest")
    assert mailbox.summary()[1:] == [("bruno@acme.test", "Ark: your tasks for 2026-W52")]
    ark("digest", "nobody@acme.test", "--off", code=1)


def test_records_of_sent_messages_are_forgotten_after_the_retention(
    ark: Ark, team: Path, mailbox: Mailbox
) -> None:
    from ark.notify import SENT_STATE
    from ark.registry.writer import transaction

    add_sections(ark, team, automation_section(), mailbox.notify_section())
    ark("tasks", "plan", "--from", "2026-12-07", "--until", "2026-12-31")
    sent_at = local("2026-12-16 12:00")
    clock = ManualClock(sent_at)
    jobs = runner(ark, clock)

    def remembered() -> int:
        with transaction(jobs.engine, write=False) as registry:
            return len(registry.states(SENT_STATE))

    def prune() -> str:
        outcome = jobs.run("prune-sent")
        assert outcome is not None and outcome.state.error is None
        return outcome.state.result

    overdue = ("ana@acme.test", "Ark: overdue task listening/2026-W50")
    jobs.run("reminders")
    assert mailbox.summary() == [overdue] and remembered() == 1
    clock.set(sent_at + dt.timedelta(days=400) - dt.timedelta(minutes=1))
    assert prune() == "0 records of sent messages older than 400 days forgotten"
    assert remembered() == 1
    clock.set(sent_at + dt.timedelta(days=400, minutes=1))
    assert prune() == "1 record of sent messages older than 400 days forgotten"
    assert remembered() == 0
    jobs.run("reminders")  # still overdue a year on: told once more, then remembered again
    assert mailbox.summary().count(overdue) == 2
    told = remembered()
    assert told == len(mailbox.messages) - 1 and told >= 4
    team.write_text(
        team.read_text(encoding="utf-8").replace(
            "  security: none\n", "  security: none\n  keep_sent_days: 30\n"
        ),
        encoding="utf-8",
    )
    ark("apply", str(team))
    clock.set(clock() + dt.timedelta(days=29))
    assert prune() == "0 records of sent messages older than 30 days forgotten"
    clock.set(clock() + dt.timedelta(days=2))
    assert prune() == f"{told} records of sent messages older than 30 days forgotten"
    assert remembered() == 0


def test_a_failing_job_keeps_its_error_without_secrets_is_retried_and_reported_once(
    ark: Ark, monkeypatch: pytest.MonkeyPatch, mailbox: Mailbox
) -> None:
    with JiraServer(flavour="cloud", token=TOKEN) as server:
        board = make_board(ark, monkeypatch, server)
        add_sections(
            ark, board.team, automation_section(), mailbox.notify_section(("carla@acme.test",))
        )
        monkeypatch.setenv("ARK_JIRA_TOKEN", "wrong-" + TOKEN)  # Jira refuses it
        clock = ManualClock(local("2026-12-01 10:00"))
        jobs = runner(ark, clock)
        for _ in range(3):
            outcome = jobs.run("jira-sync")
            assert outcome is not None and outcome.state.result == "failed"
            clock.set(clock() + dt.timedelta(minutes=1))
        state = jobs.state("jira-sync")
        assert state.failures == 3 and state.error and "401" in state.error
        assert TOKEN not in state.error
        assert state.retry_at == (local("2026-12-01 10:02") + backoff(3)).isoformat()
        assert mailbox.summary() == [("carla@acme.test", "Ark: the jira-sync job failed")]
        assert TOKEN not in mailbox.messages[0].get_content()
        listing = ark.json("jobs")
        row = next(r for r in listing if r["name"] == "jira-sync")
        assert row["failures"] == 3 and row["next_run"] == "2026-12-01T10:04:00+01:00"
        assert TOKEN not in str(listing)
        monkeypatch.setenv("ARK_JIRA_TOKEN", TOKEN)
        outcome = jobs.run("jira-sync")
        assert outcome is not None and outcome.state.failures == 0
        assert outcome.state.error is None and outcome.state.result.startswith("created 8,")


def test_a_run_already_covered_by_another_is_skipped(ark: Ark, team: Path) -> None:
    clock = ManualClock(local("2026-12-01 10:00"))
    jobs = runner(ark, clock)
    first = jobs.run("plan", due=clock())
    assert first is not None and first.ran
    # Another process's trigger fired at the same time: the run done covers it.
    again = jobs.run("plan", due=clock())
    assert again is not None and not again.ran
    # A change noticed after that run started needs a run of its own.
    clock.set(local("2026-12-01 10:05"))
    assert not jobs.overdue("plan")
    later = jobs.run("plan", due=local("2026-12-01 10:01"), grace=dt.timedelta(0))
    assert later is not None and later.ran
    clock.set(local("2026-12-02 01:30"))  # 00:30 in UTC, the registry's zone here
    assert not jobs.overdue("plan")
    clock.set(local("2026-12-02 02:30"))
    assert jobs.overdue("plan")  # the nightly run was due and no process has run it


def test_a_sign_in_is_not_a_change_the_jobs_follow(ark: Ark, team: Path) -> None:
    """Accounts are audited, but only a change to the team sets off the jobs that follow
    changes (a Jira sync, the plan, the playbook): the watcher's last seen change moves for
    the team alone."""
    watcher = Scheduler(runner(ark, ManualClock(local("2026-12-01 10:00"))))
    watcher._watch()
    before = watcher.seen
    assert before
    ark("user", "add", "lead@example.com", "--role", "lead")
    ark("user", "set-role", "lead@example.com", "viewer")
    watcher._watch()
    assert watcher.seen == before
    ark("person", "move", "ana@acme.test", "sales")
    watcher._watch()
    assert watcher.seen is not None and watcher.seen > before


def test_jobs_lists_every_job_and_refuses_an_unknown_one(ark: Ark, team: Path) -> None:
    names = [row["name"] for row in ark.json("jobs")]
    assert names == ["digest", "jira-sync", "plan", "playbook", "prune-sent", "reminders"]
    out = ark("jobs", "run", "plan").output
    assert out.startswith("plan: ") and "tasks planned up to" in out
    listing = ark("jobs").output
    assert "plan " in listing and "tasks planned" in listing
    assert ark("jobs", "run", "jira-sync").output == (
        "jira-sync: no jira: section in the team file; nothing to sync\n"
    )
    result = ark("jobs", "run", "nope", code=1)
    assert "no job 'nope'" in result.stderr and "use one of: digest, jira-sync" in result.stderr


def in_strategy(text: str, zone: str) -> str:
    return text.replace("\nstrategy:\n", f"\nstrategy:\n  timezone: {zone}\n", 1)


def in_zone(ark: Ark, zone: str) -> bool:
    """Whether `ark jobs` writes its times in `zone`."""
    from zoneinfo import ZoneInfo

    rows = ark.json("jobs")
    times = [dt.datetime.fromisoformat(row["next_run"]) for row in rows if row["next_run"]]
    return bool(times) and all(
        t.utcoffset() == t.astimezone(ZoneInfo(zone)).utcoffset() for t in times
    )


def test_a_misspelt_time_zone_is_refused_at_its_line(ark: Ark, team: Path) -> None:
    before, text = ark("export").output, team.read_text(encoding="utf-8")
    legacy = text + "automation:\n  timezone: Europe/Madird\n"
    for content, where in (
        (in_strategy(text, "Europe/Madird"), f"{team}:4:13: strategy.timezone"),
        (legacy, f"{team}:{legacy.count(chr(10))}:13: automation.timezone"),
    ):
        team.write_text(content, encoding="utf-8")
        result = ark("apply", str(team), code=2)
        assert f"{where}: 'Europe/Madird' is not a time zone" in result.stderr
        assert "fix: write an IANA name such as Europe/Madrid" in result.stderr
        assert "Traceback" not in result.output
        assert ark("export").output == before


def test_the_strategys_time_zone_round_trips_through_the_team_file(ark: Ark, team: Path) -> None:
    add_sections(ark, team)
    exported = ark.workspace / "exported.yaml"
    ark("export", str(exported))
    assert "\nstrategy:\n" in exported.read_text(encoding="utf-8")
    assert "  timezone: Europe/Madrid\n" in exported.read_text(encoding="utf-8")
    assert ark("apply", str(exported)).output.startswith("nothing to change")
    assert ark("apply", str(team)).output.startswith("nothing to change")
    assert in_zone(ark, MADRID)


def test_the_old_automation_timezone_still_applies_and_is_read_with_a_warning(
    ark: Ark, team: Path, mailbox: Mailbox
) -> None:
    old = automation_section(timezone=MADRID) + mailbox.notify_section()
    add_sections(ark, team, old, timezone=None)
    line = team.read_text(encoding="utf-8").split("\n").index(f"  timezone: {MADRID}") + 1
    team.write_text(team.read_text(encoding="utf-8") + "\n# touched\n", encoding="utf-8")
    result = ark("apply", str(team))
    assert result.stderr == (
        f"warning: {team}:{line}:13: automation.timezone: is deprecated: strategy.timezone "
        "replaces it\n    fix: move it to the strategy: `timezone: Europe/Madrid` under "
        "`strategy:`\n"
    )
    ark("tasks", "plan", "--from", "2026-12-07", "--until", "2026-12-31")
    # 23:30 in UTC is already Monday in Madrid: the Sunday's weekly report is overdue there.
    runner(ark, ManualClock(dt.datetime(2026, 12, 13, 23, 30, tzinfo=dt.UTC))).run("reminders")
    assert mailbox.summary() == [("ana@acme.test", "Ark: overdue task listening/2026-W50")]
    exported = ark.workspace / "exported.yaml"
    ark("export", str(exported))
    assert ark("apply", str(exported)).output.startswith("nothing to change")
    moved = in_strategy(team.read_text(encoding="utf-8"), "Europe/Lisbon")
    team.write_text(moved, encoding="utf-8")
    result = ark("apply", str(team), code=2)
    assert (
        f"{team}:{line + 1}:13: automation.timezone: 'Europe/Madrid' differs from "
        "strategy.timezone 'Europe/Lisbon'"
    ) in result.stderr
    team.write_text(moved.replace(f"automation:\n  timezone: {MADRID}\n", ""), encoding="utf-8")
    assert ark("apply", str(team)).stderr == ""
    assert in_zone(ark, "Europe/Lisbon") and not in_zone(ark, MADRID)
