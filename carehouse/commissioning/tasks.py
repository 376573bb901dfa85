"""Background tasks: rebuilding the precomputed figures (every night, and when a commissioner asks)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.tasks import task

from carehouse.commissioning import facts
from carehouse.core.services.recurring import queue_next


@task()
def refresh_figures() -> dict[str, float]:
    """Rebuild every commissioning figure; then queue the next nightly run."""
    try:
        record = facts.refresh()
        return {"cells": record.cells, "seconds": record.seconds}
    finally:
        every = settings.RECURRING_TASKS.get(refresh_figures.module_path)
        if every:
            queue_next(refresh_figures, every=datetime.timedelta(minutes=every))


@task()
def refresh_figures_now() -> dict[str, float]:
    """Rebuild every commissioning figure once, on a commissioner's request."""
    record = facts.refresh()
    return {"cells": record.cells, "seconds": record.seconds}
