"""Taxonomy editor (Settings → Taxonomy): the three-level topic tree and its changes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from voxloop.accounts.actors import Actor
from voxloop.accounts.views.common import add_service_errors, require_actor
from voxloop.feedback.forms_taxonomy import TaxonomyImportForm, TopicForm
from voxloop.feedback.models import Topic
from voxloop.feedback.selectors_learning import accuracy_panel, reanalysis_status
from voxloop.feedback.services.labels import do_delete_topic, do_save_topic
from voxloop.feedback.services.learning import request_reanalysis
from voxloop.feedback.services.taxonomy_editor import (
    TopicNode,
    do_import_taxonomy,
    do_set_topic_active,
    export_taxonomy,
    taxonomy_tree,
    topic_usage,
)

ACTION = "taxonomy.manage"


def _topic(actor: Actor, topic_id: int) -> Topic:
    return get_object_or_404(
        Topic.objects.select_related("parent"), pk=topic_id, workspace=actor.workspace
    )


def _count(nodes: list[TopicNode]) -> int:
    return sum(1 + _count(n.children) for n in nodes)


def _render_index(
    request: HttpRequest,
    actor: Actor,
    *,
    import_form: TaxonomyImportForm | None = None,
    status: int = 200,
) -> HttpResponse:
    tree = taxonomy_tree(actor.workspace)
    context: dict[str, Any] = {
        "tree": tree,
        "topic_count": _count(tree),
        "import_form": import_form or TaxonomyImportForm(),
        "accuracy": accuracy_panel(actor.workspace),
        "reanalysis": reanalysis_status(actor.workspace),
    }
    return render(request, "feedback/taxonomy/index.html", context, status=status)


@never_cache
@login_required
def index(request: HttpRequest) -> HttpResponse:
    return _render_index(request, require_actor(request, ACTION))


@never_cache
@require_GET
@login_required
def reanalysis_progress(request: HttpRequest) -> HttpResponse:
    """The re-analysis status line; the page polls it while a job waits or runs."""
    actor = require_actor(request, ACTION)
    context = {"reanalysis": reanalysis_status(actor.workspace)}
    return render(request, "feedback/taxonomy/_reanalysis.html", context)


@require_POST
@login_required
def reanalyze(request: HttpRequest) -> HttpResponse:
    """Re-analyse the workspace's feedback now (after a failed run, or to apply a new model)."""
    actor = require_actor(request, ACTION)
    if request_reanalysis(actor.workspace.pk, "requested", delay=timedelta(0)) is None:
        messages.info(request, _("There is no analysed feedback to re-analyse yet."))
    else:
        messages.success(request, _("Re-analysis queued."))
    return redirect(f"{_index_url()}#taxonomy-insights")


def _save(
    request: HttpRequest, actor: Actor, topic: Topic | None, initial: dict[str, Any]
) -> HttpResponse:
    form = TopicForm(request.POST or None, workspace=actor.workspace, topic=topic, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = do_save_topic(
                    actor,
                    topic_id=topic.pk if topic else None,
                    name_en=data["name_en"],
                    name_zh=data["name_zh"],
                    parent_id=data["parent"],
                    keywords=data["keywords"],
                    examples=data["examples"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc, default="name_en")
            else:
                messages.success(request, _("Topic %(name)s saved.") % {"name": saved.name_en})
                return redirect(f"{_index_url()}#topic-{saved.pk}")
        status = 400
    parent = None
    if topic is None and initial.get("parent"):
        parent = Topic.objects.filter(workspace=actor.workspace, pk=initial["parent"]).first()
    context = {
        "form": form,
        "topic": topic,
        "parent": parent,
        "usage": topic_usage(topic) if topic else None,
    }
    return render(request, "feedback/taxonomy/topic_form.html", context, status=status)


def _index_url() -> str:
    return reverse("taxonomy:index")


@never_cache
@login_required
def topic_new(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, ACTION)
    initial: dict[str, Any] = {}
    parent_id = request.GET.get("parent", "")
    if parent_id.isdigit():
        initial["parent"] = _topic(actor, int(parent_id)).pk
    return _save(request, actor, None, initial)


@never_cache
@login_required
def topic_edit(request: HttpRequest, topic_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    topic = _topic(actor, topic_id)
    initial = {
        "name_en": topic.name_en,
        "name_zh": topic.name_zh,
        "parent": topic.parent_id,
        "keywords": "\n".join(topic.keywords),
        "examples": "\n".join(topic.examples),
    }
    return _save(request, actor, topic, initial)


@never_cache
@login_required
def topic_deactivate(request: HttpRequest, topic_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    topic = _topic(actor, topic_id)
    if request.method == "POST":
        do_set_topic_active(actor, topic.pk, False)
        messages.success(request, _("Topic %(name)s deactivated.") % {"name": topic.name_en})
        return redirect(f"{_index_url()}#topic-{topic.pk}")
    context = {"topic": topic, "usage": topic_usage(topic)}
    return render(request, "feedback/taxonomy/topic_deactivate.html", context)


@require_POST
@login_required
def topic_activate(request: HttpRequest, topic_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    topic = _topic(actor, topic_id)
    try:
        do_set_topic_active(actor, topic.pk, True)
    except ValidationError:
        messages.error(request, _("Reactivate the parent topic first."))
    else:
        messages.success(request, _("Topic %(name)s reactivated.") % {"name": topic.name_en})
    return redirect(f"{_index_url()}#topic-{topic.pk}")


@never_cache
@login_required
def topic_delete(request: HttpRequest, topic_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    topic = _topic(actor, topic_id)
    if request.method == "POST":
        name = topic.name_en
        do_delete_topic(actor, topic.pk)
        messages.success(request, _("Topic %(name)s deleted.") % {"name": name})
        return redirect("taxonomy:index")
    context = {"topic": topic, "usage": topic_usage(topic)}
    return render(request, "feedback/taxonomy/topic_delete.html", context)


@require_GET
@login_required
def export(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, ACTION)
    body = json.dumps(export_taxonomy(actor.workspace), ensure_ascii=False, indent=2)
    stamp = timezone.now().strftime("%Y%m%d")
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    filename = f"voxloop-taxonomy-{actor.workspace.slug}-{stamp}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
@login_required
def import_view(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, ACTION)
    form = TaxonomyImportForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            summary = do_import_taxonomy(actor, form.cleaned_data["parsed"])
        except ValidationError as exc:
            add_service_errors(form, exc, default="file")
        else:
            messages.success(
                request,
                _(
                    "Taxonomy imported: %(created)d created, %(updated)d updated, %(same)d unchanged."
                )
                % {
                    "created": summary.created,
                    "updated": summary.updated,
                    "same": summary.unchanged,
                },
            )
            return redirect("taxonomy:index")
    return _render_index(request, actor, import_form=form, status=400)
