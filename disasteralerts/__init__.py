"""Disaster warnings: CAP 1.2 alerts, two-person approval, geo-targeted broadcast, feeds."""
