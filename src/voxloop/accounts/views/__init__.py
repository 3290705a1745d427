"""Settings pages of the accounts app: members, teams, API keys and the audit log."""
