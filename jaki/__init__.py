"""JAKI backend: the platform package every service app stands on."""

from jaki.celery import app as celery_app

__all__ = ("celery_app",)
