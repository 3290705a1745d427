"""Web UI routes: layout pages, the inbox and the product pages not built yet."""

from __future__ import annotations

from functools import partial

from django.urls import path
from django.utils.translation import gettext_lazy as _

from voxloop.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("workspace/", views.switch_workspace, name="switch_workspace"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/bulk/", views.bulk_action, name="bulk"),
    path("inbox/<int:item_id>/", views.item_detail, name="item"),
    path("inbox/<int:item_id>/relabel/", views.relabel, name="relabel"),
    # Planned parts of the product, said plainly until their issues land.
    path("surveys/", partial(views.coming_soon, feature=_("Surveys")), name="surveys"),
    path("tickets/", partial(views.coming_soon, feature=_("Tickets")), name="tickets"),
    path(
        "improvements/",
        partial(views.coming_soon, feature=_("Improvements")),
        name="improvements",
    ),
    path("healthz", views.healthz, name="healthz"),
]
