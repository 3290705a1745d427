"""Channels, feedback items with their raw payload and analysis, taxonomy, corrections, imports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.timezone import now
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.models import Workspace
from voxloop.customers.models import Customer


class ChannelKind(models.TextChoices):
    API = "api", _("API")
    WIDGET = "widget", _("Web widget")
    SURVEY = "survey", _("Survey")
    EMAIL = "email", _("Email")
    IMPORT = "import", _("Import")
    REVIEW = "review", _("Reviews")
    SOCIAL = "social", _("Social")
    PHONE = "phone", _("Phone")
    OTHER = "other", _("Other")


class Channel(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="channels")
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(max_length=60)
    config = models.JSONField(default=dict, blank=True)
    import_mapping = models.JSONField(default=dict, blank=True)  # remembered column mapping
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "slug"], name="uniq_channel_slug")
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Topic(models.Model):
    """A node of the workspace's three-level taxonomy."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="topics")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    level = models.PositiveSmallIntegerField(default=1)
    name_en = models.CharField(_("English name"), max_length=120)
    name_zh = models.CharField(_("Chinese name"), max_length=120)
    keywords = models.JSONField(default=list, blank=True)
    examples = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["level", "name_en"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level__gte=1) & Q(level__lte=3), name="topic_level_1_to_3"
            )
        ]

    def __str__(self) -> str:
        return self.name_en

    def name_for(self, language: str) -> str:
        return self.name_zh if language.startswith("zh") and self.name_zh else self.name_en


class Status(models.TextChoices):
    RECEIVED = "received", _("Received")
    ANALYZED = "analyzed", _("Analyzed")
    JUNK = "junk", _("Junk")
    DUPLICATE = "duplicate", _("Duplicate")


class Sentiment(models.TextChoices):
    POSITIVE = "positive", _("Positive")
    NEUTRAL = "neutral", _("Neutral")
    NEGATIVE = "negative", _("Negative")


class Kind(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    SUGGESTION = "suggestion", _("Suggestion")
    PRAISE = "praise", _("Praise")
    QUESTION = "question", _("Question")
    OTHER = "other", _("Other")


class FeedbackItem(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="feedback")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="items")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="feedback"
    )
    api_key = models.ForeignKey(  # which key submitted it, when it came through the API
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(max_length=200, null=True, blank=True)
    idempotency_key = models.CharField(max_length=200, null=True, blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    received_at = models.DateTimeField(default=now)
    text = models.TextField()
    language = models.CharField(max_length=10, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    ces = models.PositiveSmallIntegerField(null=True, blank=True)
    stars = models.PositiveSmallIntegerField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    raw_payload = models.TextField(blank=True)  # exactly as received (JSON text or file row)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.RECEIVED, db_index=True
    )
    # Filled by analysis (and by people through corrections).
    redacted_text = models.TextField(blank=True)
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    sentiment_score = models.FloatField(null=True, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, blank=True)
    urgency = models.JSONField(default=list, blank=True)
    keyphrases = models.JSONField(default=list, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    duplicate_count = models.PositiveIntegerField(default=0)
    analysis = models.JSONField(default=dict, blank=True)  # evidence, PII spans, junk reasons
    analyzed_at = models.DateTimeField(null=True, blank=True)
    analysis_claimed_at = models.DateTimeField(null=True, blank=True)  # a worker holds it
    analysis_attempts = models.PositiveSmallIntegerField(default=0)
    analysis_error = models.TextField(blank=True)
    topics = models.ManyToManyField(Topic, through="FeedbackTopic", related_name="items")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"],
                condition=Q(external_id__isnull=False),
                name="uniq_feedback_channel_external_id",
            ),
            models.UniqueConstraint(
                fields=["workspace", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="uniq_feedback_idempotency_key",
            ),
            models.CheckConstraint(condition=Q(nps__lte=10), name="feedback_nps_0_10"),
            models.CheckConstraint(
                condition=Q(csat__gte=1) & Q(csat__lte=5), name="feedback_csat_1_5"
            ),
            models.CheckConstraint(
                condition=Q(ces__gte=1) & Q(ces__lte=7), name="feedback_ces_1_7"
            ),
            models.CheckConstraint(
                condition=Q(stars__gte=1) & Q(stars__lte=5), name="feedback_stars_1_5"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "-id"], name="feedback_ws_id"),
            models.Index(fields=["workspace", "occurred_at"], name="feedback_ws_occurred"),
            models.Index(fields=["workspace", "status", "id"], name="feedback_ws_status"),
            models.Index(fields=["workspace", "sentiment"], name="feedback_ws_sentiment"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.text[:40]}"


class TopicSource(models.TextChoices):
    KEYWORD = "keyword", _("Keyword")
    EXAMPLE = "example", _("Example")
    MODEL = "model", _("Model")
    LLM = "llm", _("LLM")
    MANUAL = "manual", _("Manual")


class FeedbackTopic(models.Model):
    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="topic_links")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="item_links")
    confidence = models.FloatField(default=1.0)
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, blank=True)
    source = models.CharField(max_length=10, choices=TopicSource.choices)
    evidence = models.JSONField(default=list, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "topic"], name="uniq_feedback_topic")
        ]


class Correction(models.Model):
    """A person relabelled an item; kept as a training example for the workspace's model."""

    class Field(models.TextChoices):
        SENTIMENT = "sentiment", _("Sentiment")
        TOPICS = "topics", _("Topics")
        KIND = "kind", _("Type")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="corrections")
    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="corrections")
    field = models.CharField(max_length=12, choices=Field.choices)
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=now)

    class Meta:
        indexes = [models.Index(fields=["workspace", "field", "created_at"])]


class ImportJob(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="imports")
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    filename = models.CharField(max_length=255)
    path = models.CharField(max_length=500)
    mapping = models.JSONField(default=dict)
    options = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    existing_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    rejects = models.JSONField(default=list, blank=True)  # [{"row": n, "field": f, "error": e}]
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)
    finished_at = models.DateTimeField(null=True, blank=True)


class AnalysisModel(models.Model):
    """A workspace's model learned from its corrections; the newest one is used for analysis."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="analysis_models"
    )
    version = models.CharField(max_length=40)
    created_at = models.DateTimeField(default=now)
    trained_on = models.JSONField(default=dict, blank=True)  # {"sentiment": n, "topics": n, ...}
    heldout_accuracy = models.JSONField(default=dict, blank=True)  # per field, or null
    taxonomy_version = models.CharField(max_length=64, blank=True)
    payload = models.BinaryField()  # voxloop.analysis.pipeline.WorkspaceModel.to_bytes()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="analysis_model_ws")]

    def __str__(self) -> str:
        return f"{self.workspace_id}:{self.version}"


class ReanalysisJob(models.Model):
    """Re-running analysis over a workspace's stored feedback (after a taxonomy change)."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Re-analysing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="reanalysis_jobs"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    last_item_id = models.BigIntegerField(default=0)  # resume point
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Set at the start and after every batch: a running job whose worker died stops beating.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    requeues = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]

    @property
    def progress(self) -> float:
        return (
            1.0
            if self.state == self.State.DONE
            else (self.done / self.total if self.total else 0.0)
        )


class ThemeSuggestion(models.Model):
    """A theme found among feedback the taxonomy does not cover, offered as a new topic."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ACCEPTED = "accepted", _("Accepted")
        MERGED = "merged", _("Merged")
        DISMISSED = "dismissed", _("Dismissed")
        EXPIRED = "expired", _("No longer found")  # reopened when a later run finds it again

    class LabelSource(models.TextChoices):
        KEYPHRASES = "keyphrases", _("Key phrases")
        LLM = "llm", _("LLM")

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="theme_suggestions"
    )
    label = models.CharField(max_length=200)  # from the keyphrases, always kept as the fallback
    # Written by the LLM (VOXLOOP_LLM_URL) when label_source is "llm", else empty.
    name_zh = models.CharField(max_length=120, blank=True)
    name_en = models.CharField(max_length=120, blank=True)
    summary_zh = models.TextField(blank=True)  # LLM mode: one or two sentences in Chinese
    summary_en = models.TextField(blank=True)  # and in English
    label_source = models.CharField(
        max_length=12, choices=LabelSource.choices, default=LabelSource.KEYPHRASES
    )
    keyphrases = models.JSONField(default=list, blank=True)  # most distinctive first
    size = models.PositiveIntegerField(default=0)  # items in the theme at the last discovery
    growth = models.FloatField(null=True, blank=True)  # recent share / earlier share - 1
    recent_count = models.PositiveIntegerField(default=0)  # items of the last 7 days
    previous_count = models.PositiveIntegerField(default=0)  # items of the 7 days before
    channels = models.JSONField(default=list, blank=True)  # channel ids, most items first
    cohesion = models.FloatField(default=0.0)
    representatives = models.JSONField(default=list, blank=True)  # item ids, most central first
    centroid = models.BinaryField()  # float32 unit vector in the embedding space
    first_seen = models.DateTimeField()  # the earliest item of the theme
    last_seen = models.DateTimeField()  # the latest item of the theme
    status = models.CharField(
        max_length=10, choices=State.choices, default=State.OPEN, db_index=True
    )
    topic = models.ForeignKey(  # the topic it became (accepted) or joined (merged)
        Topic, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=now)
    updated_at = models.DateTimeField(default=now)

    class Meta:
        ordering = ["-size", "-id"]
        indexes = [
            models.Index(fields=["workspace", "status", "-size"], name="theme_ws_status_size"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def display_label(self) -> str:
        """The LLM-written name in the active language, else the keyphrase label."""
        if self.label_source != self.LabelSource.LLM:
            return self.label
        chinese = (get_language() or "").lower().startswith("zh")
        first, second = (self.name_zh, self.name_en) if chinese else (self.name_en, self.name_zh)
        return first or second or self.label

    @property
    def display_summary(self) -> str:
        """The LLM-written summary in the active language, else the other one (or nothing)."""
        chinese = (get_language() or "").lower().startswith("zh")
        first, second = (
            (self.summary_zh, self.summary_en) if chinese else (self.summary_en, self.summary_zh)
        )
        return first or second


class ThemeMember(models.Model):
    """An item of a theme suggestion (the newest few hundred, so the inbox can list them)."""

    suggestion = models.ForeignKey(
        ThemeSuggestion, on_delete=models.CASCADE, related_name="members"
    )
    item = models.ForeignKey(FeedbackItem, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["suggestion", "item"], name="uniq_theme_member")
        ]


class ThemeDiscovery(models.Model):
    """When a workspace's theme discovery last ran and is next due (one row per workspace)."""

    class State(models.TextChoices):
        IDLE = "idle", _("Idle")
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Looking for themes")

    workspace = models.OneToOneField(
        Workspace, on_delete=models.CASCADE, related_name="theme_discovery"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.IDLE)
    due_at = models.DateTimeField(db_index=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    items = models.PositiveIntegerField(default=0)  # uncovered items read by the last run
    themes = models.PositiveIntegerField(default=0)  # themes the last run found
    seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
