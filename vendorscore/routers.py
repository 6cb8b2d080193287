"""The API v1 router: each app registers its resources on its own router; the project joins them under one root.

One root, not one per app: a ``DefaultRouter`` per app, each included at ``api/v1/``, would
answer the API root with the first app's resources only.
"""

from rest_framework.routers import DefaultRouter, SimpleRouter


class NumericIdRouter(DefaultRouter):
    """Every resource is addressed by its numeric id: ``/batches/abc/`` is a 404 of the URL map.

    Without it the text reaches the database as a primary key and fails there (a 500).
    A viewset may still declare its own ``lookup_value_regex``.

    No format-suffix URLs (``/batches/1/findings.json``): a format is asked for with
    ``?format=`` (API.md v1.1), and DRF's suffix routes passed a ``format`` argument that
    the viewsets' actions do not take, so every suffixed action answered 500.
    """

    include_format_suffixes = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._default_value_pattern = "[0-9]+"


def api_router_join(*app_routers: SimpleRouter) -> NumericIdRouter:
    """The project's API router: every app's registrations, in the order given, under one API root."""
    router = NumericIdRouter()
    for app_router in app_routers:
        router.registry.extend(app_router.registry)
    return router
