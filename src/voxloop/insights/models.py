"""Rollups (hourly and daily aggregates), alert rules and alerts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.timezone import now
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.models import Workspace


class RollupMeasures(models.Model):
    """The additive measures of one bucket; every KPI is computed from sums of these.

    Sentiment and type are count columns rather than key columns: every question the
    dashboard and detection ask ("share negative", "complaints") is a ratio of sums, and
    columns keep the tables a few times smaller than one row per sentiment × type.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(  # null: all feedback, each item once
        "feedback.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # channel NULL with segment "*": the total over every channel and segment, kept so that
    # unfiltered dashboard queries read one row per topic and bucket instead of dozens.
    channel = models.ForeignKey(
        "feedback.Channel", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    segment = models.CharField(max_length=80, blank=True)
    n = models.PositiveIntegerField(default=0)
    positive = models.PositiveIntegerField(default=0)
    neutral = models.PositiveIntegerField(default=0)
    negative = models.PositiveIntegerField(default=0)
    complaints = models.PositiveIntegerField(default=0)
    suggestions = models.PositiveIntegerField(default=0)
    praise = models.PositiveIntegerField(default=0)
    questions = models.PositiveIntegerField(default=0)
    nps_n = models.PositiveIntegerField(default=0)
    promoters = models.PositiveIntegerField(default=0)
    passives = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)
    nps_sum = models.PositiveIntegerField(default=0)
    nps_sq = models.PositiveIntegerField(default=0)
    csat_n = models.PositiveIntegerField(default=0)
    csat_satisfied = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    csat_sq = models.PositiveIntegerField(default=0)
    ces_n = models.PositiveIntegerField(default=0)
    ces_sum = models.PositiveIntegerField(default=0)
    ces_sq = models.PositiveIntegerField(default=0)
    stars_n = models.PositiveIntegerField(default=0)
    stars_sum = models.PositiveIntegerField(default=0)
    stars_sq = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


ALL_SEGMENTS = "*"

MEASURES = (
    "n",
    "positive",
    "neutral",
    "negative",
    "complaints",
    "suggestions",
    "praise",
    "questions",
    "nps_n",
    "promoters",
    "passives",
    "detractors",
    "nps_sum",
    "nps_sq",
    "csat_n",
    "csat_satisfied",
    "csat_sum",
    "csat_sq",
    "ces_n",
    "ces_sum",
    "ces_sq",
    "stars_n",
    "stars_sum",
    "stars_sq",
)


class HourlyRollup(RollupMeasures):
    hour = models.DateTimeField()  # start of the UTC hour

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "hour"], name="rollup_h_ws_hour"),
            models.Index(fields=["workspace", "topic", "hour"], name="rollup_h_ws_topic_hour"),
            models.Index(fields=["workspace", "segment", "hour"], name="rollup_h_ws_seg_hour"),
        ]


class DailyRollup(RollupMeasures):
    day = models.DateField()  # a day in the workspace's time zone

    class Meta:
        indexes = [
            models.Index(fields=["workspace", "topic", "day"], name="rollup_d_ws_topic_day"),
            models.Index(fields=["workspace", "day"], name="rollup_d_ws_day"),
            # The all-channel totals (segment "*") of every topic over a period: the heatmap,
            # movers and drivers read only these columns, so the index alone answers them.
            models.Index(
                fields=[
                    "workspace",
                    "segment",
                    "channel",
                    "day",
                    "topic",
                    "n",
                    "negative",
                    "promoters",
                    "passives",
                    "detractors",
                    "csat_satisfied",
                    "csat_n",
                ],
                name="rollup_d_totals_cover",
            ),
            models.Index(fields=["workspace", "channel", "day"], name="rollup_d_ws_channel_day"),
        ]


class Scope(models.TextChoices):
    ALL = "all", _("All feedback")
    TOPIC = "topic", _("Topic")
    CHANNEL = "channel", _("Channel")
    SEGMENT = "segment", _("Segment")
    THEME = "theme", _("Suggested theme")


class Metric(models.TextChoices):
    VOLUME = "volume", _("Volume")
    NEGATIVE = "negative", _("Negative feedback")
    NEGATIVE_SHARE = "negative_share", _("Negative share")
    COMPLAINTS = "complaints", _("Complaints")
    NPS = "nps", _("NPS")
    EMERGING = "emerging", _("Emerging theme")


class Method(models.TextChoices):
    STATISTICAL = "statistical", _("Statistical (anomaly test)")
    THRESHOLD = "threshold", _("Threshold")


class Preset(models.TextChoices):
    CUSTOM = "custom", _("Custom")
    NEGATIVE_SPIKE = "negative_spike", _("Negative feedback on a topic up by a percentage")
    COMPLAINTS_WOW = "complaints_wow", _("Complaints up week over week")
    NPS_DROP = "nps_drop", _("NPS down by points")
    MULTI_CHANNEL = "multi_channel", _("A topic appears in several channels")
    EMERGING_THEME = "emerging_theme", _("A new theme appears or grows fast")


class AlertRule(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="alert_rules")
    name = models.CharField(_("name"), max_length=120)
    enabled = models.BooleanField(_("enabled"), default=True)
    preset = models.CharField(
        _("preset"), max_length=20, choices=Preset.choices, default=Preset.CUSTOM
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.TOPIC)
    # One topic id / channel slug / segment name; blank: every topic (channel, segment).
    scope_value = models.CharField(_("scope value"), max_length=120, blank=True)
    metric = models.CharField(
        _("metric"), max_length=20, choices=Metric.choices, default=Metric.NEGATIVE_SHARE
    )
    method = models.CharField(
        _("method"), max_length=12, choices=Method.choices, default=Method.STATISTICAL
    )
    sensitivity = models.PositiveSmallIntegerField(_("sensitivity"), default=7)  # 1 … 10
    threshold = models.FloatField(_("threshold"), default=300.0)
    window_hours = models.PositiveIntegerField(_("window (hours)"), default=24)
    min_count = models.PositiveIntegerField(_("minimum count"), default=5)
    cooldown_minutes = models.PositiveIntegerField(_("cooldown (minutes)"), default=360)
    destinations = models.JSONField(_("destinations"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class AlertState(models.TextChoices):
    OPEN = "open", _("Open")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    MUTED = "muted", _("Muted")
    RESOLVED = "resolved", _("Resolved")


ACTIVE_STATES = (AlertState.OPEN, AlertState.ACKNOWLEDGED, AlertState.MUTED)


class Alert(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="alerts")
    rule = models.ForeignKey(
        AlertRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    key = models.CharField(max_length=200)  # the issue: rule + series; one open alert per key
    state = models.CharField(max_length=14, choices=AlertState.choices, default=AlertState.OPEN)
    severity = models.PositiveSmallIntegerField(default=1)
    peak_severity = models.PositiveSmallIntegerField(default=1)
    notified_severity = models.PositiveSmallIntegerField(default=0)
    metric = models.CharField(max_length=20, choices=Metric.choices)
    scope = models.CharField(max_length=10, choices=Scope.choices)
    scope_value = models.CharField(max_length=120, blank=True)
    scope_label = models.CharField(max_length=200, blank=True)
    direction = models.CharField(max_length=4, default="up")
    title = models.CharField(max_length=300)  # in the server's language, for notifications
    window_hours = models.PositiveIntegerField(default=0)  # of the rule that raised it
    observed = models.FloatField(default=0.0)
    expected = models.FloatField(default=0.0)
    ratio = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    channels = models.JSONField(default=list, blank=True)  # channel names seen in the window
    evidence = models.JSONField(default=list, blank=True)  # sample feedback ids
    inbox_url = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField()  # since when the metric is off
    last_seen_at = models.DateTimeField()  # last detection run that still saw it
    opened_at = models.DateTimeField(default=now)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    muted_until = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=20, blank=True)  # manual | recovered
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-opened_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "key"],
                condition=~Q(state="resolved"),
                name="uniq_active_alert_per_key",
            ),
            models.CheckConstraint(
                condition=Q(severity__gte=1) & Q(severity__lte=10), name="alert_severity_1_10"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "state", "-opened_at"], name="alert_ws_state"),
            models.Index(fields=["workspace", "key", "-resolved_at"], name="alert_ws_key"),
        ]

    def __str__(self) -> str:
        return self.title

    @cached_property
    def shown_title(self) -> str:
        """The title in the viewer's language (lists fill it for all their rows at once)."""
        from voxloop.insights.services.alerts import localize_titles

        localize_titles([self])
        return str(self.__dict__["shown_title"])
