"""The console shows what needs attention: an expected 403 is one INFO line, never a traceback."""

import logging

from vendorscore.constants import Role


def test_a_forbidden_page_logs_one_info_line_without_a_traceback(client, users, caplog):
    client.force_login(users[Role.VIEWER])
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert client.get("/contracts/new/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].levelno == logging.INFO and records[0].exc_info is None
    assert "Forbidden" in records[0].getMessage()


def test_a_server_error_still_logs_its_traceback():
    from vendorscore.logs import ExpectedForbidden

    record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "Internal Server Error", (), None)
    record.status_code, record.exc_info = 500, (ValueError, ValueError("boom"), None)
    assert ExpectedForbidden().filter(record)
    assert record.levelno == logging.ERROR and record.exc_info is not None
