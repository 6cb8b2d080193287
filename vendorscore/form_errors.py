"""A service's refusal shown on the form that asked for it, the page's counterpart of ``api_errors.py``.

Services raise ``DomainError`` (a business rule, perhaps naming a field) or Django's
``ValidationError`` (from ``full_clean``); a page shows either beside the field it names, or
above the form when the form has no such field, instead of answering 500.
"""

from django import forms
from django.core.exceptions import ValidationError

from vendorscore.exceptions import DomainError


def form_add_service_error(form: forms.BaseForm, error: DomainError | ValidationError) -> None:
    """Add ``error`` to ``form``: per field when the error names fields the form has, else as a form error."""
    if isinstance(error, DomainError):
        form.add_error(_field_of(form, error.field), error.message)
    elif hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(_field_of(form, field), messages)
    else:
        form.add_error(None, error.messages)


def _field_of(form: forms.BaseForm, name: str | None) -> str | None:
    return name if name in form.fields else None
