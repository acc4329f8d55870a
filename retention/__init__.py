"""Retention: the project package and the tenancy kernel."""

from .celery import app as celery_app

__all__ = ["celery_app"]
