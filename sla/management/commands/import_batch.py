"""``manage.py import_batch FILE --contract ID --task-type NAME [--annotator A] [--duplicates P]``: deliver a batch.

Processing runs in this process (not on a worker) so the command can show a progress bar
and exit with the outcome: 0 when the batch was stored and evaluated, 1 with the errors
printed when the file was rejected or refused.
"""

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from sla import services
from sla.constants import BatchStatus, DuplicatePolicy
from sla.models import Batch, Contract, TaskType
from vendorscore.exceptions import DomainError


class Command(BaseCommand):
    help = "Upload a delivery file as a batch of a contract, process it now, and report the result."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--contract", type=int, required=True, help="Contract id.")
        parser.add_argument("--task-type", required=True, help="Task type name (or id).")
        parser.add_argument("--reference", default="", help="The vendor's name for the delivery.")
        parser.add_argument("--claimed-accuracy", type=float, default=None)
        parser.add_argument("--remediates", type=int, default=None, help="Id of the rejected batch this corrects.")
        parser.add_argument("--due-at", type=_aware_datetime, default=None, help="When it was due (ISO 8601).")
        parser.add_argument(
            "--annotator",
            default="",
            help="The annotator of an export that names none (doccano per-user export: default the file name's stem).",
        )
        parser.add_argument(
            "--duplicates",
            choices=DuplicatePolicy.values,
            default=DuplicatePolicy.REJECT,
            help="An annotator's second answer to an item: reject the file (default), keep the first or the latest.",
        )

    def handle(self, *args, file: Path, contract: int, task_type: str, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        batch = self._receive(file, _contract(contract), _task_type(task_type), options)
        if batch.is_final:
            self.stdout.write(f"{file.name} was already delivered as batch #{batch.pk} ({batch.status}).")
        else:
            batch = self._process(batch)
        self._report(file, batch)

    def _receive(self, file: Path, contract: Contract, task_type: TaskType, options) -> Batch:
        remediates = Batch.objects.filter(pk=options["remediates"]).first() if options["remediates"] else None
        try:
            with file.open("rb") as handle:
                receipt = services.batch_receive(
                    contract=contract,
                    task_type=task_type,
                    upload=File(handle, name=file.name),
                    user=None,
                    reference=options["reference"],
                    claimed_accuracy=options["claimed_accuracy"],
                    remediates=remediates,
                    due_at=options["due_at"],
                    annotator=options["annotator"],
                    duplicates=options["duplicates"],
                    queue_processing=False,
                )
        except DomainError as error:
            raise CommandError(error.message) from error
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from error
        return receipt.upload

    def _process(self, batch: Batch) -> Batch:
        with tqdm(desc=f"batch #{batch.pk}", unit=" rows", unit_scale=True, file=self.stderr) as bar:

            def advance(rows_read: int) -> None:
                bar.update(rows_read - bar.n)

            return services.batch_ingest(batch_id=batch.pk, on_progress=advance)

    def _report(self, file: Path, batch: Batch) -> None:
        if batch.status == BatchStatus.INVALID:
            for error in batch.errors:
                self.stderr.write(
                    f"{file.name}: row {error['row'] or '-'}, column {error['column'] or '-'}: {error['message']}"
                )
            shown = len(batch.errors)
            more = f" (first {shown} shown)" if batch.error_count > shown else ""
            raise CommandError(f"batch #{batch.pk} rejected: {batch.error_count} problem(s){more}; nothing stored")
        if batch.status == BatchStatus.FAILED:
            raise CommandError(f"batch #{batch.pk} failed: {batch.failure} Nothing stored; a lead can retry it.")
        verdict = f", verdict {batch.verdict}" if batch.verdict else ""
        self.stdout.write(
            self.style.SUCCESS(
                f"batch #{batch.pk}: {batch.status}{verdict}; {batch.rows} rows, {batch.items} items, "
                f"{batch.annotators} annotators"
            )
        )


def _aware_datetime(text: str) -> dt.datetime:
    """An ISO 8601 time; without an offset it is taken as UTC."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _contract(pk: int) -> Contract:
    contract = Contract.objects.filter(pk=pk).first()
    if contract is None:
        raise CommandError(f"No contract with id {pk}.")
    return contract


def _task_type(name: str) -> TaskType:
    lookup = {"pk": int(name)} if name.isdigit() else {"name": name}
    task_type = TaskType.objects.filter(**lookup).first()
    if task_type is None:
        raise CommandError(f"No task type {name!r}.")
    return task_type
