"""Forms of the inbox: the filter bar (same filters as GET /api/v1/feedback), bulk, relabel."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.models import Workspace
from voxloop.feedback.models import Channel, Topic
from voxloop.feedback.selectors import URGENCY_FLAGS, FeedbackFilter, decode_cursor
from voxloop.feedback.services.labels import BULK_ACTIONS
from voxloop.web import labels

ANY: list[tuple[Any, Any]] = [("", _("Any"))]
NONE: tuple[Any, Any] = ("", "—")


def topic_choices(topics: list[Topic], language: str) -> list[tuple[int, str]]:
    """Topics in tree order, indented by level, named in the page's language."""
    children: dict[int | None, list[Topic]] = {}
    for t in topics:
        children.setdefault(t.parent_id, []).append(t)
    out: list[tuple[int, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for t in sorted(children.get(parent, []), key=lambda t: t.name_for(language)):
            out.append((t.pk, "\u2003" * depth + t.name_for(language)))
            if depth < 2:
                walk(t.pk, depth + 1)

    walk(None, 0)
    return out


class InboxFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sentiment = forms.ChoiceField(
        label=_("Sentiment"), required=False, choices=ANY + labels.choices(labels.SENTIMENT)
    )
    topic = forms.TypedChoiceField(label=_("Topic"), required=False, coerce=int, empty_value=None)
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=ANY + labels.choices(labels.KIND)
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=ANY + labels.choices(labels.STATUS)
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"),
        required=False,
        choices=ANY + [(flag, labels.URGENCY.get(flag, flag)) for flag in URGENCY_FLAGS],
    )
    customer = forms.CharField(label=_("Customer ID"), required=False, max_length=200)
    theme = forms.IntegerField(  # set by links from suggested themes and their alerts
        label=_("Suggested theme"), required=False, min_value=1, widget=forms.HiddenInput
    )
    cursor = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(
        self,
        data: Any,
        *,
        workspace: Workspace,
        channels: list[Channel],
        topics: list[tuple[int, str]],
    ) -> None:
        super().__init__(data)
        self.workspace = workspace
        self.fields["channel"].choices = ANY + [(c.slug, c.name) for c in channels]  # type: ignore[attr-defined]
        self.fields["topic"].choices = ANY + topics  # type: ignore[attr-defined]

    def clean_cursor(self) -> str:
        cursor: str = self.cleaned_data["cursor"]
        if cursor:
            try:
                decode_cursor(cursor)
            except ValueError:
                raise forms.ValidationError(
                    _("This page link is not valid; start again from the newest items.")
                ) from None
        return cursor

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def feedback_filter(self) -> FeedbackFilter:
        """The cleaned values as the selector's filter; dates are whole days in the workspace."""
        data = self.cleaned_data
        tz = ZoneInfo(self.workspace.timezone)
        since = datetime.combine(data["since"], time.min, tz) if data.get("since") else None
        until = (
            datetime.combine(data["until"] + timedelta(days=1), time.min, tz)
            if data.get("until")
            else None
        )
        return FeedbackFilter(
            channel=data.get("channel") or None,
            since=since,
            until=until,
            sentiment=data.get("sentiment") or None,
            topic=data.get("topic"),
            kind=data.get("kind") or None,
            status=data.get("status") or None,
            q=(data.get("q") or "").strip() or None,
            customer=(data.get("customer") or "").strip() or None,
            urgency=data.get("urgency") or None,
            theme=data.get("theme"),
        )

    def error_messages(self) -> list[str]:
        """One line per bad field, naming it ('Sentiment: Select a valid choice…')."""
        out = []
        for name, errors in self.errors.items():
            prefix = f"{self.fields[name].label}: " if name in self.fields else ""
            out += [f"{prefix}{e}" for e in errors]
        return out


def bulk_actions() -> list[tuple[str, Any]]:
    return [(a, labels.BULK_ACTION.get(a, a)) for a in BULK_ACTIONS]


class ItemIdsField(forms.Field):
    """Selected rows: a list of item ids; which exist in the workspace is the service's job."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("Select at least one item."),
        "invalid": _("%(value)s is not an item number."),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        out = []
        for v in value if isinstance(value, list | tuple) else [value]:
            try:
                out.append(int(v))
            except (TypeError, ValueError):
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid", params={"value": str(v)[:20]}
                ) from None
        return out


class BulkForm(forms.Form):
    ids = ItemIdsField(label=_("Items"))
    action = forms.ChoiceField(label=_("Action"))
    value = forms.CharField(label=_("Value"), required=False, max_length=60)

    def __init__(self, data: Any) -> None:
        super().__init__(data)
        self.fields["action"].choices = bulk_actions()  # type: ignore[attr-defined]

    def error_messages(self) -> list[str]:
        out = []
        for name, errors in self.errors.items():
            prefix = f"{self.fields[name].label}: " if name in self.fields else ""
            out += [f"{prefix}{e}" for e in errors]
        return out


class RelabelForm(forms.Form):
    sentiment = forms.ChoiceField(
        label=_("Sentiment"), required=False, choices=[NONE, *labels.choices(labels.SENTIMENT)]
    )
    kind = forms.ChoiceField(
        label=_("Type"), required=False, choices=[NONE, *labels.choices(labels.KIND)]
    )
    topics = forms.TypedMultipleChoiceField(
        label=_("Topics"), required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, data: Any = None, *, topics: list[tuple[int, str]], **kw: Any) -> None:
        super().__init__(data, **kw)
        self.fields["topics"].choices = topics  # type: ignore[attr-defined]
