"""Background jobs of notify: thin wrappers around services."""

from __future__ import annotations

from django_tasks import task

from voxloop.notify.services import do_deliver_ids


@task()
def deliver_notifications(delivery_ids: list[int]) -> int:
    return do_deliver_ids(delivery_ids)
