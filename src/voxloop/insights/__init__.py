"""Rollups, KPIs, drivers, detection, alerts and dashboards."""
