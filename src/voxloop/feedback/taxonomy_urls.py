"""Taxonomy editor routes (Settings → Taxonomy)."""

from __future__ import annotations

from django.urls import path

from voxloop.feedback import views_taxonomy as views
from voxloop.feedback import views_themes

app_name = "taxonomy"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.topic_new, name="new"),
    path("export.json", views.export, name="export"),
    path("import/", views.import_view, name="import"),
    path("reanalysis/", views.reanalysis_progress, name="reanalysis"),
    path("reanalyse/", views.reanalyze, name="reanalyze"),
    path("<int:topic_id>/", views.topic_edit, name="edit"),
    path("<int:topic_id>/deactivate/", views.topic_deactivate, name="deactivate"),
    path("<int:topic_id>/activate/", views.topic_activate, name="activate"),
    path("<int:topic_id>/delete/", views.topic_delete, name="delete"),
    path("themes/", views_themes.themes, name="themes"),
    path("themes/discover/", views_themes.discover, name="themes_discover"),
    path("themes/<int:suggestion_id>/accept/", views_themes.accept, name="theme_accept"),
    path("themes/<int:suggestion_id>/merge/", views_themes.merge, name="theme_merge"),
    path("themes/<int:suggestion_id>/dismiss/", views_themes.dismiss, name="theme_dismiss"),
]
