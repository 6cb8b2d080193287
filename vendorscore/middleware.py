"""Requests no view could answer sensibly, refused before any view runs.

A NUL character in the query string reaches the database as part of a filter value, and
PostgreSQL refuses string literals containing NUL: the request would end in a 500 in
whichever view forgot to check. Refused here once, with a 400 naming the parameter.
"""

from django.http import HttpResponseBadRequest, JsonResponse


class RejectNullCharactersMiddleware:
    """Answer 400 to any request whose query parameters (names or values) contain a NUL character."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                message = f"Null characters are not allowed in the query parameter {name.replace(chr(0), '')!r}."
                if request.path.startswith("/api/"):
                    return JsonResponse({name.replace("\x00", "") or "query": [message]}, status=400)
                return HttpResponseBadRequest(message)
        return self.get_response(request)
