"""Feedback pages: import, export and channel settings (the taxonomy has views_taxonomy)."""
