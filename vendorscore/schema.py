"""OpenAPI schema post-processing: the error answers every operation can give, documented once.

API.md promises 400 (invalid input, with field errors), 401 (no or bad credentials), 403
(the role may not), 404 (not found, or outside the caller's vendor) and, on the token
endpoint, 429 (throttled). drf-spectacular documents only the success answer of most
operations; this hook adds the others to each operation that does not say otherwise, so
clients (and schemathesis in CI) can rely on the schema for every status the server sends.
"""

ERRORS = {
    "400": "Invalid input: a field name maps to the list of its errors.",
    "401": "No credentials, or credentials that are not valid.",
    "403": "The caller's role may not make this request.",
    "404": "No such object, or one outside the caller's vendor; also a page past the last.",
}
THROTTLED = {"429": "Too many requests: wait the seconds in Retry-After."}
THROTTLED_PATHS = ("/api/v1/auth/token/",)
ERROR_BODY = {"type": "object", "additionalProperties": True}
# A day, or nothing: the list pages' filter forms send every field, the empty ones as "" (no filter),
# so the schema says so rather than promising a date that an empty value is not.
DATE_OR_BLANK = {"type": "string", "anyOf": [{"format": "date"}, {"maxLength": 0}]}


def add_error_responses(result, generator, request, public):
    """Add the documented error answers to each operation (``POSTPROCESSING_HOOKS``)."""
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            answers = {**ERRORS, **(THROTTLED if path in THROTTLED_PATHS else {})}
            for status, description in answers.items():
                operation["responses"].setdefault(status, {"description": description})
    return result
