"""A batch's headline measures, kept in columns of the batch beside its metrics document.

Lists, charts and the dashboard need only accuracy and the agreement coefficient a
contract's terms name, with their intervals; decoding each batch's whole metrics document
(hundreds of annotators, every pair) to read them cost the dashboard half a second at
5,000 batches (issue 20). ``Batch.save`` copies them from the document, so they can never
disagree with it; pages read ``Batch.headline(name)``, shaped like the document's measure.
"""

from __future__ import annotations

from sla.constants import IAACoefficient

# The measures with columns: accuracy, and every coefficient a contract's terms may choose.
HEADLINE_MEASURES = ("accuracy", *IAACoefficient.values)


def headline_measure(document: dict | None, name: str) -> dict | None:
    """The measure ``name`` of a metrics document (accuracy at the top, coefficients under agreement)."""
    document = document or {}
    found = document.get("accuracy") if name == "accuracy" else (document.get("agreement") or {}).get(name)
    return found or None


def headline_columns(document: dict | None) -> dict[str, float | None]:
    """``{column: value}`` for every headline column: ``<measure>``, ``<measure>_low``, ``<measure>_high``."""
    columns = {}
    for name in HEADLINE_MEASURES:
        measure = headline_measure(document, name) or {}
        low, high = measure.get("ci95") or (None, None)
        columns.update({name: measure.get("value"), f"{name}_low": low, f"{name}_high": high})
    return columns


HEADLINE_COLUMNS = tuple(headline_columns(None))
