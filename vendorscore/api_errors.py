"""One exception handler for the API: domain and model validation errors become 400.

Services call ``full_clean()`` and raise ``DomainError``; without this handler both would
surface as 500s through DRF, which our API promises never to answer for bad input.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from vendorscore.exceptions import DomainError


def _validation_error_body(error: DjangoValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    return {"non_field_errors": list(error.messages)}


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        return Response(_validation_error_body(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        code = getattr(exc, "status_code", status.HTTP_400_BAD_REQUEST)  # e.g. 413 for an upload too large
        return Response({exc.field or "non_field_errors": [exc.message]}, status=code)
    return drf_exception_handler(exc, context)
