"""Suggested themes on the taxonomy page: the list, "find themes now", accept, merge, dismiss."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from voxloop.accounts.actors import Actor
from voxloop.accounts.views.common import add_service_errors, require_actor
from voxloop.feedback.forms_taxonomy import TopicForm
from voxloop.feedback.forms_themes import ThemeMergeForm
from voxloop.feedback.models import ThemeDiscovery, ThemeSuggestion
from voxloop.feedback.selectors_themes import (
    MAX_CARDS,
    discovery_status,
    open_count,
    theme_cards,
)
from voxloop.feedback.services.theme_actions import (
    default_keywords,
    do_accept_theme,
    do_dismiss_theme,
    do_merge_theme,
    representative_texts,
    suggested_names,
)
from voxloop.feedback.services.themes import ACTION, do_request_discovery

PANEL_CARDS = 5  # on the taxonomy page; the themes page lists up to MAX_CARDS


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _suggestion(actor: Actor, suggestion_id: int) -> ThemeSuggestion:
    return get_object_or_404(
        ThemeSuggestion.objects.defer("centroid"), pk=suggestion_id, workspace=actor.workspace
    )


def _panel(request: HttpRequest, actor: Actor, status: int = 200) -> HttpResponse:
    """The panel alone for htmx (it replaces itself), else a page around it.

    On the taxonomy page (``view=panel``) it shows the few busiest themes and links to the
    page with all of them.
    """
    compact = (request.GET.get("view") or request.POST.get("view")) == "panel"
    discovery = discovery_status(actor.workspace)
    cards = theme_cards(actor.workspace, limit=PANEL_CARDS if compact else MAX_CARDS)
    context: dict[str, Any] = {
        "cards": cards,
        "compact": compact,
        "total": open_count(actor.workspace) if compact and len(cards) == PANEL_CARDS else None,
        "discovery": discovery,
        "busy": discovery is not None and discovery.state != ThemeDiscovery.State.IDLE,
    }
    template = (
        "feedback/taxonomy/_themes_panel.html"
        if _is_htmx(request)
        else "feedback/taxonomy/themes.html"
    )
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


@never_cache
@login_required
def themes(request: HttpRequest) -> HttpResponse:
    return _panel(request, require_actor(request, ACTION))


@require_POST
@login_required
def discover(request: HttpRequest) -> HttpResponse:
    actor = require_actor(request, ACTION)
    if do_request_discovery(actor):
        messages.success(request, _("Looking for new themes; they appear here in a minute or two."))
    else:
        messages.info(request, _("A search for themes is already waiting or running."))
    if _is_htmx(request):
        return _panel(request, actor)
    return redirect(_back())


def _back() -> str:
    return f"{reverse('taxonomy:index')}#suggested-themes"


def _decided(request: HttpRequest, suggestion: ThemeSuggestion) -> HttpResponse | None:
    if suggestion.status == ThemeSuggestion.State.OPEN:
        return None
    messages.info(
        request,
        _("This theme was decided on already (%(status)s).")
        % {"status": suggestion.get_status_display()},
    )
    return redirect(_back())


def _render_form(
    request: HttpRequest, template: str, suggestion: ThemeSuggestion, form: Any, status: int
) -> HttpResponse:
    context = {
        "suggestion": suggestion,
        "form": form,
        "examples": representative_texts(suggestion),
    }
    return render(request, template, context, status=status)


@never_cache
@login_required
def accept(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    suggestion = _suggestion(actor, suggestion_id)
    done = _decided(request, suggestion)
    if done is not None:
        return done
    name_zh, name_en = suggested_names(suggestion)
    initial = {
        "name_zh": name_zh,
        "name_en": name_en,
        "keywords": "\n".join(default_keywords(suggestion)),
        "examples": "\n".join(representative_texts(suggestion)),
    }
    form = TopicForm(request.POST or None, workspace=actor.workspace, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                topic = do_accept_theme(
                    actor,
                    suggestion.pk,
                    name_en=data["name_en"],
                    name_zh=data["name_zh"],
                    parent_id=data["parent"],
                    keywords=data["keywords"],
                    examples=data["examples"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Topic %(name)s created from the theme; feedback is being re-analysed.")
                    % {"name": topic.name_en},
                )
                return redirect(f"{reverse('taxonomy:index')}#topic-{topic.pk}")
        status = 400
    return _render_form(request, "feedback/taxonomy/theme_accept.html", suggestion, form, status)


@never_cache
@login_required
def merge(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    suggestion = _suggestion(actor, suggestion_id)
    done = _decided(request, suggestion)
    if done is not None:
        return done
    initial = {
        "keywords": "\n".join(default_keywords(suggestion)),
        "examples": "\n".join(representative_texts(suggestion)),
    }
    form = ThemeMergeForm(request.POST or None, workspace=actor.workspace, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                topic = do_merge_theme(
                    actor,
                    suggestion.pk,
                    data["topic"],
                    keywords=data["keywords"],
                    examples=data["examples"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Theme merged into %(name)s; feedback is being re-analysed.")
                    % {"name": topic.name_en},
                )
                return redirect(f"{reverse('taxonomy:index')}#topic-{topic.pk}")
        status = 400
    return _render_form(request, "feedback/taxonomy/theme_merge.html", suggestion, form, status)


@require_POST
@login_required
def dismiss(request: HttpRequest, suggestion_id: int) -> HttpResponse:
    actor = require_actor(request, ACTION)
    suggestion = _suggestion(actor, suggestion_id)
    try:
        do_dismiss_theme(actor, suggestion.pk)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("Theme “%(label)s” dismissed; it will not be suggested again.")
            % {"label": suggestion.label},
        )
    if _is_htmx(request):
        return _panel(request, actor)
    return redirect(_back())
