"""Django app config for insights."""

from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "voxloop.insights"
    label = "insights"
    verbose_name = "Insights"

    def ready(self) -> None:
        from voxloop.insights.digest import register

        register()  # KPI, top-mover and open-alert sections of notify's digests
