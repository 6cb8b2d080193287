"""The scorecard's history: one ``ScorecardChange`` row per change a reader may question, and weight checks.

Every service that changes a score, a weight, a criterion, a red flag, a status, a
certification or the security evidence writes its row here, in its own transaction, so
the history can never disagree with the data.
"""

from collections.abc import Iterable
from decimal import Decimal

from vendorscore.exceptions import DomainError
from vendorscore.scorecards import scoring
from vendorscore.scorecards.models import ScorecardChange


def change_record(*, user, kind: str, subject: str, old="", new="", evaluation=None, template=None, vendor=None):
    """Write one history row; the caller's transaction keeps it together with the change it records."""
    return ScorecardChange.objects.create(
        changed_by=user,
        kind=kind,
        subject=subject[:400],
        old_value=value_shown(old),
        new_value=value_shown(new),
        evaluation=evaluation,
        template=template,
        vendor=vendor,
    )


def value_shown(value) -> str:
    """A value as the history shows it, so a change from one text to an equal one is no change."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(getattr(value, "name", value))


def weights_check(weights: Iterable) -> None:
    """The scoring rule on weights (they sum to 100), as an error the form shows beside the dimensions."""
    try:
        scoring.check_weights(weights)
    except scoring.ScorecardError as exc:
        raise DomainError(str(exc), field="dimensions") from exc
