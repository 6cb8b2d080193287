"""``?format=csv|xlsx`` on the list endpoints (API.md v1.1): the same filters as the JSON, streamed out.

DRF picks a renderer by ``?format=`` before the view runs, so the two formats are declared
as renderers; the list itself bypasses DRF's rendering and pagination and answers with
``sla.exports``' streamed response, because a renderer gets the whole page as one Python
object. Errors (a bad filter: 400) are still answered as JSON, with their field errors.
"""

from rest_framework.exceptions import NotFound
from rest_framework.renderers import BaseRenderer, BrowsableAPIRenderer, JSONRenderer

from sla import exports


class _ExportRenderer(BaseRenderer):
    """Declares a format to DRF's negotiation; the export views answer with their own streamed response."""

    charset = None


class CSVRenderer(_ExportRenderer):
    media_type = "text/csv"
    format = "csv"


class XLSXRenderer(_ExportRenderer):
    media_type = exports.XLSX_TYPE
    format = "xlsx"


class ExportNegotiationMixin:
    """Only a GET is answered as a file: any other method negotiated to an export format (an
    ``OPTIONS`` asking for ``text/csv``) is answered as JSON, which the export renderers cannot write."""

    def perform_content_negotiation(self, request, force=False):
        if request.query_params.get("format", None) == "":
            # DRF reads an empty ?format= as no format at all; the schema offers json, csv and xlsx.
            # The error itself is negotiated again with force=True: it is answered as JSON.
            if force:
                return JSONRenderer(), JSONRenderer.media_type
            raise NotFound("?format= is empty: give json, csv or xlsx.")
        if request.method != "GET" and request.query_params.get("format") in exports.FORMATS:
            return JSONRenderer(), JSONRenderer.media_type  # else TRACE ?format=csv is a 404, not a 405
        renderer, media_type = super().perform_content_negotiation(request, force)
        if request.method != "GET" and renderer.format in exports.FORMATS:
            return JSONRenderer(), JSONRenderer.media_type
        return renderer, media_type


class ExportListMixin(ExportNegotiationMixin):
    """A list endpoint that also answers ``?format=csv`` and ``?format=xlsx`` with every filtered row."""

    export = None  # an ``exports.Export``
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]

    export_actions = ("list",)

    def get_renderers(self):
        """The export formats only where an export is written; elsewhere ``?format=csv`` stays a 404."""
        renderers = super().get_renderers()
        if self.action in self.export_actions:
            return renderers
        return [renderer for renderer in renderers if renderer.format not in exports.FORMATS]

    def export_format(self) -> str | None:
        renderer = getattr(self.request, "accepted_renderer", None)
        return renderer.format if renderer is not None and renderer.format in exports.FORMATS else None

    def export_queryset(self):
        """The rows to export; the list's queryset without what only the JSON needs."""
        return self.get_queryset()

    def export_objects(self, queryset):
        """What the reader may see of the filtered rows (a viewset narrows it, e.g. the vendor rule)."""
        return queryset

    def list(self, request, *args, **kwargs):
        fmt = self.export_format()
        if fmt is None:
            return super().list(request, *args, **kwargs)
        objects = self.export_objects(self.filter_queryset(self.export_queryset()))
        return exports.export_response(export=self.export, objects=objects, fmt=fmt)

    def handle_exception(self, exc):
        if self.export_format() is not None:
            self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)
