"""The form for merging a suggested theme into a topic (accepting one uses TopicForm)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.models import Workspace
from voxloop.feedback.forms_taxonomy import TermFieldsMixin, topic_path
from voxloop.feedback.models import Topic


class ThemeMergeForm(TermFieldsMixin, forms.Form):
    topic = forms.TypedChoiceField(label=_("Merge into topic"), coerce=int)
    keywords = forms.CharField(
        label=_("Keywords to add"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Separated by commas or new lines. Keywords the topic has are skipped."),
    )
    examples = forms.CharField(
        label=_("Example phrases to add"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One example of customer wording per line."),
    )

    def __init__(self, *args: Any, workspace: Workspace, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        topics = list(Topic.objects.filter(workspace=workspace, is_active=True))
        by_id = {t.pk: t for t in topics}
        choices = sorted(
            ((t.pk, topic_path(t, by_id)) for t in topics), key=lambda c: c[1].casefold()
        )
        self.fields["topic"].choices = [("", _("— choose a topic —")), *choices]  # type: ignore[attr-defined]
