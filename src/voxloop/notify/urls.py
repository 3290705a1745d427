"""UI routes of the notify app (Settings → Notification destinations, delivery log)."""

from __future__ import annotations

from django.urls import path

from voxloop.notify import views

app_name = "notify"

urlpatterns = [
    path("destinations/", views.destinations, name="destinations"),
    path("destinations/new/", views.destination_new, name="destination_new"),
    path("destinations/<int:destination_id>/", views.destination, name="destination"),
    path(
        "destinations/<int:destination_id>/test/", views.destination_test, name="destination_test"
    ),
    path(
        "destinations/<int:destination_id>/enable/",
        views.destination_active,
        {"active": True},
        name="destination_enable",
    ),
    path(
        "destinations/<int:destination_id>/disable/",
        views.destination_active,
        {"active": False},
        name="destination_disable",
    ),
    path("deliveries/", views.deliveries, name="deliveries"),
    path("deliveries/<int:delivery_id>/retry/", views.delivery_retry, name="delivery_retry"),
]
