"""Outbound notifications: destinations and the delivery outbox."""
