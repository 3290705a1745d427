"""Forms of the notify UI; the rules live in services_destinations.check_destination."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from voxloop.notify.models import DeliveryState, Destination, Kind

HTTP_KINDS = "webhook slack wecom dingtalk feishu"
SIGNED_KINDS = "webhook dingtalk feishu"


class DestinationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    recipients = forms.CharField(
        label=_("Recipients"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Email addresses, one per line or separated by commas."),
    )
    url = forms.CharField(
        label=_("URL"),
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("The robot's or receiver's webhook address (http or https)."),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Webhook: leave empty to generate one (shown once). DingTalk: the SEC… secret of "
            "the robot's signature setting. Feishu: the signature verification secret. "
            "When editing, leave empty to keep the current secret."
        ),
    )
    rotate_secret = forms.BooleanField(label=_("Generate a new signing secret"), required=False)
    quiet_start = forms.TimeField(
        label=_("Quiet hours from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=_("Quiet hours until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Only alerts of severity 8 or more are sent during quiet hours."),
    )
    quiet_timezone = forms.CharField(
        label=_("Quiet hours time zone"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"list": "notify-timezones", "placeholder": "Asia/Shanghai"}),
        help_text=_("Leave empty to use the workspace's time zone."),
    )
    daily_digest = forms.BooleanField(label=_("Send the daily digest"), required=False)
    weekly_digest = forms.BooleanField(label=_("Send the weekly digest"), required=False)

    # which kinds each field applies to (the page hides the others)
    KINDS_OF_FIELD = {
        "recipients": "email",
        "url": HTTP_KINDS,
        "secret": SIGNED_KINDS,
        "rotate_secret": "webhook",
    }

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["rotate_secret"]
        for name, kinds in self.KINDS_OF_FIELD.items():
            if name in self.fields:
                self.fields[name].kinds = kinds  # type: ignore[attr-defined]  # for _fields.html

    @classmethod
    def initial_for(cls, dest: Destination) -> dict[str, Any]:
        return {
            "name": dest.name,
            "kind": dest.kind,
            "recipients": "\n".join(dest.config.get("recipients", [])),
            "url": dest.config.get("url", ""),
            "quiet_start": dest.quiet_start,
            "quiet_end": dest.quiet_end,
            "quiet_timezone": dest.quiet_timezone,
            "daily_digest": dest.daily_digest,
            "weekly_digest": dest.weekly_digest,
        }


class DeliveryFilterForm(forms.Form):
    destination = forms.ModelChoiceField(
        label=_("Destination"), queryset=Destination.objects.none(), required=False
    )
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args: Any, workspace_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["destination"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Destination.objects.filter(workspace_id=workspace_id).order_by("name")
        field.empty_label = _("All destinations")
        state = self.fields["state"]
        assert isinstance(state, forms.ChoiceField)
        state.choices = [("", _("All states")), *DeliveryState.choices]
