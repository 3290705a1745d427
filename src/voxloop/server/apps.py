"""Django app config for the server commands (serve, worker)."""

from django.apps import AppConfig


class ServerConfig(AppConfig):
    name = "voxloop.server"
    label = "server"
    verbose_name = "Server"
