"""Django app config for notify."""

from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "voxloop.notify"
    label = "notify"
    verbose_name = "Notify"
