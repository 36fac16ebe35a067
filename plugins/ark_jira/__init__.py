"""Ark's Jira plugin: the registry's tasks become issues on the team's board, statuses come back."""
