"""The navigation: the whole product, each entry shown when the user's role may use it."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from voxloop.accounts.actors import Actor


@dataclass(frozen=True)
class Entry:
    label: Promise
    url_name: str
    icon: str
    action: str | None = None  # None: every member
    soon: bool = False


@dataclass(frozen=True)
class Link:
    label: Promise
    url: str
    icon: str
    soon: bool
    active: bool


MAIN = (
    Entry(_("Inbox"), "web:inbox", "inbox", "feedback.view"),
    Entry(_("Dashboard"), "insights:dashboard", "chart", "feedback.view"),
    Entry(_("Alerts"), "insights:alerts", "bell", "feedback.view"),
    Entry(_("Import"), "feedback:import", "upload", "feedback.import"),
    Entry(_("Export"), "feedback:export", "download", "feedback.export"),
    Entry(_("Surveys"), "web:surveys", "survey", soon=True),
    Entry(_("Tickets"), "web:tickets", "ticket", soon=True),
    Entry(_("Improvements"), "web:improvements", "spark", soon=True),
)
SETTINGS = (
    Entry(_("Members"), "accounts:members", "users", "members.manage"),
    Entry(_("Teams"), "accounts:teams", "team", "teams.manage"),
    Entry(_("API keys"), "accounts:keys", "key", "apikeys.manage"),
    Entry(_("Channels"), "feedback:channels", "channel", "channels.manage"),
    Entry(_("Taxonomy"), "taxonomy:index", "tree", "taxonomy.manage"),
    Entry(_("Notification destinations"), "notify:destinations", "send", "notify.manage"),
    Entry(_("Audit log"), "accounts:audit", "log", "audit.view"),
)


def _allowed(actor: Actor, entry: Entry) -> bool:
    return entry.action is None or actor.can(entry.action)


def links(actor: Actor, path: str, entries: tuple[Entry, ...]) -> list[Link]:
    """The entries this actor may use; the one whose URL is the longest prefix of ``path`` is
    active (the alert centre under /insights/alerts/, not the dashboard at /insights/)."""
    found = []
    for entry in entries:
        if not _allowed(actor, entry):
            continue
        try:
            found.append((entry, reverse(entry.url_name)))
        except NoReverseMatch:  # a page whose app is not installed in this build
            continue
    matches = [url for _entry, url in found if path.startswith(url)]
    current = max(matches, key=len) if matches else None
    return [Link(e.label, url, e.icon, e.soon, url == current) for e, url in found]
