"""``manage.py batch_metrics FILE [--level L] [--labels L1,L2,...] [--gold GOLD_FILE] --json``.

Reads a delivery in any supported format, computes the metrics document of API.md with
the engine in ``sla/metrics``, prints it, and stores nothing. A file that fails
validation is reported by row and column, with exit status 1.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sla import ingest
from sla.metrics import LEVELS, compute_metrics


class Command(BaseCommand):
    help = "Print the metrics document of a delivery file (stores nothing)."
    # No model, URL or template is used: the system checks would import every URL conf
    # (WeasyPrint and plotly with them) and cost about a second for nothing.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--level", choices=sorted(LEVELS), default="nominal")
        parser.add_argument("--labels", help="The ordered label set, comma-separated; default: labels present.")
        parser.add_argument("--gold", type=Path, help="Gold file with item_id, label.")
        parser.add_argument("--claimed-accuracy", type=float, default=None)
        parser.add_argument("--json", action="store_true", help="Print JSON (the only output format).")
        parser.add_argument("--seed", type=int, default=0, help="Seed of the bootstrap intervals.")

    def handle(self, *args, file: Path, level: str, labels: str | None, gold: Path | None, **options):
        label_set = [label.strip() for label in labels.split(",") if label.strip()] if labels else None
        numeric = level != "nominal"  # "00" is the label "0" at an ordered level
        delivery = _read(ingest.read_delivery, file, labels=label_set, numeric_labels=numeric)
        gold_frame = _read(ingest.read_gold, gold, labels=label_set, numeric_labels=numeric).frame if gold else None
        try:
            document = compute_metrics(
                delivery.frame,
                level=level,
                labels=label_set,
                gold=gold_frame,
                claimed_accuracy=options["claimed_accuracy"],
                seed=options["seed"],
            )
        except ValueError as error:
            raise CommandError(f"{file.name}: {error}") from error
        # Indented for a person at a terminal; compact when piped, where the C encoder writes
        # a 1M-row batch's document (every annotator, every pair) in a tenth of the time.
        self.stdout.write(json.dumps(document, indent=2 if self.stdout.isatty() else None))


def _read(reader, path: Path, **kwargs):
    if not path.is_file():
        raise CommandError(f"{path}: no such file")
    with path.open("rb") as source:
        result = reader(source, filename=path.name, **kwargs)
    if not result.ok:
        lines = [f"{e.file}: row {e.row or '-'}, column {e.column or '-'}: {e.message}" for e in result.errors]
        more = f" (first {len(result.errors)} shown)" if result.error_count > len(result.errors) else ""
        raise CommandError("\n".join([*lines, f"{path.name}: {result.error_count} problem(s){more}"]))
    return result
