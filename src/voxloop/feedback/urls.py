"""UI routes of the feedback app: import, export, channels."""

from __future__ import annotations

from django.urls import path

from voxloop.feedback.views import channels, export, imports

app_name = "feedback"

urlpatterns = [
    path("import/", imports.index, name="import"),
    path("import/<int:job_id>/", imports.job_detail, name="import_job"),
    path("import/<int:job_id>/mapping/", imports.mapping, name="import_mapping"),
    path("import/<int:job_id>/progress/", imports.job_progress, name="import_progress"),
    path("import/<int:job_id>/retry/", imports.job_retry, name="import_retry"),
    path("import/<int:job_id>/rejects.csv", imports.job_rejects, name="import_rejects"),
    path("export/", export.export, name="export"),
    path("channels/", channels.channel_list, name="channels"),
    path("channels/<int:channel_id>/", channels.channel_edit, name="channel_edit"),
]
