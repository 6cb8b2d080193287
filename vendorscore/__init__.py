"""vendorscore: the project package (settings, urls, Celery app) and the vendors app."""

from vendorscore.celery import app as celery_app

__all__ = ["celery_app"]
