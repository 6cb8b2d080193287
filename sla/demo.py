"""Demo data of the SLA app: task types, contracts with terms, gold sets and delivered batches.

Every delivery is simulated (``sla.simulate``) from a per-vendor quality profile, written
to a file in one of the formats vendors really send, and taken through the real intake:
received, parsed, validated, stored and evaluated. One delivery is deliberately broken so
the demo shows a rejected file with its errors. Idempotent: contracts are looked up by
title and files by their sha256, so running the demo twice stores nothing twice.

The failed batches open breaches through the real check. Every simulated delivery is
replayed on its own date (``sla.clock.replay``): received when it was delivered and checked
two hours later, so a batch delivered on 1 October has its breach opened on 1 October and
its deadline counted from there. ``_breach_story`` then plays the rest of the loop in the
same calendar: CrowdLabel redelivers its last rejected batch, corrected, on 21 October and
that breach closes as remediated, while its corrected half of the batch before leaves those
breaches partially remediated, their clock running until the sweep escalates them; a lead
waives one September breach three days after it opened; Meridian disputes an October breach
the day after it opened and a lead upholds it after the weekend, which pushes its deadline
back by the paused business time; and the escalation sweep runs at each deadline,
escalating what was not fixed in time. One batch has its QA
review sample reviewed, so its defect rate is decided by the sampling plan. Northwind's
newest self-harm delivery arrived this morning with escalated items still open, some of
them a few hours from the 24 hours the terms allow, so the hourly reminder has work.
One Meridian delivery lost its worker twice and is failed, waiting for a lead's retry.
Northwind's last three toxicity-severity deliveries (Parquet written in row groups, a
gzipped CSV and a CSV) are processed as big ones are: split into chunks (runs of row
groups; ranges of the gzip's decompressed content; ranges of the CSV), parsed one after
the other (as an eager broker runs the chunk tasks) and merged, the fan-out thresholds
lowered for them alone, so their pages say how many chunks each took.
And a Meridian vendor user uploads a gold probe: earlier items, each paired with every
label under an annotator id of its own, so that each per-annotator accuracy would name a
gold item's label. The vendor's pages withhold those figures and the leads get the alert.
"""

import datetime as dt
import gzip
import io
import json
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import override_settings
from django.utils import timezone

from sla import clock, services
from sla.constants import BatchStatus, BreachStatus, DisputeDecision
from sla.models import AWAITING_FIX, Batch, Breach, Contract, GoldSet, Notification, TaskType
from sla.simulate import DeliverySpec, simulate_delivery
from vendorscore.models import User, Vendor

TASK_TYPES = [
    {
        "name": "sentiment",
        "labels": ["negative", "neutral", "positive", "mixed"],
        "scale": "nominal",
        "complexity": "simple",
        "description": "Customer-review sentiment, one label per review.",
    },
    {
        "name": "toxicity severity",
        "labels": ["none", "mild", "moderate", "severe"],
        "scale": "ordinal",
        "complexity": "complex",
        "description": "Severity of toxic content in chat turns, ordered.",
    },
    {
        "name": "self-harm triage",
        "labels": ["safe", "concern", "urgent"],
        "scale": "nominal",
        "complexity": "safety_critical",
        "description": "Messages that may need escalation to a human responder.",
    },
]

TERMS = {
    "simple": {
        "accuracy_floor": 0.90,
        "iaa_coefficient": "fleiss_kappa",
        "iaa_min": 0.85,
        "iaa_fail_below": 0.78,
        "overlap_min": 0.05,
        "overlap_max": 0.15,
        "defect_rate_max": 0.01,
        "aql": 1.0,
        "remediation_business_days": 5,
        "service_credit_percent": 5,
    },
    "complex": {
        "accuracy_floor": 0.88,
        "iaa_coefficient": "krippendorff_alpha",
        "iaa_min": 0.80,
        "iaa_fail_below": 0.75,
        "overlap_min": 0.05,
        "overlap_max": 0.15,
        "defect_rate_max": 0.01,
        "aql": 1.0,
        "remediation_business_days": 5,
        "service_credit_percent": 8,
    },
    "safety_critical": {
        "accuracy_floor": 0.95,
        "iaa_coefficient": "fleiss_kappa",
        "iaa_min": 0.80,
        "iaa_fail_below": 0.78,
        "overlap_min": 0.10,
        "overlap_max": 0.20,
        "defect_rate_max": 0.005,
        "aql": 0.65,
        "remediation_business_days": 3,
        "escalation_hours": 24,
        "service_credit_percent": 10,
    },
}


@dataclass(frozen=True)
class VendorProfile:
    """How a vendor's workforce labels: the simulation parameters behind its batches."""

    vendor: str
    accuracy: float
    spread: float
    anchoring: float
    prelabeled_share: float
    annotators: int
    unit_price: str
    task_types: tuple[str, ...]


PROFILES = [
    VendorProfile(
        "Northwind Annotation",
        0.975,
        0.01,
        0.02,
        0.2,
        14,
        "0.1200",
        ("sentiment", "toxicity severity", "self-harm triage"),
    ),
    VendorProfile("Meridian Data Services", 0.90, 0.05, 0.35, 0.6, 40, "0.0650", ("sentiment", "toxicity severity")),
    VendorProfile("CrowdLabel Global", 0.84, 0.08, 0.10, 0.3, 120, "0.0300", ("sentiment",)),
]
BATCHES_PER_TASK = 4
FORMATS = ("csv", "jsonl", "parquet", "csv.gz")
# Portuguese public holidays of late 2026: the demo contracts count deadlines in Lisbon.
HOLIDAYS = ["2026-10-05", "2026-12-01", "2026-12-08", "2026-12-25"]
CREDIT_CAP_PERCENT = 8  # binding for CrowdLabel in September: the demo shows a capped credit
REMEDIATED = "crowdlabel-sentiment-04"
PARTLY_REMEDIATED = "crowdlabel-sentiment-03"
WAIVED = ("meridian-sentiment-01", "iaa")
REVIEWED = "northwind-sentiment-01"
# Fan out as deliveries of many megabytes would (sla.services.fanout): about 60 KiB of rows each (Parquet,
# gzipped CSV, CSV; the Parquet file only some 20 KiB compressed) in chunks of about 10 KiB, the Parquet file
# written in row groups of 150 rows, as a big file holds many groups.
FANNED_OUT = ("northwind-toxicity-severity-02", "northwind-toxicity-severity-03", "northwind-toxicity-severity-04")
FAN_OUT_SETTINGS = {"INGEST_FANOUT_BYTES": 8 * 1024, "INGEST_FANOUT_CHUNK_BYTES": 10 * 1024}
FANNED_OUT_ROWS_PER_GROUP = 150
WAIVER_REASON = (
    "The label guide for mixed sentiment changed during this batch; agreed with Meridian on the weekly call."
)
# A delivery is checked this long after it arrives (the worker's queue, in the replayed calendar).
CHECK_DELAY = dt.timedelta(hours=2)
SWEEP_DELAY = dt.timedelta(minutes=15)  # the escalation sweep runs every 15 minutes
DISPUTED = "meridian-toxicity-severity-04"
DISPUTE_REASON = (
    "The gold labels for 'moderate' follow the old severity guide; our annotators applied the one issued on 9 October."
)
DISPUTE_DECISION_NOTE = "Checked with the guideline owner: the new guide was not yet in force for this batch."


def demo_sla_ensure(*, today: dt.date | None = None) -> dict:
    """Create the demo's task types, contracts, gold sets and batches (idempotent)."""
    today = today or dt.date.today()
    task_types = {spec["name"]: _task_type(spec) for spec in TASK_TYPES}
    lead = User.objects.filter(role="procurement_lead").order_by("pk").first()
    plans = [_plan(profile, task_types, index) for index, profile in enumerate(PROFILES)]
    _gold_sets(task_types, plans)
    delivered = sum(_deliver(plan, lead, today) for plan in plans)
    delivered += _breach_story(plans, lead)
    _review_sample(lead)
    delivered += _in_flight_delivery(plans, lead, timezone.now())
    delivered += _lost_twice_delivery(plans, lead)
    delivered += _gold_probe_delivery(plans, timezone.now())
    return {"task_types": len(task_types), "contracts": len(plans), "batches": delivered}


def _task_type(spec: dict) -> TaskType:
    return TaskType.objects.filter(name=spec["name"]).first() or services.task_type_create(**spec)


@dataclass(frozen=True)
class ContractPlan:
    profile: VendorProfile
    contract: Contract
    deliveries: list  # (task type, spec, file name)


def _plan(profile: VendorProfile, task_types: dict, index: int) -> ContractPlan:
    contract = _contract(profile, task_types)
    deliveries = []
    for task_index, task_name in enumerate(profile.task_types):
        task_type = task_types[task_name]
        for number in range(BATCHES_PER_TASK):
            seed = 1000 * (index + 1) + 100 * task_index + number
            spec = DeliverySpec(
                items=1_500 if task_type.complexity == "simple" else 800,
                labels=tuple(task_type.labels),
                annotators=profile.annotators,
                accuracy=profile.accuracy - 0.015 * (number == BATCHES_PER_TASK - 1 and index == 1),
                accuracy_spread=profile.spread,
                anchoring=profile.anchoring,
                prelabeled_share=_prelabeled_share(profile, task_type, number),
                overlap=0.14 if task_type.complexity == "safety_critical" else 0.08 + 0.02 * (index == 0),
                start=f"2026-{9 + number // 2:02d}-{1 + 14 * (number % 2):02d}T08:00:00Z",
                seed=seed,
            )
            name = f"{profile.vendor.split()[0].lower()}-{task_name.replace(' ', '-')}-{number + 1:02d}"
            deliveries.append((task_type, spec, f"{name}.{FORMATS[(index + task_index + number) % len(FORMATS)]}"))
    return ContractPlan(profile, contract, deliveries)


def _prelabeled_share(profile: VendorProfile, task_type: TaskType, number: int) -> float:
    """Safety-critical work stays out of the pre-labeled queue, except in one slipped delivery."""
    if task_type.complexity == "safety_critical":
        return 0.02 if number == BATCHES_PER_TASK - 2 else 0.0
    return profile.prelabeled_share


def _contract(profile: VendorProfile, task_types: dict) -> Contract:
    vendor = Vendor.objects.get(name=profile.vendor)
    title = f"{vendor.name} labeling MSA 2026"
    contract = Contract.objects.filter(title=title).first()
    if contract is not None:
        return contract
    owner = User.objects.filter(role="procurement_lead").order_by("pk").first()
    contract = services.contract_create(
        vendor=vendor,
        title=title,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        unit_price=profile.unit_price,
        currency="USD",
        time_zone="Europe/Lisbon",
        holidays=HOLIDAYS,
        service_credit_cap_percent=CREDIT_CAP_PERCENT,
        owner=owner,
    )
    for task_name in profile.task_types:
        task_type = task_types[task_name]
        terms = dict(TERMS[task_type.complexity])
        if task_type.complexity == "safety_critical":
            terms["safety_critical_labels"] = ["urgent"]
        services.terms_create(contract=contract, task_type=task_type, effective_from=dt.date(2026, 1, 1), **terms)
    return contract


def _gold_sets(task_types: dict, plans: list[ContractPlan]) -> None:
    """One gold set per task type: the true labels of a sample of every demo delivery's items."""
    for task_type in task_types.values():
        if GoldSet.objects.filter(task_type=task_type).exists():
            continue
        specs = [spec for plan in plans for tt, spec, _ in plan.deliveries if tt == task_type]
        _, in_flight_type, in_flight_spec, _ = _in_flight(plans, timezone.now())
        specs += [in_flight_spec] if in_flight_type == task_type else []
        gold = pd.concat([simulate_delivery(spec).gold for spec in specs])
        if gold.empty:
            continue
        receipt = services.gold_set_receive(
            task_type=task_type,
            upload=ContentFile(_encode(gold, "csv"), name=f"{task_type.name}-gold.csv"),
            user=None,
        )
        services.gold_set_ingest(gold_set_id=receipt.upload.pk)


def _deliver(plan: ContractPlan, lead, today: dt.date) -> int:
    delivered = 0
    for position, (task_type, spec, name) in enumerate(plan.deliveries):
        simulated = simulate_delivery(spec)
        annotations = simulated.annotations
        if plan.profile.vendor == "Meridian Data Services" and position == 1:
            annotations = _broken(annotations)
            name = name.rsplit(".", 1)[0] + "-broken.csv"
        if name.split(".")[0] == REVIEWED:
            name, content = f"{REVIEWED}.json", _label_studio_export(simulated, spec.seed)
        else:
            rows_per_group = FANNED_OUT_ROWS_PER_GROUP if name.split(".")[0] in FANNED_OUT else None
            content = _encode(annotations, name.split(".", 1)[1], rows_per_group=rows_per_group)
        delivered += _deliver_one(plan.contract, task_type, name, content, spec, lead)
    return delivered


# Review texts for the Label Studio delivery, by true sentiment: what a QA reviewer reads.
REVIEW_PHRASES = {
    "negative": ("The {thing} broke within a week and support never replied.", "Would not buy this {thing} again."),
    "neutral": ("The {thing} arrived on the stated day.", "It is a {thing}; it does what the listing says."),
    "positive": ("Love this {thing}, it works better than described.", "Great {thing}, fast delivery, no fuss."),
    "mixed": ("The {thing} works well but the app keeps crashing.", "Nice {thing}, shame about the noisy fan."),
}
THINGS = ("kettle", "headset", "blender", "lamp", "router", "backpack", "monitor", "toaster")


def _label_studio_export(simulated, seed: int) -> bytes:
    """The delivery as Label Studio writes it: one task per item with its review text, every
    annotator's choice an annotation, the model's pre-label a prediction."""
    rng = np.random.default_rng(seed)
    rows = simulated.annotations
    users = {name: index + 1 for index, name in enumerate(sorted(rows["annotator_id"].unique()))}
    tasks = []
    for task_id, (item, ratings) in enumerate(rows.groupby("item_id", sort=False), 1):
        phrases = REVIEW_PHRASES.get(simulated.truth[item], REVIEW_PHRASES["neutral"])
        text = phrases[int(rng.integers(len(phrases)))].format(thing=THINGS[int(rng.integers(len(THINGS)))])
        first = ratings.iloc[0]
        task = {"id": task_id, "data": {"item_id": item, "text": text, "queue": first["queue"]}, "annotations": []}
        if first["prelabel"]:
            task["predictions"] = [{"model_version": "triage-2026.09", "result": [_choice(first["prelabel"])]}]
        for rating in ratings.itertuples():
            task["annotations"].append(
                {
                    "completed_by": {"id": users[rating.annotator_id], "email": rating.annotator_id},
                    "result": [_choice(rating.label)],
                    "was_cancelled": False,
                    "created_at": rating.annotated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
            )
        tasks.append(task)
    return json.dumps(tasks).encode()


def _choice(label: str) -> dict:
    return {"from_name": "sentiment", "to_name": "text", "type": "choices", "value": {"choices": [label]}}


def _broken(annotations: pd.DataFrame) -> pd.DataFrame:
    """A delivery with the mistakes vendors really make: a label outside the set, a repeat row."""
    broken = annotations.copy()
    broken.loc[41, "label"] = "very positive"
    broken.loc[97, "annotator_id"] = ""
    return pd.concat([broken, broken.iloc[[200]]], ignore_index=True)


def _deliver_one(contract, task_type, name, content: bytes, spec: DeliverySpec, user, remediates=None) -> int:
    """Receive a simulated delivery on its own date and check it two hours later, in the replayed calendar."""
    delivered_at = min(pd.Timestamp(spec.start).to_pydatetime() + dt.timedelta(hours=9), timezone.now())
    with clock.replay(delivered_at):
        receipt = services.batch_receive(
            contract=contract,
            task_type=task_type,
            upload=ContentFile(content, name=name),
            user=user,
            reference=name.split(".")[0],
            claimed_accuracy=round(min(spec.accuracy + 0.04, 0.99), 2),
            remediates=remediates,
            queue_processing=False,
        )
    if receipt.duplicate:
        return 0
    Batch.objects.filter(pk=receipt.upload.pk).update(delivered_at=delivered_at)
    with clock.replay(delivered_at + CHECK_DELAY):
        if receipt.upload.reference in FANNED_OUT:
            with override_settings(**FAN_OUT_SETTINGS):
                services.batch_ingest(batch_id=receipt.upload.pk, dispatch_chunks=_chunks_in_turn)
        else:
            services.batch_ingest(batch_id=receipt.upload.pk)
    return 1


def _chunks_in_turn(batch_id: int, chunks: int) -> None:
    """What an eager broker does with a fanned-out batch's chunk tasks: runs them in turn, the last merging."""
    for index in range(chunks):
        services.batch_chunk_ingest(batch_id=batch_id, index=index)


def _in_flight(plans: list[ContractPlan], now: dt.datetime) -> tuple[Contract, TaskType, DeliverySpec, str]:
    """Northwind's fifth self-harm batch: labeled 20 to 12 hours before ``now``, some escalations still open."""
    plan = next(plan for plan in plans if plan.profile.vendor == "Northwind Annotation")
    task_type, spec, name = next(delivery for delivery in reversed(plan.deliveries) if "self-harm" in delivery[2])
    reference = name.split(".")[0].rsplit("-", 1)[0] + f"-{BATCHES_PER_TASK + 1:02d}"
    spec = replace(
        spec,
        start=(now - dt.timedelta(hours=20)).replace(minute=0, second=0, microsecond=0).isoformat(),
        seed=spec.seed + 1,
        escalation_share=0.03,
        escalation_resolution_hours=5,
        escalation_unresolved_share=0.4,
    )
    return plan.contract, task_type, spec, reference


def _in_flight_delivery(plans: list[ContractPlan], lead, now: dt.datetime) -> int:
    """Deliver the in-flight batch, 11 hours ago, once.

    Its timestamps follow the clock, so it is looked up by reference: a second run the same
    or another day leaves the one already delivered in place.
    """
    contract, task_type, spec, reference = _in_flight(plans, now)
    if Batch.objects.filter(contract=contract, reference=reference).exists():
        return 0
    content = _encode(simulate_delivery(spec).annotations, "csv")
    return _deliver_one(contract, task_type, f"{reference}.csv", content, spec, lead)


def _lost_twice_delivery(plans: list[ContractPlan], lead) -> int:
    """A delivery whose worker was lost twice (killed mid-file, as by the OOM killer): failed, for a lead's retry.

    It is received as any other; the two lost attempts leave it as a crashed worker would
    (still processing, its starts counted), and the next start meets the real poison rule.
    """
    plan = next(plan for plan in plans if plan.profile.vendor == "Meridian Data Services")
    task_type, spec, name = plan.deliveries[-1]
    spec = replace(spec, seed=spec.seed + 100)
    reference = name.split(".")[0].rsplit("-", 1)[0] + f"-{BATCHES_PER_TASK + 1:02d}"
    if Batch.objects.filter(contract=plan.contract, reference=reference).exists():
        return 0
    batch = services.batch_receive(
        contract=plan.contract,
        task_type=task_type,
        upload=ContentFile(_encode(simulate_delivery(spec).annotations, "csv"), name=f"{reference}.csv"),
        user=lead,
        reference=reference,
        queue_processing=False,
    ).upload
    lost = timezone.now() - dt.timedelta(minutes=20)
    Batch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.PROCESSING, attempts=settings.INGEST_MAX_ATTEMPTS, started_at=lost
    )
    services.batch_ingest(batch_id=batch.pk)
    return 1


PROBE_ITEMS = 40


def _gold_probe_delivery(plans: list[ContractPlan], now: dt.datetime) -> int:
    """Meridian's vendor user sends a probe, this morning, once (looked up by reference, as the in-flight one).

    The items are the first of Meridian's last delivery, some of them gold; every
    (item, label) pair is a row of its own annotator, the shape ``visibility.probe_signals``
    recognises.
    """
    plan = next(plan for plan in plans if plan.profile.vendor == "Meridian Data Services")
    vendor_user = User.objects.filter(role="vendor", vendor__name=plan.profile.vendor).order_by("pk").first()
    task_type, spec, name = plan.deliveries[-1]
    reference = name.split(".")[0].rsplit("-", 1)[0] + "-probe"
    if vendor_user is None or Batch.objects.filter(contract=plan.contract, reference=reference).exists():
        return 0
    items = simulate_delivery(spec).annotations["item_id"].drop_duplicates().head(PROBE_ITEMS)
    pairs = pd.MultiIndex.from_product([items, task_type.labels], names=["item_id", "label"]).to_frame(index=False)
    start = (now - dt.timedelta(hours=6)).replace(minute=0, second=0, microsecond=0)
    probe = pairs.assign(
        annotator_id=[f"{plan.profile.vendor.split()[0].lower()}-{n:04d}" for n in range(len(pairs))],
        annotated_at=pd.Timestamp(start) + pd.to_timedelta(np.arange(len(pairs)), unit="s"),
    )[["item_id", "annotator_id", "label", "annotated_at"]]
    spec = replace(spec, start=start.isoformat())
    return _deliver_one(plan.contract, task_type, f"{reference}.csv", _encode(probe, "csv"), spec, vendor_user)


def _breach_story(plans: list[ContractPlan], lead) -> int:
    """Remediated, waived, disputed and escalated breaches, each on its own date (see the module docstring)."""
    delivered = _redeliver_corrected(plans, lead)
    reference, term = WAIVED
    waived = Breach.objects.filter(batch__reference=reference, term=term, status=BreachStatus.OPEN).first()
    if waived is not None and lead is not None:
        with clock.replay(waived.opened_at + dt.timedelta(days=3)):
            services.breach_waive(breach=waived, user=lead, reason=WAIVER_REASON)
    _dispute(lead)
    _escalate_on_time()
    return delivered


def _dispute(lead) -> None:
    """Meridian contests an October breach the next day; a lead upholds it after the weekend."""
    breach = (
        Breach.objects.filter(batch__reference=DISPUTED, status=BreachStatus.OPEN, dispute_reason="")
        .order_by("pk")
        .first()
    )
    vendor_user = User.objects.filter(role="vendor", vendor__name="Meridian Data Services").order_by("pk").first()
    if breach is None or vendor_user is None or lead is None:
        return
    with clock.replay(breach.opened_at + dt.timedelta(days=1)):
        services.breach_dispute(breach=breach, user=vendor_user, reason=DISPUTE_REASON)
    with clock.replay(breach.opened_at + dt.timedelta(days=5)):
        services.breach_decide(breach=breach, user=lead, decision=DisputeDecision.UPHELD, note=DISPUTE_DECISION_NOTE)


def _escalate_on_time() -> None:
    """Run the escalation sweep just after each deadline that passed unremediated, oldest first, up to now."""
    now = timezone.now()
    while True:
        due = (
            Breach.objects.filter(AWAITING_FIX, remediation_due__lt=now)
            .order_by("remediation_due")
            .values_list("remediation_due", flat=True)
            .first()
        )
        if due is None:
            return
        with clock.replay(min(due + SWEEP_DELAY, now)):
            services.breaches_escalate_overdue()


def _redeliver_corrected(plans: list[ContractPlan], lead) -> int:
    """CrowdLabel's corrected redeliveries: all items of its last rejected sentiment batch (remediated), and
    half of the one before (partially remediated: its clock keeps running, and it is escalated at its deadline)."""
    delivered = _redeliver(plans, lead, REMEDIATED, "2026-10-21T08:00:00Z", share=1.0)
    return delivered + _redeliver(plans, lead, PARTLY_REMEDIATED, "2026-10-07T08:00:00Z", share=0.5)


def _redeliver(plans: list[ContractPlan], lead, reference: str, start: str, *, share: float) -> int:
    """The failed batch's first ``share`` of items again, labeled by careful annotators, naming it as remediated."""
    for plan in plans:
        for task_type, spec, name in plan.deliveries:
            if not name.startswith(reference + "."):
                continue
            rejected = Batch.objects.filter(contract=plan.contract, reference=reference, verdict="rejected").first()
            if rejected is None:
                return 0
            corrected = replace(spec, accuracy=0.975, accuracy_spread=0.01, annotators=14, start=start)
            rows = simulate_delivery(corrected).annotations
            kept = sorted(rows["item_id"].unique())[: round(share * spec.items)]
            content = _encode(rows[rows["item_id"].isin(kept)], "csv")
            return _deliver_one(
                plan.contract, task_type, f"{reference}-fix.csv", content, corrected, lead, remediates=rejected
            )
    return 0


def _review_sample(lead) -> None:
    """Northwind's first sentiment batch with its QA sample reviewed: two defects, accepted by the plan."""
    batch = Batch.objects.filter(reference=REVIEWED).select_related("qa_sample").first()
    sample = getattr(batch, "qa_sample", None)
    if sample is None or lead is None:
        return
    verdicts = pd.DataFrame({"item_id": sample.items, "reviewer": "analyst", "verdict": "ok", "defect_type": ""})
    verdicts.loc[[3, 17], ["verdict", "defect_type"]] = ["defect", "wrong_label"]
    upload = ContentFile(_encode(verdicts, "csv"), name=f"{REVIEWED}-qa-review.csv")
    services.qa_reviews_receive(batch=batch, upload=upload, user=lead)


def _encode(frame: pd.DataFrame, kind: str, *, rows_per_group: int | None = None) -> bytes:
    """The rows as a file of that kind; Parquet in row groups of ``rows_per_group`` rows (default: one group)."""
    if kind == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False, row_group_size=rows_per_group)
        return buffer.getvalue()
    if kind == "jsonl":
        records = frame.assign(annotated_at=frame["annotated_at"].astype(str)) if "annotated_at" in frame else frame
        return "\n".join(json.dumps(record) for record in records.to_dict("records")).encode() + b"\n"
    text = frame.to_csv(index=False, date_format="%Y-%m-%dT%H:%M:%SZ").encode()
    if kind == "csv.gz":
        return gzip.compress(text, mtime=0)
    return text


def demo_notifications_send() -> int:
    """Send the demo breaches' notices now, so ``make demo`` leaves real messages under ``var/mail/``.

    The ledger keys them by breach and recipient: a second run finds every row sent and
    writes nothing, and the worker that later picks up the queued send tasks does nothing
    either. A send that fails stays pending for the worker. Returns how many went out.
    """
    for breach in Breach.objects.order_by("pk"):
        services.breach_opened_notify(breach_id=breach.pk)
        if breach.status == BreachStatus.ESCALATED:
            services.breach_escalated_notify(breach_id=breach.pk)
    services.escalation_reminders_enqueue()
    sent = 0
    for pk in Notification.objects.exclude(status=Notification.Status.SENT).values_list("pk", flat=True):
        try:
            sent += services.notification_send(notification_id=pk)
        except services.NotificationNotSent:
            continue
    return sent
