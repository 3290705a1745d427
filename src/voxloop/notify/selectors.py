"""Read queries of the notify app (views and exports), always scoped to the actor's workspace."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from voxloop.accounts.actors import Actor
from voxloop.notify.models import Delivery, DeliveryState, Destination
from voxloop.notify.permissions import VIEW_LOG


def access_destination(actor: Actor, destination_id: int, action: str) -> Destination:
    """The workspace's destination (404 for other workspaces), if the actor may do `action`."""
    actor.require(action)
    dest = (
        Destination.objects.select_related("workspace")
        .filter(workspace=actor.workspace, pk=destination_id)
        .first()
    )
    if dest is None:
        raise Http404("no such destination")
    return dest


def access_delivery(actor: Actor, delivery_id: int, action: str = VIEW_LOG) -> Delivery:
    actor.require(action)
    delivery = (
        Delivery.objects.select_related("destination")
        .filter(workspace=actor.workspace, pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise Http404("no such delivery")
    return delivery


def destinations_with_counts(workspace_id: int) -> QuerySet[Destination]:
    return (
        Destination.objects.filter(workspace_id=workspace_id)
        .annotate(
            waiting=Count(
                "deliveries",
                filter=Q(deliveries__state__in=[DeliveryState.PENDING, DeliveryState.FAILED]),
            ),
            dead=Count("deliveries", filter=Q(deliveries__state=DeliveryState.DEAD)),
        )
        .order_by("-is_active", "name")
    )


def delivery_log(
    workspace_id: int, *, destination_id: int | None = None, state: str = ""
) -> QuerySet[Delivery]:
    rows = Delivery.objects.filter(workspace_id=workspace_id).select_related("destination")
    if destination_id is not None:
        rows = rows.filter(destination_id=destination_id)
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("-created_at", "-pk")
