"""Forms of the import, export and channel pages."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.models import Workspace
from voxloop.feedback.exporting import EXPORT_FORMATS
from voxloop.feedback.importing.mapping import TARGETS
from voxloop.feedback.models import Channel, ChannelKind, Kind, Sentiment, Status
from voxloop.feedback.selectors import URGENCY_FLAGS

DELIMITER_CHOICES = [
    ("", _("Detect")),
    (",", _("Comma")),
    ("\t", _("Tab")),
    (";", _("Semicolon")),
    ("|", _("Pipe")),
]
ENCODING_CHOICES = [
    ("", _("Detect (UTF-8 or GB18030)")),
    ("utf-8", "UTF-8"),
    ("gb18030", "GB18030 / GBK"),
    ("big5", "Big5"),
    ("utf-16", "UTF-16"),
    ("latin-1", "Latin-1"),
]
URGENCY_LABELS = {
    "safety": _("Safety"),
    "legal": _("Legal"),
    "churn": _("Churn risk"),
    "media": _("Media"),
}
TARGET_LABELS = {
    "text": _("Text"),
    "occurred_at": _("Date"),
    "external_id": _("External id"),
    "customer": _("Customer id"),
    "customer_name": _("Customer name"),
    "customer_email": _("Customer email"),
    "segment": _("Segment"),
    "nps": _("NPS (0–10)"),
    "csat": _("CSAT (1–5)"),
    "ces": _("CES (1–7)"),
    "stars": _("Stars (1–5)"),
    "language": _("Language"),
}


class UploadForm(forms.Form):
    channel = forms.ModelChoiceField(queryset=Channel.objects.none(), label=_("Channel"))
    file = forms.FileField(label=_("File"))
    encoding = forms.ChoiceField(choices=ENCODING_CHOICES, required=False, label=_("Encoding"))
    delimiter = forms.ChoiceField(
        choices=DELIMITER_CHOICES, required=False, label=_("Delimiter (CSV)")
    )

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        channels = Channel.objects.filter(workspace=workspace, is_active=True)
        field = self.fields["channel"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = channels
        default = channels.filter(slug="import").first()
        if default is not None:
            field.initial = default.pk
        self.fields["file"].help_text = _(
            "CSV (any delimiter; UTF-8 or GB18030), XLSX or JSONL; at most %(mb)s MB."
        ) % {"mb": settings.MAX_UPLOAD_MB}

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
            raise forms.ValidationError(
                _("The file is larger than the %(mb)s MB limit.") % {"mb": settings.MAX_UPLOAD_MB}
            )
        return upload


class MappingForm(forms.Form):
    keep_unmapped = forms.BooleanField(
        required=False, label=_("Keep the other columns in each item's metadata")
    )

    def __init__(self, columns: list[str], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((c, c) for c in columns)]
        for target in TARGETS:
            self.fields[f"map_{target}"] = forms.ChoiceField(
                choices=choices,
                required=target == "text",
                label=TARGET_LABELS[target],
            )
        self.order_fields([f"map_{t}" for t in TARGETS] + ["keep_unmapped"])

    def columns(self) -> dict[str, str]:
        return {
            t: self.cleaned_data.get(f"map_{t}") or ""
            for t in TARGETS
            if self.cleaned_data.get(f"map_{t}")
        }


class ChannelForm(forms.Form):
    name = forms.CharField(max_length=120, label=_("Name"))
    kind = forms.ChoiceField(choices=ChannelKind.choices, label=_("Kind"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active"))
    config = forms.CharField(
        required=False,
        label=_("Configuration (JSON)"),
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_('A JSON object, e.g. {"store": "SH-01"}; leave empty for none.'),
    )

    def clean_config(self) -> dict[str, Any]:
        text = (self.cleaned_data.get("config") or "").strip()
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(
                _("Not valid JSON: %(error)s") % {"error": exc.msg}
            ) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The configuration must be a JSON object ({…})."))
        return value


class ExportForm(forms.Form):
    format = forms.ChoiceField(choices=[(f, f.upper()) for f in EXPORT_FORMATS], label=_("Format"))
    channel = forms.ChoiceField(required=False, label=_("Channel"))
    since = forms.CharField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.CharField(
        required=False, label=_("Until"), widget=forms.DateInput(attrs={"type": "date"})
    )
    sentiment = forms.ChoiceField(
        required=False, choices=[("", "—"), *Sentiment.choices], label=_("Sentiment")
    )
    kind = forms.ChoiceField(required=False, choices=[("", "—"), *Kind.choices], label=_("Type"))
    status = forms.ChoiceField(
        required=False, choices=[("", "—"), *Status.choices], label=_("Status")
    )
    urgency = forms.ChoiceField(
        required=False,
        choices=[("", "—"), *((f, URGENCY_LABELS.get(f, f)) for f in URGENCY_FLAGS)],
        label=_("Urgency"),
    )
    q = forms.CharField(required=False, label=_("Search"))
    customer = forms.CharField(required=False, label=_("Customer id"))

    def __init__(self, workspace: Workspace, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["channel"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            ("", "—"),
            *Channel.objects.filter(workspace=workspace).values_list("slug", "name"),
        ]
