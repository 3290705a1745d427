"""Django app config for feedback."""

from django.apps import AppConfig


class FeedbackConfig(AppConfig):
    name = "voxloop.feedback"
    label = "feedback"
    verbose_name = "Feedback"
