"""``GET /api/v1/credits/?month=YYYY-MM[&vendor=ID][&format=csv|xlsx]`` (API.md v1.1): the credit statement."""

import datetime as dt

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from sla import exports, selectors
from sla.api.exports import CSVRenderer, ExportNegotiationMixin, XLSXRenderer
from vendorscore.models import Vendor
from vendorscore.permissions import ALL_ROLES
from vendorscore.selectors import vendor_list


class MonthField(serializers.Field):
    default_error_messages = {"invalid": "Give the month as YYYY-MM, e.g. 2026-10."}

    def to_internal_value(self, data):
        try:
            return dt.datetime.strptime(str(data), "%Y-%m").date()
        except ValueError:
            self.fail("invalid")

    def to_representation(self, value):
        return value.strftime("%Y-%m")


class CreditQuerySerializer(serializers.Serializer):
    """The statement's question; ``vendor`` is among the caller's visible vendors, so another reads as missing."""

    month = MonthField()
    vendor = serializers.PrimaryKeyRelatedField(queryset=Vendor.objects.none(), required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = vendor_list(user=user)


def statement_document(statement: dict) -> dict:
    """The statement as JSON: money as strings with two decimals, as every amount of the API."""
    return {
        "month": statement["month"].strftime("%Y-%m"),
        "vendors": [
            {
                "vendor": entry["vendor"].pk,
                "vendor_name": entry["vendor"].name,
                "contracts": [_contract(section) for section in entry["contracts"]],
                "totals": [_total(total) for total in entry["totals"]],
            }
            for entry in statement["vendors"]
        ],
        "totals": [_total(total) for total in statement["totals"]],
    }


def _contract(section: dict) -> dict:
    contract = section["contract"]
    return {
        "contract": contract.pk,
        "title": contract.title,
        "currency": contract.currency,
        "invoiced_value": str(section["invoiced_value"]),
        "cap_percent": section["cap_percent"],
        "cap": None if section["cap"] is None else str(section["cap"]),
        "credit_full": str(section["credit_full"]),
        "removed_by_outcome": str(section["removed_by_outcome"]),
        "removed_by_cap": str(section["removed_by_cap"]),
        "owed": str(section["owed"]),
        "breaches": [
            {
                "breach": row["breach"].pk,
                "batch": row["breach"].batch_id,
                "term": row["breach"].term,
                "status": row["breach"].status,
                "opened_at": row["breach"].opened_at.isoformat(),
                "batch_value": str(row["breach"].batch_value),
                "credit_percent": row["breach"].credit_percent,
                "credit_full": str(row["credit_full"]),
                "removed_by_outcome": str(row["removed_by_outcome"]),
                "removed_by_cap": str(row["removed_by_cap"]),
                "owed": str(row["owed"]),
            }
            for row in section["rows"]
        ],
    }


def _total(total: dict) -> dict:
    return {"currency": total["currency"], "owed": str(total["owed"])}


class CreditStatementView(ExportNegotiationMixin, APIView):
    """The month's service credit statement: one row per breach with a credit, the cap applied per contract."""

    read_roles = ALL_ROLES
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, CSVRenderer, XLSXRenderer]

    @extend_schema(
        operation_id="credit_statement",
        parameters=[
            OpenApiParameter("month", str, required=True, description="YYYY-MM: the delivery month credits belong to."),
            OpenApiParameter("vendor", int, description="Only this vendor."),
            OpenApiParameter("format", str, enum=["json", *exports.FORMATS]),
        ],
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        query = CreditQuerySerializer(data=request.query_params, user=request.user)
        query.is_valid(raise_exception=True)
        statement = selectors.credit_statement(user=request.user, **query.validated_data)
        fmt = request.accepted_renderer.format
        if fmt in exports.FORMATS:
            name = f"credits-{statement['month']:%Y-%m}"
            rows = exports.credit_statement_rows(statement)
            return exports.table_response(headers=exports.CREDIT_HEADERS, rows=rows, fmt=fmt, name=name)
        return Response(statement_document(statement))

    def handle_exception(self, exc):
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is not None and renderer.format in exports.FORMATS:
            self.request.accepted_renderer, self.request.accepted_media_type = JSONRenderer(), "application/json"
        return super().handle_exception(exc)
