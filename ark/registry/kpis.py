"""KPI readings, recorded (they are read through the read API: `readings`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ark.models import (
    Measurement,
)
from ark.registry.base import RegistryBase


class Kpis(RegistryBase):
    """Recording KPI measurements."""

    def record_kpi(self, slug: str, value: float, on: dt.date | None = None) -> Measurement:
        kpi = self.kpi(slug)
        on = on or self.today
        row = self.session.scalars(
            select(Measurement).where(Measurement.kpi_id == kpi.id, Measurement.date == on)
        ).first()
        before = {"value": row.value} if row else None
        if row is None:
            row = Measurement(kpi_id=kpi.id, date=on, value=value)
            self.session.add(row)
        row.value = value
        self.audit(
            "change" if before else "add",
            "measurement",
            f"{slug}/{on.isoformat()}",
            before,
            {"value": value},
        )
        return row
