"""Django app config for web."""

from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "voxloop.web"
    label = "web"
    verbose_name = "Web"
