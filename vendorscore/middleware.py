"""Request guards that must run before anything reads the request body."""

from django.conf import settings
from django.http import JsonResponse
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
