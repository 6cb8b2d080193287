"""The monthly performance report PDF, drawn by the reports app's WeasyPrint pipeline.

Two copies: the buyer's shows every KPI with the batches behind it, the vendor's
responses and the leads' recorded overrides; the vendor's copy leaves the overrides out
(they are the buyer's internal decisions) and lists only published periods in its history.
Every number in it is the vendor's own delivery record, which vendors may read.
"""

from django.utils import timezone

from performance import selectors
from performance.models import PeriodScorecard
from reports import pdf

HISTORY_MONTHS = 6


def report_context(*, scorecard: PeriodScorecard, audience: str) -> dict:
    history = PeriodScorecard.objects.filter(vendor=scorecard.vendor, period_start__lte=scorecard.period_start).exclude(
        period__contains="Q"
    )
    if audience != "buyer":
        history = history.filter(published_at__isnull=False)
    return {
        "scorecard": scorecard,
        "vendor": scorecard.vendor,
        "audience": audience,
        "rows": selectors.kpi_rows(scorecard),
        "history": list(reversed(history.order_by("-period_start")[:HISTORY_MONTHS])),
        "responses": list(scorecard.responses.select_related("user")),
        "overrides": list(selectors.overrides_of(vendor=scorecard.vendor)[:10]) if audience == "buyer" else [],
        "generated_at": timezone.now(),
    }


def render_report(*, scorecard: PeriodScorecard, audience: str, paper: str = "a4") -> bytes:
    return pdf.render_pdf(
        template="performance/report.html", context=report_context(scorecard=scorecard, audience=audience), paper=paper
    )
