"""Log filters that keep the console for what needs attention.

A 403 is the access rules working (a viewer opening an edit page), not a fault: Django logs
it as a warning with the exception's traceback, which buried the demo's console in
tracebacks. It is kept as one INFO line. kombu warns "No hostname was supplied" for the
embedded filesystem broker, which has no host by design; that one warning is dropped.
"""

import logging


class ExpectedForbidden(logging.Filter):
    """django.request: a 403 becomes one INFO line without a traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "status_code", None) == 403:
            record.levelno, record.levelname = logging.INFO, logging.getLevelName(logging.INFO)
            record.exc_info, record.exc_text = None, None
        return True


class BrokerWithoutHost(logging.Filter):
    """kombu.connection: drop the warning about a broker URL without a host (filesystem://)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("No hostname was supplied.")
