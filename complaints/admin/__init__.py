"""The complaints admin: the triage list, moves, replies and dashboard (`complaint`), and the
catalogue the workflow runs on: categories with their questions, response templates
(`catalogue`)."""

from complaints.admin import catalogue, complaint  # noqa: F401  (registers the ModelAdmins)
