"""Demo of performance scorecards: Meridian's standing falls from enterprise-grade to material risk.

Meridian delivered sentiment batches from June to August before the demo's September and
October (``sla.demo``): simulated like every demo delivery, from the profile Meridian had
before it moved most sentiment work into its pre-labeling pipeline (fewer pre-labeled
items, little anchoring on the model's pre-label). Those months score high; September and
October, delivered with heavy anchoring, fail IAA and first-pass acceptance, and the
recency-weighted standing follows. Every month from June to October is then computed as
the schedule would have; August and September are published to Meridian, which appeals
September and a lead answers; the October scorecard waits for a lead. The buyer copies of
October's report go to the contract owner through the e-mail ledger. Idempotent: the
history batches are looked up by their file's sha256, scorecards by vendor and period.
"""

import pandas as pd
from django.core.files.base import ContentFile
from django.db import transaction

from performance import kpis, services
from performance.constants import ScorecardStatus
from performance.models import PeriodScorecard
from sla import demo as sla_demo
from sla import selectors as sla_selectors
from sla import services as sla_services
from sla.models import Contract, GoldLabel, TaskType
from sla.simulate import DeliverySpec, simulate_delivery
from vendorscore.models import User, Vendor

VENDOR = "Meridian Data Services"
HISTORY_MONTHS = (6, 7, 8)
MONTHS = ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10")
PUBLISHED = ("2026-08", "2026-09")
APPEAL = (
    "September's IAA shortfall comes from the new mixed-sentiment guideline, which your team "
    "changed mid-batch; we ask that the IAA KPI be scored on the old guideline for those batches."
)
ANSWER = (
    "The guideline change was waived on the breach itself (see the waiver); the KPI counts every "
    "batch as checked. We will review the pre-labeling ratio with you on the weekly call."
)


def _history_specs() -> list[tuple[DeliverySpec, str]]:
    profile = next(p for p in sla_demo.PROFILES if p.vendor == VENDOR)
    specs = []
    for month in HISTORY_MONTHS:
        for half in range(2):
            spec = DeliverySpec(
                items=1_000,
                labels=("negative", "neutral", "positive", "mixed"),
                annotators=profile.annotators,
                accuracy=0.955,
                accuracy_spread=0.015,
                anchoring=0.05,
                prelabeled_share=0.25,
                overlap=0.08,
                start=f"2026-{month:02d}-{3 + 14 * half:02d}T08:00:00Z",
                seed=7000 + 10 * month + half,
            )
            specs.append((spec, f"meridian-sentiment-2026-{month:02d}-{half + 1}.csv"))
    return specs


def demo_performance_ensure() -> dict:
    """Meridian's history, the monthly scorecards June-October, publishing, an appeal and its answer."""
    contract = Contract.objects.filter(vendor__name=VENDOR).order_by("pk").first()
    lead = User.objects.filter(role="procurement_lead").order_by("pk").first()
    if contract is None or lead is None:
        return {"batches": 0, "scorecards": 0}
    sentiment = TaskType.objects.get(name="sentiment")
    specs = _history_specs()
    _gold_extend(sentiment, [spec for spec, _ in specs])
    delivered = 0
    for spec, name in specs:
        content = sla_demo._encode(simulate_delivery(spec).annotations, "csv")
        delivered += sla_demo._deliver_one(contract, sentiment, name, content, spec, lead)
    scorecards = _scorecards(lead)
    return {"batches": delivered, "scorecards": scorecards}


def _gold_extend(task_type: TaskType, specs: list[DeliverySpec]) -> None:
    """A new gold version with the history items' true labels added, as a buyer extends its gold set."""
    current = sla_selectors.gold_set_current(task_type=task_type)
    history = pd.concat([simulate_delivery(spec).gold for spec in specs])
    if current is not None and GoldLabel.objects.filter(gold_set=current, item_id=history.iloc[0]["item_id"]).exists():
        return
    earlier = pd.DataFrame(
        list(GoldLabel.objects.filter(gold_set=current).values_list("item_id", "label")) if current else [],
        columns=["item_id", "label"],
    )
    gold = pd.concat([earlier, history], ignore_index=True)
    with transaction.atomic():
        receipt = sla_services.gold_set_receive(
            task_type=task_type,
            upload=ContentFile(sla_demo._encode(gold, "csv"), name=f"{task_type.name}-gold-with-history.csv"),
            user=None,
        )
    sla_services.gold_set_ingest(gold_set_id=receipt.upload.pk)


def _scorecards(lead) -> int:
    """Each month computed in order (a standing reads the months before it), as the schedule does."""
    for name in MONTHS:
        services.scorecards_compute_period(period=kpis.parse_period(name))
    meridian = Vendor.objects.get(name=VENDOR)
    for name in PUBLISHED:
        scorecard = PeriodScorecard.objects.get(vendor=meridian, period=name)
        if not scorecard.is_published:
            services.scorecard_publish(scorecard=scorecard, user=lead)
    september = PeriodScorecard.objects.get(vendor=meridian, period="2026-09")
    vendor_user = meridian.users.filter(role="vendor").order_by("pk").first()
    if september.status == ScorecardStatus.PUBLISHED and vendor_user is not None:
        services.scorecard_respond(scorecard=september, user=vendor_user, kind="appeal", comment=APPEAL)
        services.scorecard_respond(scorecard=september, user=lead, kind="answer", comment=ANSWER)
    services.performance_reports_send(period=kpis.parse_period("2026-10"))
    return PeriodScorecard.objects.count()
