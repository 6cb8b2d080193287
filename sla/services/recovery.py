"""No lost or stuck work: the periodic sweep, and a lead's retry of a failed upload.

Processing runs on workers reached through a broker, and either can fail: the broker is
down when an upload is queued, a worker is killed mid-file, a message is lost. The upload
row in the database is the record of what is owed, so the sweep reads it: an upload still
``received`` whose task never reached the broker (or was queued long ago and never
started) is queued again, and one still ``processing`` long after its last start, when
neither the task's time limit nor the broker's redelivery can still finish it, is failed.
The files of refused (invalid) uploads are deleted once their retention has passed.
A duplicate task is harmless: processing guards on status.

How long "long" is follows from the Celery settings (README, "Lost and stuck work"):
``SWEEP_STUCK_AFTER`` exceeds the visibility timeout plus the hard time limit, so a
redelivery has had its chance before the sweep gives up.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sla.constants import UploadStatus
from sla.models import Batch, GoldSet, QAReviewSet
from sla.services.breaches import remediation_received, remediation_resolve
from sla.services.fanout import batch_chunks_discard
from sla.services.intake import upload_enqueue, upload_fail
from sla.timefmt import local_datetime
from vendorscore.exceptions import DomainError
from vendorscore.permissions import LEADS, has_role

SWEEP_EVERY = 5 * 60  # seconds between sweeps: the schedule of migration 0013


@dataclass(frozen=True)
class Sweep:
    """What one sweep did: uploads queued again, uploads failed, refused files deleted, by ``str``."""

    requeued: list[str]
    failed: list[str]
    purged: list[str]


def uploads_sweep(*, now: dt.datetime | None = None) -> Sweep:
    """Queue again what never reached a worker; fail what a worker started and never finished."""
    now = now or timezone.now()
    requeue_before = now - dt.timedelta(seconds=settings.SWEEP_REQUEUE_AFTER)
    stuck_before = now - dt.timedelta(seconds=settings.SWEEP_STUCK_AFTER)
    requeued, failed = [], []
    for model in (Batch, GoldSet):
        never_queued = Q(queued_at__isnull=True, uploaded_at__lt=requeue_before)
        lost = Q(queued_at__lt=stuck_before)
        for upload in model.objects.filter(never_queued | lost, status=UploadStatus.RECEIVED):
            with transaction.atomic():
                upload_enqueue(upload)
            requeued.append(str(upload))
        for pk in model.objects.filter(status=UploadStatus.PROCESSING, started_at__lt=stuck_before).values_list(
            "pk", flat=True
        ):
            if _fail_stuck(model, pk, stuck_before):
                failed.append(f"{model.__name__} {pk}")
    return Sweep(requeued=requeued, failed=failed, purged=_refused_files_delete(now=now))


def _refused_files_delete(*, now: dt.datetime) -> list[str]:
    """Delete the stored files of uploads refused as invalid more than ``REFUSED_FILE_RETENTION_DAYS`` ago.

    An invalid file is never read again (it is not retried: the vendor sends a corrected
    one). What an audit needs stays on the row: who sent which file (name, size, sha256)
    when, and every problem found in it.
    """
    kept_since = now - dt.timedelta(days=settings.REFUSED_FILE_RETENTION_DAYS)
    purged = []
    for model in (Batch, GoldSet, QAReviewSet):
        for upload in model.objects.filter(status=UploadStatus.INVALID, processed_at__lt=kept_since).exclude(file=""):
            upload.file.delete(save=False)
            model.objects.filter(pk=upload.pk).update(file="")
            purged.append(str(upload))
    return purged


def _fail_stuck(model, pk: int, stuck_before: dt.datetime) -> bool:
    """Fail one stuck upload, read again under a lock: it may have finished since it was listed."""
    with transaction.atomic():
        upload = model.objects.select_for_update(of=("self",)).filter(
            pk=pk, status=UploadStatus.PROCESSING, started_at__lt=stuck_before
        )
        upload = upload.first()
        if upload is None:
            return False
        started = local_datetime(upload.started_at, _zone(upload))
        minutes = settings.SWEEP_STUCK_AFTER // 60
        upload_fail(
            upload, f"Processing started at {started} and did not finish within {minutes} minutes: the worker was lost."
        )
        if model is Batch:
            batch_chunks_discard(batch=upload)
    if model is Batch:
        remediation_resolve(batch=upload)
    return True


def upload_retry(*, upload: Batch | GoldSet, user) -> Batch | GoldSet:
    """A procurement lead sends a failed upload back to the workers, from scratch.

    A failed remediation batch gave its breaches back to the clock; retried, it claims
    them again, as a delivery of the fix does.
    """
    if not has_role(user, LEADS):
        raise PermissionDenied("Only a procurement lead may retry a failed upload.")
    with transaction.atomic():
        upload = type(upload).objects.select_for_update(of=("self",)).get(pk=upload.pk)
        if upload.status != UploadStatus.FAILED:
            raise DomainError(f"{upload} is {upload.get_status_display().lower()}; only a failed upload is retried.")
        upload.status = UploadStatus.RECEIVED
        upload.attempts = 0
        upload.failure = ""
        upload.queued_at = upload.started_at = upload.processed_at = None
        fields = ["status", "attempts", "failure", "queued_at", "started_at", "processed_at"]
        if isinstance(upload, Batch):
            batch_chunks_discard(batch=upload)
            upload.chunks_total = upload.chunks_done = 0
            fields += ["chunks_total", "chunks_done"]
        upload.save(update_fields=fields)
        if isinstance(upload, Batch):
            remediation_received(batch=upload)
        upload_enqueue(upload)
    return upload


def _zone(upload: Batch | GoldSet) -> str:
    """The zone a person reads the upload's times in: its contract's, or the site's for gold sets."""
    return upload.contract.time_zone if isinstance(upload, Batch) else settings.TIME_ZONE


def upload_wait_note(upload: Batch | GoldSet, *, now: dt.datetime | None = None) -> str:
    """What an unfinished upload is waiting for, in the words of the rules above, for its page.

    Read-only; it lives here because it states the sweep's and the broker's deadlines.
    """
    now = now or timezone.now()
    zone = _zone(upload)

    def at(seconds: int) -> str:
        return local_datetime(start + dt.timedelta(seconds=seconds), zone)

    if upload.status == UploadStatus.RECEIVED:
        if upload.failure:
            return upload.failure
        start = upload.uploaded_at
        if upload.queued_at is None and start < now - dt.timedelta(seconds=30):
            due = at(settings.SWEEP_REQUEUE_AFTER + SWEEP_EVERY)
            return f"The task queue was unavailable when the file arrived; it will be queued again by {due}."
        return ""
    if upload.status != UploadStatus.PROCESSING or upload.started_at is None:
        return ""
    start = upload.started_at
    if start < now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT):
        return (
            f"The worker processing this file stopped (attempt {upload.attempts} of {settings.INGEST_MAX_ATTEMPTS}). "
            f"It waits for a retry by another worker, due by {at(settings.CELERY_VISIBILITY_TIMEOUT)}; if none "
            f"finishes it, it is marked failed by {at(settings.SWEEP_STUCK_AFTER + SWEEP_EVERY)}."
        )
    if upload.attempts > 1:
        return (
            f"Attempt {upload.attempts} of {settings.INGEST_MAX_ATTEMPTS}: the previous worker stopped while reading "
            "this file."
        )
    return ""
