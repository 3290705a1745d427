"""The feedback inbox: filtered list with bulk actions, and the page of one item."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from voxloop.accounts.actors import Actor
from voxloop.feedback import selectors
from voxloop.feedback.models import FeedbackItem
from voxloop.feedback.services.labels import access_item, do_bulk_action, do_relabel
from voxloop.web import highlight, labels, queries
from voxloop.web.forms import BulkForm, InboxFilterForm, RelabelForm, topic_choices

PAGE_SIZE = 50
View = Callable[..., HttpResponse]


def member_view(view: View) -> View:
    """Signed in and a member of a workspace (the middleware has set request.actor)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if getattr(request, "actor", None) is None:
            return render(request, "web/no_workspace.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def _actor(request: HttpRequest) -> Actor:
    return request.actor  # type: ignore[attr-defined, no-any-return]


def _is_partial(request: HttpRequest) -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
        and request.headers.get("HX-Boosted") != "true"
    )


def _shown_text(item: FeedbackItem, raw: bool) -> str:
    """People who may not see personal data read the redacted text once analysis made it."""
    return item.text if raw or not item.redacted_text else item.redacted_text


@dataclass
class Row:
    item: FeedbackItem
    text: str
    topics: list[tuple[str, str]] = field(default_factory=list)  # (name, sentiment)
    urgency: list[str] = field(default_factory=list)


def _rows(items: list[FeedbackItem], raw: bool, language: str) -> list[Row]:
    return [
        Row(
            item=i,
            text=_shown_text(i, raw),
            topics=[
                (link.topic.name_for(language), link.sentiment) for link in i.topic_links.all()
            ],
            urgency=[labels.label(labels.URGENCY, u) for u in i.urgency or []],
        )
        for i in items
    ]


def _inbox_context(request: HttpRequest, params: QueryDict) -> tuple[dict[str, Any], int]:
    actor = _actor(request)
    actor.require("feedback.view")
    language = get_language() or "en"
    workspace = actor.workspace
    choices = topic_choices(queries.topics(workspace), language)
    form = InboxFilterForm(
        params, workspace=workspace, channels=queries.channels(workspace), topics=choices
    )
    context: dict[str, Any] = {
        "form": form,
        "topic_choices": choices,
        "query": params.urlencode(),
        "filtered": any(v for k, v in params.items() if k != "cursor"),
        "can_bulk": actor.can("feedback.bulk"),
        "bulk_actions": BulkForm(None).fields["action"].choices,  # type: ignore[attr-defined]
        "sentiments": labels.choices(labels.SENTIMENT),
        "kinds": labels.choices(labels.KIND),
        "rows": [],
        "next_cursor": None,
        "total": 0,
        "counts": [],
    }
    if not form.is_valid():
        context["errors"] = form.error_messages()
        return context, 400
    qs = selectors.feedback_queryset(workspace, form.feedback_filter())
    counts = queries.sentiment_counts(qs)
    items, next_cursor = selectors.page(qs, cursor=form.cleaned_data["cursor"], limit=PAGE_SIZE)
    context.update(
        rows=_rows(items, actor.can("feedback.view_raw"), language),
        next_cursor=next_cursor,
        total=sum(counts.values()),
        counts=[
            (value, name, counts.get(value, 0))
            for value, name in [*labels.choices(labels.SENTIMENT), ("", _("Not analysed"))]
            if counts.get(value, 0)
        ],
        first_page=not form.cleaned_data["cursor"],
        first_url=_inbox_url(params, None),
        next_url=_inbox_url(params, next_cursor) if next_cursor else None,
    )
    return context, 200


def _inbox_url(params: QueryDict, cursor: str | None) -> str:
    """The inbox with the same filters (empty ones dropped) at another page."""
    query = QueryDict(mutable=True)
    for key, values in params.lists():
        kept = [v for v in values if v]
        if kept and key != "cursor":
            query.setlist(key, kept)
    if cursor:
        query["cursor"] = cursor
    url = reverse("web:inbox")
    return f"{url}?{query.urlencode()}" if query else url


def _render_inbox(request: HttpRequest, params: QueryDict, **extra: Any) -> HttpResponse:
    context, status = _inbox_context(request, params)
    context.update(extra)
    template = "web/inbox/_results.html" if _is_partial(request) else "web/inbox/list.html"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@member_view
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    return _render_inbox(request, request.GET)


@member_view
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Apply one action to the selected rows, then show the same filtered list again."""
    actor = _actor(request)
    actor.require("feedback.bulk")
    params = QueryDict(request.POST.get("query", ""))
    form = BulkForm(request.POST)
    notice, errors, status = "", [], 200
    if form.is_valid():
        try:
            count = do_bulk_action(
                actor,
                form.cleaned_data["ids"],
                form.cleaned_data["action"],
                form.cleaned_data["value"] or None,
            )
        except ValidationError as exc:
            errors, status = _validation_messages(exc, form), 400
        else:
            notice = ngettext("%(count)d item changed.", "%(count)d items changed.", count) % {
                "count": count
            }
    else:
        errors, status = form.error_messages(), 400
    if not _is_partial(request):
        for e in errors:
            messages.error(request, e)
        if notice:
            messages.success(request, notice)
        url = reverse("web:inbox")
        return redirect(f"{url}?{params.urlencode()}" if params else url)
    response = _render_inbox(request, params, notice=notice, bulk_errors=errors)
    if status != 200:
        response.status_code = status
    return response


def _validation_messages(exc: ValidationError, form: Any) -> list[str]:
    if hasattr(exc, "error_dict"):
        out = []
        for name, errs in exc.message_dict.items():
            label = (
                form.fields[name].label
                if name in form.fields
                else labels.CORRECTION_FIELD.get(name, name)
            )
            out += [f"{label}: {e}" for e in errs]
        return out
    return list(exc.messages)


def _access(actor: Actor, item_id: int) -> FeedbackItem:
    try:
        access_item(actor, item_id)
        return queries.item_for_page(actor.workspace, item_id)
    except FeedbackItem.DoesNotExist:
        raise Http404("no such feedback item") from None


def _pretty_payload(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False, indent=2)
    except (ValueError, TypeError):
        return raw


def _detail_context(
    request: HttpRequest, item: FeedbackItem, form: RelabelForm | None
) -> dict[str, Any]:
    actor = _actor(request)
    language = get_language() or "en"
    raw = actor.can("feedback.view_raw")
    text = _shown_text(item, raw)
    links = list(item.topic_links.all())
    analysis = item.analysis if isinstance(item.analysis, dict) else {}
    groups: list[tuple[str, str, Any]] = [
        ("ev ev-sentiment", _("Sentiment cue"), analysis.get("sentiment_evidence") or []),
    ]
    groups += [
        ("ev ev-topic", link.topic.name_for(language), link.evidence or []) for link in links
    ]
    if raw:
        groups.append(("ev ev-pii", _("Personal data"), analysis.get("pii") or []))
    marks = highlight.marks_for(text, groups)
    choices = topic_choices(queries.topics(actor.workspace), language)
    if form is None:
        form = RelabelForm(
            initial={
                "sentiment": item.sentiment,
                "kind": item.kind,
                "topics": [link.topic_id for link in links],
            },
            topics=choices,
        )
    corrections = queries.corrections(item)
    topic_ids = [
        t
        for c in corrections
        if c.field == "topics"
        for t in (c.old_value or []) + (c.new_value or [])
    ]
    names = queries.topic_names(actor.workspace, topic_ids, language)

    def shown(field_name: str, value: Any) -> str:
        if field_name == "topics":
            return ", ".join(names.get(t, f"#{t}") for t in value or []) or "—"
        mapping = labels.SENTIMENT if field_name == "sentiment" else labels.KIND
        return labels.label(mapping, value) if value else "—"

    junk = analysis.get("junk") if isinstance(analysis.get("junk"), dict) else {}
    return {
        "item": item,
        "text_html": highlight.render(text, marks),
        "marks": marks,
        "show_raw": raw,
        "raw_payload": _pretty_payload(item.raw_payload) if raw else None,
        "topics": [
            {
                "name": link.topic.name_for(language),
                "confidence": link.confidence,
                "source": labels.label(labels.TOPIC_SOURCE, link.source),
                "sentiment": link.sentiment,
                "sentiment_label": labels.label(labels.SENTIMENT, link.sentiment)
                if link.sentiment
                else "",
            }
            for link in links
        ],
        "sentiment_label": labels.label(labels.SENTIMENT, item.sentiment) if item.sentiment else "",
        "kind_label": labels.label(labels.KIND, item.kind) if item.kind else "",
        "status_label": labels.label(labels.STATUS, item.status),
        "urgency": [labels.label(labels.URGENCY, u) for u in item.urgency or []],
        "analysis": analysis,
        "junk": junk,
        "duplicates": queries.duplicates_of(item) if item.duplicate_count else [],
        "corrections": [
            {
                "c": c,
                "field": labels.label(labels.CORRECTION_FIELD, c.field),
                "old": shown(c.field, c.old_value),
                "new": shown(c.field, c.new_value),
            }
            for c in corrections
        ],
        "form": form,
        "can_relabel": actor.can("feedback.relabel"),
        "back": request.GET.get("back", ""),
    }


@member_view
@require_GET
def item_detail(request: HttpRequest, item_id: int) -> HttpResponse:
    item = _access(_actor(request), item_id)
    return render(request, "web/inbox/detail.html", _detail_context(request, item, None))


@member_view
@require_POST
def relabel(request: HttpRequest, item_id: int) -> HttpResponse:
    """Save a person's labels; do_relabel keeps each change as a correction."""
    actor = _actor(request)
    actor.require("feedback.relabel")
    item = _access(actor, item_id)
    choices = topic_choices(queries.topics(actor.workspace), get_language() or "en")
    form = RelabelForm(request.POST, topics=choices)
    if form.is_valid():
        try:
            do_relabel(
                actor,
                item.pk,
                sentiment=form.cleaned_data["sentiment"] or None,
                kind=form.cleaned_data["kind"] or None,
                topic_ids=form.cleaned_data["topics"],
            )
        except ValidationError as exc:
            for name, errs in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errs)
        else:
            messages.success(request, _("Labels saved."))
            return redirect("web:item", item_id=item.pk)
    item = _access(actor, item_id)
    return render(
        request, "web/inbox/detail.html", _detail_context(request, item, form), status=400
    )
