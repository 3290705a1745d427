"""Forms of the taxonomy editor: a topic node, and a JSON import."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.models import Workspace
from voxloop.feedback.models import Topic
from voxloop.feedback.services.labels import MAX_TOPIC_TERMS
from voxloop.feedback.services.taxonomy_editor import (
    MAX_LEVELS,
    NAME_MAX,
    check_taxonomy_import,
    check_topic_parent,
    descendant_ids,
)

TERM_MAX = 200
IMPORT_MAX_BYTES = 2 * 1024 * 1024
# Commas (ASCII and full-width), the Chinese enumeration comma, semicolons and newlines.
_KEYWORD_SPLIT = re.compile(r"[,\n\r;，、；]+")


def split_terms(text: str, *, keywords: bool) -> list[str]:
    parts = _KEYWORD_SPLIT.split(text) if keywords else text.splitlines()
    terms: list[str] = []
    for part in parts:
        part = part.strip()
        if part and part not in terms:
            terms.append(part)
    return terms


def topic_path(topic: Topic, by_id: dict[int, Topic]) -> str:
    names = [
        topic.name_en if topic.name_en == topic.name_zh else f"{topic.name_zh} / {topic.name_en}"
    ]
    parent = by_id.get(topic.parent_id) if topic.parent_id else None
    while parent is not None:
        names.insert(0, parent.name_en)
        parent = by_id.get(parent.parent_id) if parent.parent_id else None
    return " › ".join(names)


class TermFieldsMixin:
    """Cleans a form's ``keywords`` and ``examples`` text areas into bounded term lists."""

    cleaned_data: dict[str, Any]

    def _terms(self, name: str, *, keywords: bool) -> list[str]:
        terms = split_terms(str(self.cleaned_data.get(name) or ""), keywords=keywords)
        if len(terms) > MAX_TOPIC_TERMS:
            raise ValidationError(
                _("At most %(max)d entries; you gave %(n)d."),
                params={"max": MAX_TOPIC_TERMS, "n": len(terms)},
            )
        long = [t for t in terms if len(t) > TERM_MAX]
        if long:
            raise ValidationError(
                _("Each entry may have at most %(max)d characters: %(term)s…"),
                params={"max": TERM_MAX, "term": long[0][:40]},
            )
        return terms

    def clean_keywords(self) -> list[str]:
        return self._terms("keywords", keywords=True)

    def clean_examples(self) -> list[str]:
        return self._terms("examples", keywords=False)


class TopicForm(TermFieldsMixin, forms.Form):
    name_zh = forms.CharField(label=_("Chinese name"), max_length=NAME_MAX, required=False)
    name_en = forms.CharField(label=_("English name"), max_length=NAME_MAX, required=False)
    parent = forms.IntegerField(
        label=_("Parent topic"),
        required=False,
        widget=forms.Select,
        help_text=_("Leave empty for a top-level topic. The taxonomy has at most three levels."),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Separated by commas or new lines, e.g. 配送慢, late delivery"),
    )
    examples = forms.CharField(
        label=_("Example phrases"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One example of customer wording per line."),
    )

    def __init__(
        self, *args: Any, workspace: Workspace, topic: Topic | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.workspace, self.topic = workspace, topic
        topics = list(Topic.objects.filter(workspace=workspace).order_by("level", "name_en"))
        by_id = {t.pk: t for t in topics}
        excluded: set[int] = set()
        if topic is not None and topic.pk:
            excluded = {topic.pk, *descendant_ids(topic)}
        choices: list[tuple[str, Any]] = [("", _("— top level —"))]
        choices += sorted(
            (
                (str(t.pk), topic_path(t, by_id))
                for t in topics
                if t.level < MAX_LEVELS and t.pk not in excluded
            ),
            key=lambda c: c[1].casefold(),
        )
        self.fields["parent"].widget.choices = choices

    def clean_parent(self) -> int | None:
        parent_id = self.cleaned_data.get("parent")
        if not parent_id:
            return None
        try:
            check_topic_parent(self.workspace, self.topic, int(parent_id))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["parent"]) from None
        return int(parent_id)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        named = (data.get("name_en") or "").strip() or (data.get("name_zh") or "").strip()
        if not named and not self.errors.get("name_en") and not self.errors.get("name_zh"):
            self.add_error("name_en", _("A topic needs a name in English or Chinese."))
        return data


class TaxonomyImportForm(forms.Form):
    file = forms.FileField(label=_("JSON file"), required=False)
    text = forms.CharField(
        label=_("Or paste JSON"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        upload, text = data.get("file"), (data.get("text") or "").strip()
        if self.errors:
            return data
        if upload and text:
            self.add_error("text", _("Upload a file or paste JSON, not both."))
            return data
        if not upload and not text:
            self.add_error("file", _("Choose a JSON file exported from VoxLoop, or paste one."))
            return data
        field = "file" if upload else "text"
        if upload:
            if upload.size > IMPORT_MAX_BYTES:
                self.add_error(field, _("The file is larger than 2 MB."))
                return data
            raw = upload.read()
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error(field, _("The file is not UTF-8 text."))
                return data
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            self.add_error(
                field,
                _("Not valid JSON: %(error)s (line %(line)d, column %(col)d).")
                % {"error": exc.msg, "line": exc.lineno, "col": exc.colno},
            )
            return data
        try:
            check_taxonomy_import(parsed)
        except ValidationError as exc:
            self.add_error(field, exc.messages)
            return data
        data["parsed"] = parsed
        return data
