"""Request guards that run before any view: requests no view could answer sensibly are refused once, here.

- An upload larger than the limit is answered 413 before its body is read.
- A NUL character in the query string would reach the database as part of a filter value, and
  PostgreSQL refuses string literals containing NUL: the request would end in a 500 in whichever
  view forgot to check. It is answered 400, naming the parameter.
"""

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import render

from sla.ingest.limits import upload_too_large

# Room for the multipart envelope and the form's other fields around the file itself.
MULTIPART_ALLOWANCE = 64 * 1024


class UploadSizeLimitMiddleware:
    """Answer 413 to a request whose declared body exceeds the upload limit, without reading it.

    Nothing is received, stored or queued: the check is on ``Content-Length`` (a WSGI
    server hands Django no body without it). The services check each file's exact size
    again, for a file just under the allowance.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            size = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            size = 0
        if size <= settings.MAX_UPLOAD_BYTES + MULTIPART_ALLOWANCE:
            return self.get_response(request)
        message = upload_too_large(size, settings.MAX_UPLOAD_BYTES, what="The upload")
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": message}, status=413)
        return render(request, "413.html", {"message": message}, status=413)


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
