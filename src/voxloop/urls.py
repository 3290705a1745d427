"""Root URL configuration."""

from __future__ import annotations

from django.urls import include, path

from voxloop.api import api

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("feedback/", include("voxloop.feedback.urls")),
    path("settings/taxonomy/", include("voxloop.feedback.taxonomy_urls")),
    path("settings/", include("voxloop.accounts.urls")),
    path("insights/", include("voxloop.insights.urls")),
    path("notify/", include("voxloop.notify.urls")),
    path("", include("voxloop.web.urls")),
]
