"""vendorscore: the project package (settings, urls, Celery app) and the vendors app."""

from vendorscore.allocators import allocators_configure

allocators_configure()  # before anything imports pyarrow

from vendorscore.celery import app as celery_app  # noqa: E402

__all__ = ["celery_app"]
