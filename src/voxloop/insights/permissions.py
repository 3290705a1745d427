"""The actions of the insights app on the permission matrix."""

from __future__ import annotations

VIEW = "feedback.view"
MANAGE_RULES = "insights.manage_rules"
HANDLE_ALERTS = "insights.handle_alerts"
