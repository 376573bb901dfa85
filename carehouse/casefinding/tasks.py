"""Background tasks of case finding (Django's Tasks framework, run by ``carehouse db_worker``)."""

from __future__ import annotations

from typing import Any

from django.tasks import task

from carehouse.casefinding import services


@task()
def run_stratification(run_id: int) -> dict[str, Any]:
    """Run one queued stratification to the end: its counts, then the practices' invitation lists."""
    return services.execute_run(run_id)
