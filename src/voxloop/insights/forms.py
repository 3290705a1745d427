"""Forms of the insights pages: the dashboard filter bar, alert filters and alert rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.models import Workspace
from voxloop.customers.models import Customer
from voxloop.feedback.models import Channel, Topic
from voxloop.insights.models import AlertState, Method, Metric, Preset, Scope
from voxloop.insights.selectors import PERIODS, DashboardFilter
from voxloop.insights.services.alerts import check_rule

ANY: list[tuple[str, Any]] = [("", _("All"))]


def _period_label(days: int) -> Any:
    return {
        7: _("Last 7 days"),
        30: _("Last 30 days"),
        90: _("Last 90 days"),
        365: _("Last 365 days"),
    }[days]


class DashboardFilterForm(forms.Form):
    period = forms.TypedChoiceField(
        label=_("Period"),
        required=False,
        coerce=int,
        empty_value=30,  # type: ignore[arg-type]
        choices=[(str(d), _period_label(d)) for d in PERIODS],
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    segment = forms.ChoiceField(label=_("Segment"), required=False)
    topic = forms.TypedChoiceField(label=_("Topic"), required=False, coerce=int, empty_value=None)

    def __init__(self, data: Any, *, workspace: Workspace, language: str) -> None:
        super().__init__(data)
        self.workspace = workspace
        channels = list(
            Channel.objects.filter(workspace=workspace).values_list("id", "slug", "name")
        )
        self._channels = {slug: pk for pk, slug, _name in channels}
        self.channel_names = {pk: name for pk, _slug, name in channels}
        self.fields["channel"].choices = ANY + sorted(  # type: ignore[attr-defined]
            ((slug, name) for _pk, slug, name in channels), key=lambda x: x[1]
        )
        segments = (
            Customer.objects.filter(workspace=workspace)
            .exclude(segment="")
            .values_list("segment", flat=True)
            .distinct()
            .order_by("segment")
        )
        self.fields["segment"].choices = (  # type: ignore[attr-defined]
            ANY + [(s, s) for s in segments] + [("-", _("None"))]
        )
        # All topics (inactive ones still have history); one query serves names and subtrees.
        self.topics = list(Topic.objects.filter(workspace=workspace).order_by("level", "id"))
        self.topic_names = {t.pk: t.name_for(language) for t in self.topics}
        self.fields["topic"].choices = ANY + [  # type: ignore[attr-defined]
            (str(t.pk), ("· " * (t.level - 1)) + t.name_for(language))
            for t in self.topics
            if t.is_active
        ]

    def subtree(self, topic_id: int) -> tuple[int, ...]:
        children: dict[int | None, list[int]] = {}
        for t in self.topics:
            children.setdefault(t.parent_id, []).append(t.pk)
        out, frontier = [topic_id], [topic_id]
        while frontier:
            frontier = [c for p in frontier for c in children.get(p, [])]
            out += frontier
        return tuple(out)

    def to_filter(self) -> DashboardFilter:
        d = self.cleaned_data
        return DashboardFilter(
            days=d.get("period") or 30,
            channel=self._channels.get(d.get("channel") or ""),
            segment=d.get("segment") or None,
            topic=d.get("topic"),
            topic_tree=self.subtree(d["topic"]) if d.get("topic") else (),
        )

    def error_list(self) -> list[dict[str, str]]:
        return [
            {"field": field, "message": " ".join(str(m) for m in messages)}
            for field, messages in self.errors.items()
        ]


class AlertFilterForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        required=False,
        choices=[("", _("Active")), ("all", _("All")), *list(AlertState.choices)],
    )
    min_severity = forms.IntegerField(
        label=_("Minimum severity"), required=False, min_value=1, max_value=10
    )


class MuteForm(forms.Form):
    hours = forms.IntegerField(label=_("Mute for (hours)"), min_value=1, max_value=720, initial=24)


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)
    preset = forms.ChoiceField(label=_("Preset"), choices=Preset.choices, initial=Preset.CUSTOM)
    scope = forms.ChoiceField(label=_("Scope"), choices=Scope.choices, initial=Scope.TOPIC)
    scope_value = forms.CharField(
        label=_("Only this topic id, channel slug or segment"),
        required=False,
        max_length=120,
        help_text=_("Empty: watch every topic (channel, segment) separately."),
    )
    metric = forms.ChoiceField(label=_("Metric"), choices=Metric.choices, initial=Metric.NEGATIVE)
    method = forms.ChoiceField(
        label=_("Method"), choices=Method.choices, initial=Method.STATISTICAL
    )
    sensitivity = forms.IntegerField(
        label=_("Sensitivity (1–10)"),
        initial=7,
        help_text=_("Statistical rules: higher finds smaller changes and raises more alerts."),
    )
    threshold = forms.FloatField(
        label=_("Threshold"),
        initial=300,
        help_text=_("Percent rise, NPS points, percentage points of share, or channels."),
    )
    window_hours = forms.IntegerField(label=_("Window (hours)"), initial=24)
    min_count = forms.IntegerField(label=_("Minimum count"), initial=5)
    cooldown_minutes = forms.IntegerField(label=_("Cooldown (minutes)"), initial=360)
    destinations = forms.TypedMultipleChoiceField(
        label=_("Send to"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.workspace = workspace
        self.fields["destinations"].choices = destination_choices(workspace)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Check the domain rules too when some fields already failed, so every problem is
        # reported at once; fields with an error of their own keep only that one.
        given = {k: v for k, v in data.items() if k not in self.errors}
        try:
            self.rule_data = check_rule(self.workspace, given)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field in self.errors:
                    continue
                if field in given or field not in self.fields:
                    self.add_error(field if field in self.fields else None, messages)
        return data


def destination_choices(workspace: Workspace) -> list[tuple[int, str]]:
    try:
        from voxloop.notify.models import Destination
    except ImportError:
        return []
    return [(d.pk, str(d)) for d in Destination.objects.filter(workspace=workspace).order_by("pk")]
