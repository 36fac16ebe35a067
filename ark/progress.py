"""How far a KPI has come from its baseline towards its target: one definition for the CLI,
the playbook, the checks and the web pages, so they never disagree on the same reading.

Progress is measured along the baseline -> target path, not as value / target: 52 leads
against 40 -> 120 is 15 % of the way, and a response time of 30 minutes against 240 -> 60 is
the whole way (and more), because for that KPI lower is better.
"""

from __future__ import annotations

import datetime as dt

from ark.vocabulary import Direction


def progress(
    baseline: float | None,
    target: float | None,
    latest: float | None,
    direction: Direction = Direction.HIGHER,
) -> float | None:
    """Percent of the way from `baseline` (0 when unknown) to `target`, from 0 to 100.

    None when there is no target or no reading. A target equal to its baseline is met (100)
    once the reading is at least as good, in the KPI's direction, and not met (0) otherwise.
    """
    if target is None or latest is None:
        return None
    start = 0.0 if baseline is None else baseline
    if target == start:
        met = latest >= target if direction is Direction.HIGHER else latest <= target
        return 100.0 if met else 0.0
    return max(0.0, min(100.0, (latest - start) / (target - start) * 100))


def expected(start: dt.date, deadline: dt.date, on: dt.date) -> float:
    """Percent of the way a reading on `on` should have come, on a straight path from
    `start` (the baseline) to `deadline` (the target)."""
    if on <= start:
        return 0.0
    if on >= deadline:
        return 100.0
    return (on - start).days / (deadline - start).days * 100


def against_direction(baseline: float | None, target: float | None, direction: Direction) -> bool:
    """Whether reaching `target` from `baseline` would make the KPI worse."""
    if baseline is None or target is None:
        return False
    return target < baseline if direction is Direction.HIGHER else target > baseline
