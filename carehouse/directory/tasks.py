"""Background tasks of the directory (Django's Tasks framework, run by ``carehouse db_worker``).

Each helper's tasks are kept in their own section below.
"""

from __future__ import annotations

from django.tasks import task

from carehouse.directory.services import keeping

# == Keeping entries true: review reminders ======================================================================


@task()
def send_review_reminders() -> dict[str, int]:
    """Email keepers whose services are due for review (before, on and after the due date, each once).

    Run it daily: ``send_review_reminders.enqueue()``, then ``carehouse db_worker`` sends it.
    """
    return keeping.send_review_reminders()


# == end of the keeping entries true section =====================================================================
