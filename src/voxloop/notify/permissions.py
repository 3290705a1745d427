"""The actions of the notify app on the permission matrix."""

from __future__ import annotations

MANAGE = "notify.manage"
# Delivery logs show destination addresses and payloads, so only those who manage may read them.
VIEW_LOG = MANAGE
