"""The data of each report, as plain JSON-able dicts, read through the apps' own selectors.

Plain data rather than model instances for two reasons: the PDF cache is keyed by a hash
of exactly this data (same numbers, same PDF, rendered once), and what the vendor-facing
variant leaves out is decided here, once, by not putting it in the dict at all, so no
template can show it by mistake.

Vendor audience: who reads the vendor's copy is the SLA app's rule (``sla.selectors.sees_vendor_copy``),
and its gold-derived figures follow the one vendor rule of ``sla/visibility.py``, reached
through ``sla.selectors.batch_metrics_visible``, ``batch_findings_visible`` and
``findings_visible`` as the pages and the API reach it (no confusion matrix, gold support or
wrong labels; thin gold figures withheld). Besides, the check history (who re-ran it and
why), the buyer's notes on the vendor and the internal scorecard are left out of the
vendor's copy. The SLA app's tables are read only through its selectors; vendors through
the vendors app's, with the same scoping as their pages.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.http import Http404
from django.utils import timezone

from reports import figures
from reports.constants import AUDIENCE_BUYER, AUDIENCE_VENDOR, REPORT_ROWS_LISTED
from reports.models import ReportJob
from sla import credits, formatting
from sla import selectors as sla_selectors
from sla.constants import UNRESOLVED_BREACH_STATUSES, BatchStatus
from sla.visibility import is_outlier
from vendorscore import selectors as vendor_selectors
from vendorscore.models import Vendor
from vendorscore.scorecards import selectors as scorecard_selectors

if TYPE_CHECKING:  # annotations only: reports reads sla through its selectors
    from sla.models import Batch, Contract, ContractTerms


def audience_of(user) -> str:
    """The copy a user reads by default: the vendor's for whoever the SLA app shows the vendor copy."""
    return AUDIENCE_VENDOR if sla_selectors.sees_vendor_copy(user) else AUDIENCE_BUYER


def _vendor_copy(audience: str) -> bool:
    """Whether a report is the vendor's copy: gold figures under the vendor rule, buyer internals left out."""
    return audience == AUDIENCE_VENDOR


def _measure(m: dict | None) -> dict | None:
    if not m:
        return None
    low, high = m.get("ci95") or (None, None)
    return {
        "value": m.get("value"),
        "low": low,
        "high": high,
        "n": m.get("n", 0),
        "note": m.get("note", ""),
        "withheld": bool(m.get("withheld")),
    }


# Batch report ------------------------------------------------------------------------------


def batch_report(*, batch: Batch, audience: str) -> dict:
    """Everything the batch report shows; the vendor audience gets the vendor rule's figures only."""
    vendor_copy = _vendor_copy(audience)
    metrics = sla_selectors.batch_metrics_visible(batch=batch, vendor_copy=vendor_copy) or {}
    terms = batch.terms_version
    iaa = terms.iaa_coefficient if terms else "fleiss_kappa"
    data = {
        "audience": audience,
        "batch": {
            "id": batch.pk,
            "reference": batch.reference,
            "vendor": batch.contract.vendor.name,
            "contract": batch.contract.title,
            "task_type": batch.task_type.name,
            "time_zone": batch.contract.time_zone,
            "delivered_at": batch.delivered_at,
            "original_name": batch.original_name,
            "sha256": batch.sha256,
            "status": batch.get_status_display(),
            "verdict": batch.verdict,
            "verdict_label": batch.get_verdict_display() if batch.verdict else "not checked",
            "rows": batch.rows,
            "items": batch.items,
            "annotators": batch.annotators,
            "claimed_accuracy": batch.claimed_accuracy,
            "remediates": batch.remediates_id,
            "redelivered_items": batch.redelivered_items,
            "invoiced_items": batch.invoiced_items,
            "remediation_coverage": batch.remediation_coverage,
        },
        "terms": _terms(terms),
        "findings": [_finding(f) for f in sla_selectors.batch_findings_visible(batch=batch, vendor_copy=vendor_copy)],
        "breaches": breaches_of(batch=batch),
        "measures": _headline_measures(metrics),
        "overlap_rate": metrics.get("overlap_rate"),
        "queues": _queues(metrics, iaa),
        "annotators": _annotators(metrics),
        "labels": [
            {k: row[k] for k in ("label", "precision", "recall", "f1", "support", "note") if k in row}
            for row in metrics.get("by_label", [])
        ],
        "gold_rule": sla_selectors.vendor_gold_rule() if vendor_copy else "",
        "denominator": _denominator_check(metrics, batch.claimed_accuracy),
        "anchoring": _anchoring(metrics.get("anchoring")),
        "warnings": [w.get("message", "") for w in metrics.get("warnings", [])],
        "confusion": metrics.get("confusion_matrix"),
        "error_concentration": metrics.get("error_concentration"),
    }
    if not vendor_copy:
        data["history"] = [
            {"verdict": run.verdict, "ran_at": run.ran_at, "reason": run.reason, "current": run.is_current}
            for run in sla_selectors.batch_check_history(batch=batch)
        ]
    return data


def _terms(terms: ContractTerms | None) -> dict | None:
    if terms is None:
        return None
    return {
        "id": terms.pk,
        "effective_from": terms.effective_from,
        "decision_rule": terms.get_decision_rule_display(),
        "iaa_coefficient": terms.get_iaa_coefficient_display(),
        "accuracy_floor": terms.accuracy_floor,
        "defect_rate_max": terms.defect_rate_max,
        "aql": terms.aql,
    }


def _finding(finding) -> dict:
    unit = formatting.finding_unit(finding.term, finding.extra)
    return {
        "term": formatting.finding_title(finding.term, finding.extra),
        "verdict": finding.verdict,
        "verdict_name": formatting.verdict_name(finding.verdict),
        "measured_text": formatting.value(finding.measured, unit, term=finding.term),
        "threshold_text": formatting.finding_threshold(finding.term, finding.threshold, finding.extra),
        "interval_text": formatting.interval(finding.ci_low, finding.ci_high, unit, term=finding.term),
        "measured": finding.measured,
        "threshold": finding.threshold,
        "low": finding.ci_low,
        "high": finding.ci_high,
        "n": finding.n,
        "detail": finding.detail,
    }


def _headline_measures(metrics: dict) -> list[dict]:
    return [
        {"label": m["label"], "unit": m["unit"], **_measure(m["measure"])} for m in figures.headline_measures(metrics)
    ]


def _queues(metrics: dict, iaa: str) -> list[dict]:
    return [
        {
            "queue": name,
            "rows": section.get("rows", 0),
            "items": section.get("items", 0),
            "annotators": section.get("annotators", 0),
            "accuracy": _measure(section.get("accuracy")),
            "iaa": _measure((section.get("agreement") or {}).get(iaa)),
            "note": section.get("note", ""),
        }
        for name, section in (metrics.get("by_queue") or {}).items()
    ]


def _annotators(metrics: dict) -> list[dict]:
    """Per annotator, with outliers: enough gold annotations and an interval wholly below the batch's accuracy."""
    batch_accuracy = (metrics.get("accuracy") or {}).get("value")
    rows = []
    for entry in metrics.get("by_annotator", []):
        accuracy = _measure(entry.get("accuracy"))
        outlier = is_outlier(entry.get("accuracy"), batch_accuracy)
        row = {
            "annotator": entry["annotator"],
            "rows": entry.get("rows", 0),
            "accuracy": accuracy,
            "agreement": _measure(entry.get("agreement")),
            "outlier": outlier,
        }
        if "wrong_labels" in entry:
            row["wrong_labels"] = entry["wrong_labels"]
        rows.append(row)
    return rows


def _denominator_check(metrics: dict, claimed: float | None) -> dict | None:
    """Which denominator a claimed accuracy holds on: the whole batch, or only the easy pre-labeled queue.

    A vendor's headline accuracy is often measured on the pre-labeled verification queue,
    where annotators confirm a model's label; the full-annotation queue is the real work.
    """
    if claimed is None:
        return None
    scopes = [("whole batch", metrics.get("accuracy"))]
    scopes += [(f"{name} queue", section.get("accuracy")) for name, section in (metrics.get("by_queue") or {}).items()]
    rows = []
    for scope, m in scopes:
        m = _measure(m)
        if not m or m["value"] is None:
            rows.append({"scope": scope, "measured": None, "gap": None, "holds": None})
            continue
        holds = None if m["low"] is None else m["low"] <= claimed <= m["high"]
        rows.append({"scope": scope, **m, "measured": m["value"], "gap": claimed - m["value"], "holds": holds})
    if all(r["measured"] is None for r in rows):
        return None
    holding = [r["scope"] for r in rows if r["holds"]]
    failing = [r["scope"] for r in rows if r["holds"] is False]
    if not failing:
        summary = "The claimed accuracy is consistent with every measured denominator."
    elif holding:
        summary = f"The claim holds only on: {', '.join(holding)}; not on: {', '.join(failing)}."
    else:
        summary = "The claimed accuracy lies outside the 95% interval of every measured denominator."
    return {"claimed": claimed, "rows": rows, "summary": summary, "warn": bool(failing)}


def _anchoring(anchoring: dict | None) -> dict | None:
    if not anchoring:
        return None
    difference = _measure(anchoring.get("difference"))
    if difference is None or difference["value"] is None:
        reading = difference["note"] if difference else "not computed"
    elif difference["low"] is not None and difference["low"] > 0:
        reading = "Annotators keep wrong pre-labels more often than they err on right ones: anchoring."
    else:
        reading = "No sign of anchoring: kept wrong pre-labels are not above the baseline error."
    return {
        "with_prelabel": anchoring.get("annotations_with_prelabel", 0),
        "kept_wrong": _measure(anchoring.get("kept_wrong_prelabel")),
        "baseline": _measure(anchoring.get("error_rate_prelabel_right")),
        "difference": difference,
        "reading": reading,
    }


# Vendor report -----------------------------------------------------------------------------


def vendor_report(
    *, vendor: Vendor, user, audience: str = AUDIENCE_BUYER, start: dt.date | None = None, end: dt.date | None = None
) -> dict:
    """The buyer's dossier on one vendor: scorecard, certifications, SLA compliance, batches, breaches.

    The vendor's copy leaves out the buyer's notes, the internal scorecard and the security
    evidence judged for it, and shows gold-derived figures under the vendor rule. ``start`` and
    ``end`` (delivery days, both included, in each contract's zone) limit the batches, compliance
    trends and breaches to a period; the scorecard and certifications are the vendor's current
    ones whatever the period.
    """
    vendor_copy = _vendor_copy(audience)
    contracts = list(sla_selectors.contract_list(user=user).filter(vendor=vendor).order_by("start_date"))
    batches = sla_selectors.vendor_batches_delivered(vendor=vendor, user=user, start=start, end=end).select_related(
        "terms_version"
    )
    batches = list(_with_report_metrics(batches).order_by("delivered_at", "pk"))
    for batch in batches:
        batch.metrics = _report_metrics(batch)
        batch.metrics = sla_selectors.batch_metrics_visible(batch=batch, vendor_copy=vendor_copy)
    evaluated = [b for b in batches if b.status == BatchStatus.EVALUATED]
    delivered = [b.delivered_at for b in batches]
    in_period = {b.pk for b in batches}
    data = {
        "audience": audience,
        "vendor": {
            "id": vendor.pk,
            "name": vendor.name,
            "workforce_model": vendor.get_workforce_model_display(),
            "status": vendor.get_status_display(),
            "country": vendor.country,
            "notes": "" if vendor_copy else vendor.notes,
        },
        "period": {"start": min(delivered) if delivered else None, "end": max(delivered) if delivered else None},
        "requested_period": {"start": start, "end": end},
        "contracts": [_contract(c) for c in contracts],
        "scorecard": None if vendor_copy else _scorecard(vendor=vendor, user=user),
        "certifications": [] if vendor_copy else _certifications(vendor),
        "compliance": [s for c in contracts for s in _compliance(c, user, in_period, vendor_copy=vendor_copy)],
        "batch_count": len(batches),
        "listed_at_most": REPORT_ROWS_LISTED,
        "verdicts": dict(Counter(b.verdict or "unchecked" for b in evaluated)),
        "defect_rates": _defect_rates(evaluated, vendor_copy=vendor_copy),
        "breaches": breaches_of(vendor=vendor, batch_ids=in_period if start or end else None),
        "outliers": _outliers(evaluated),
    }
    rows = [_batch_row(b) for b in batches]
    summarised = len(rows) > REPORT_ROWS_LISTED
    data["batches"], data["batch_months"] = ([], _batch_months(rows)) if summarised else (rows, [])
    if data["breaches"] is not None:
        many = len(data["breaches"]["rows"]) > REPORT_ROWS_LISTED
        data["breaches"]["months"] = _breach_months(data["breaches"]["rows"]) if many else []
    data["summary"] = _summary(data)
    return data


# What the vendor report reads of each metrics document: the accuracy and the per-annotator rows (the
# outliers), with the gold count the vendor rule judges them by.
REPORT_METRICS_KEYS = ("accuracy", "by_annotator", "gold_items_effective")


def _with_report_metrics(batches: QuerySet[Batch]) -> QuerySet[Batch]:
    """The batches with only the parts of their metrics documents the report reads, cut out by the database.

    Decoding each whole document (every pair of annotators, every label and queue) was most of
    the time the report's data took: 1.4 of 1.7 s at 442 batches (issue 20). Each batch's
    ``report_metrics`` is the document cut down to ``REPORT_METRICS_KEYS`` (None when it has none);
    the vendor rule gives the same figures for these keys either way.
    """
    return batches.defer("metrics").annotate(
        **{f"_metrics_{key}": KeyTransform(key, "metrics") for key in REPORT_METRICS_KEYS},
        _has_metrics=Q(metrics__isnull=False),
    )


def _report_metrics(batch: Batch) -> dict | None:
    if not batch._has_metrics:
        return None
    parts = {key: getattr(batch, f"_metrics_{key}") for key in REPORT_METRICS_KEYS}
    return {key: value for key, value in parts.items() if value is not None}


def _batch_months(rows: list[dict]) -> list[dict]:
    """One row per month of delivery (in the contract's zone): what a long period's batch table becomes."""
    months: dict[str, dict] = {}
    for row in rows:
        month = months.setdefault(
            f"{credits.credit_month(row['delivered_at'], row['time_zone']):%Y-%m}",
            {"batches": 0, "rows": 0, "accepted": 0, "rejected": 0, "other": 0, "accuracies": []},
        )
        month["batches"] += 1
        month["rows"] += row["rows"] or 0
        month[row["verdict"] if row["verdict"] in ("accepted", "rejected") else "other"] += 1
        if row["accuracy"] is not None:
            month["accuracies"].append(row["accuracy"])
    return [
        {"month": name, **{k: v for k, v in month.items() if k != "accuracies"}, "accuracy": _mean(month["accuracies"])}
        for name, month in sorted(months.items())
    ]


def _breach_months(rows: list[dict]) -> list[dict]:
    """One row per credit month (the month rule of ``sla.credits``): what a long period's breach table becomes."""
    months: dict[str, dict] = {}
    for row in rows:
        month = months.setdefault(
            f"{row['credit_month']:%Y-%m}",
            {"breaches": 0, "unresolved": 0, "credits": 0.0, "currency": row["currency"]},
        )
        month["breaches"] += 1
        month["unresolved"] += row["status"] in UNRESOLVED_BREACH_STATUSES
        month["credits"] += float(row["service_credit"] or 0)
    return [{"month": name, **month} for name, month in sorted(months.items())]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def vendor_report_version(
    *, vendor: Vendor, user, audience: str = AUDIENCE_BUYER, start: dt.date | None = None, end: dt.date | None = None
) -> dict:
    """What the vendor report's cache key hashes instead of its data: changes whenever the data can.

    Hashing the data meant building it, decoding every batch's metrics document, on every
    download: 195 ms for a cached report at 125 batches, growing with them (issue 20). Here
    the scorecard and certifications the report shows go in whole, and the SLA records as
    ``sla.selectors.vendor_records_version`` aggregates them, in a handful of queries
    whatever the number of batches.
    """
    vendor_copy = _vendor_copy(audience)
    batches = sla_selectors.vendor_batches_delivered(vendor=vendor, user=user, start=start, end=end)
    return {
        "audience": audience,
        "period": [start, end],
        "today": timezone.localdate(),
        "scorecard": None if vendor_copy else _scorecard(vendor=vendor, user=user),
        "certifications": [] if vendor_copy else _certifications(vendor),
        **sla_selectors.vendor_records_version(vendor=vendor, batches=batches, whole_history=not (start or end)),
    }


OUTLIER_BATCHES_LISTED = 10  # an outlier's batches named in the report; the others are counted
TREND_BATCHES = 3  # the latest batch is compared with the mean of up to this many before it


def _summary(data: dict) -> dict:
    """The first page a reader can stop at: verdicts, what is owed, each headline measure against its term.

    Each measure's latest batch is judged against the lines of its terms as the charts colour
    it (``figures.point_verdict``), and its trend is the latest value against the mean of the
    ``TREND_BATCHES`` batches before it.
    """
    breaches = data["breaches"]
    unresolved = [r for r in breaches["rows"] if r["status"] in UNRESOLVED_BREACH_STATUSES]
    verdicts = data["verdicts"]
    checked = sum(verdicts.values())
    measures = []
    for section in data["compliance"]:
        terms = section["terms"]
        if section["accuracy"] and terms["accuracy_floor"] is not None:
            lines = [("floor", terms["accuracy_floor"])]
            measures.append(
                _headline(section, section["accuracy_metric"], section["accuracy"], lines, section["accuracy_unit"])
            )
        lines = figures.iaa_thresholds(
            target=section["iaa_min"], fail_below=section["iaa_fail_below"], fail_name="fail line"
        )
        if section["iaa"] and lines:
            measures.append(_headline(section, terms["iaa_coefficient"], section["iaa"], lines, formatting.COEFFICIENT))
    for section in data["defect_rates"]:
        lines = [(n, v) for n, v in (("ceiling", section["ceiling"]),) if v is not None]
        if lines and section["aql"] is not None:
            row = _headline(section, "Defect rate", section["points"], lines, formatting.SHARE, at_most=True)
            row["term"] += f", decided by the AQL {formatting.number_text(section['aql'])}% sampling plan"
            measures.append(row)
        elif lines:
            row = _headline(section, "Defect rate", section["points"], lines, formatting.SHARE, at_most=True)
            measures.append(row)
    scorecard = data["scorecard"]
    currency = next((r["currency"] for r in breaches["rows"]), "")
    sentence = [
        f"{verdicts.get('accepted', 0)} of {checked} checked batch{'es' if checked != 1 else ''} accepted",
        f"{len(unresolved)} breach{'es' if len(unresolved) != 1 else ''} unresolved",
        f"service credits of {breaches['credits']:,.2f} {currency}".rstrip(),
    ]
    if scorecard:
        sentence.append(f"scorecard {scorecard['total']} / 100, {scorecard['band'].lower()}")
    return {
        "headline": "; ".join(sentence) + ".",
        "verdicts": [(v, verdicts.get(v, 0)) for v in ("accepted", "rejected", "inconclusive")],
        "unresolved_breaches": len(unresolved),
        "credits": breaches["credits"],
        "currency": currency,
        "measures": measures,
        "scorecard": scorecard,
    }


def _headline(section: dict, name: str, points: list[dict], lines, unit: str, *, at_most: bool = False) -> dict:
    latest, earlier = points[-1], [p["value"] for p in points[-1 - TREND_BATCHES : -1]]
    verdict = latest.get("finding_verdict") or figures.point_verdict(
        latest, [v for _, v in lines], at_most=at_most, rule=section.get("decision_rule", "point")
    )
    trend = latest["value"] - sum(earlier) / len(earlier) if earlier else None
    steady = 0.005 if unit == formatting.SHARE else 0.01
    if trend is None:
        trend_text = "first batch"
    elif abs(trend) < steady:
        trend_text = "steady"
    else:
        arrow = "↑" if trend > 0 else "↓"
        trend_text = f"{arrow} {formatting.difference(abs(trend), unit)} on the {len(earlier)} before"
    return {
        "task_type": section["task_type"],
        "measure": name,
        "latest": formatting.value(latest["value"], unit, term="defect_rate" if at_most else "accuracy"),
        "term": ", ".join(f"{n} {formatting.limit(v, unit)}" for n, v in lines),
        "verdict": verdict,
        "verdict_name": formatting.verdict_name(verdict),
        "trend": trend_text,
        "batches": len(points),
    }


def _contract(contract: Contract) -> dict:
    return {
        "title": contract.title,
        "start": contract.start_date,
        "end": contract.end_date,
        "terms": [
            {"task_type": t.task_type.name, "effective_from": t.effective_from, "id": t.pk}
            for t in sla_selectors.terms_list(contract=contract).order_by("task_type__name", "effective_from")
        ],
    }


def _scorecard(*, vendor: Vendor, user) -> dict | None:
    summaries = [s for s in scorecard_selectors.vendor_evaluations(user=user, vendor=vendor) if s.result.complete]
    if not summaries:
        return None
    final = [s for s in summaries if s.evaluation.is_final]
    summary = (final or summaries)[0]
    evaluation = summary.evaluation
    return {
        "program": evaluation.program,
        "template": evaluation.template_name,
        "status": evaluation.get_status_display(),
        "date": evaluation.finalized_at or evaluation.created_at,
        "total": summary.total,
        "band": summary.band_label,
        "band_key": summary.band,
        "dimensions": [
            {"name": d.name, "weight": d.weight, "score": d.score, "points": d.points} for d in summary.dimensions
        ],
        "red_flags": [{"dimension": f.flag.dimension.name, "text": f.flag.text} for f in summary.raised_flags],
    }


def _certifications(vendor: Vendor) -> list[dict]:
    security = scorecard_selectors.vendor_security(vendor=vendor)
    today = timezone.localdate()
    return [
        {
            "kind": c.get_kind_display(),
            "audited_on": c.audited_on,
            "expires_on": c.expires_on,
            "expired": c.expires_on is not None and c.expires_on < today,
            "auditor": c.auditor,
        }
        for c in security.certifications
    ] + [{"flag": reason} for reasons in security.automatic_flags.values() for reason in reasons]


def _compliance(contract: Contract, user, in_period: set[int], *, vendor_copy: bool) -> list[dict]:
    sections = []
    for section in sla_selectors.contract_compliance(contract=contract, user=user, vendor_copy=vendor_copy):
        terms = section["terms"]
        rows = [b for b in section["batches"] if b.pk in in_period]
        names = {f"#{b.pk} {b.reference}" for b in rows}  # trend points are labelled by batch, id first
        sections.append(
            {
                "contract": contract.title,
                "task_type": section["task_type"].name,
                "terms": _terms(terms),
                "iaa_min": terms.iaa_min,
                "iaa_fail_below": terms.iaa_fail_below,
                "accuracy_metric": terms.get_accuracy_metric_display(),
                "accuracy_unit": formatting.accuracy_unit(terms.accuracy_metric),
                "decision_rule": terms.decision_rule,
                "batches": len(rows),
                "accepted": sum(1 for b in rows if b.verdict == "accepted"),
                "rejected": sum(1 for b in rows if b.verdict == "rejected"),
                "accuracy": [p for p in section["accuracy"] if p["value"] is not None and p["batch"] in names],
                "iaa": [p for p in section["iaa"] if p["value"] is not None and p["batch"] in names],
            }
        )
    return sections


def _batch_row(batch: Batch) -> dict:
    metrics = batch.metrics or {}
    return {
        "id": batch.pk,
        "reference": batch.reference,
        "task_type": batch.task_type.name,
        "delivered_at": batch.delivered_at,
        "time_zone": batch.contract.time_zone,
        "rows": batch.rows,
        "status": batch.get_status_display(),
        "verdict": batch.verdict,
        "accuracy": (metrics.get("accuracy") or {}).get("value"),
        "terms_from": batch.terms_version.effective_from if batch.terms_version else None,
    }


def _defect_rates(batches: list[Batch], *, vendor_copy: bool) -> list[dict]:
    """Per task type, the QA-sampled defect rate of each batch that has one, for the AQL chart."""
    current = sla_selectors.batches_term_findings(batches=batches, term="defect_rate")
    findings = {f.check_run.batch_id: f for f in sla_selectors.findings_visible(current, vendor_copy=vendor_copy)}
    by_task: dict[str, dict] = {}
    for batch in batches:
        finding = findings.get(batch.pk)
        if finding is None or finding.measured is None or batch.terms_version is None:
            continue
        section = by_task.setdefault(
            batch.task_type.name,
            {
                "task_type": batch.task_type.name,
                "ceiling": finding.threshold,
                "aql": batch.terms_version.aql,
                "points": [],
            },
        )
        section["points"].append(
            {
                "batch": f"#{batch.pk} {batch.reference}",
                "delivered": batch.delivered_at,
                "value": finding.measured,
                "low": finding.ci_low,
                "high": finding.ci_high,
                "verdict": batch.verdict,
                # The sampling plan's accept number decides the term, not the line on the chart.
                "finding_verdict": finding.verdict,
            }
        )
    return list(by_task.values())


def _outliers(batches: list[Batch]) -> list[dict]:
    """Annotators flagged as outliers in any batch of the period, with how often."""
    found: dict[str, dict] = defaultdict(lambda: {"batches": [], "worst": None})
    for batch in batches:
        for row in _annotators(batch.metrics or {}):
            if row["outlier"]:
                entry = found[row["annotator"]]
                entry["batches"].append(batch.pk)
                value = row["accuracy"]["value"]
                entry["worst"] = value if entry["worst"] is None else min(entry["worst"], value)
    rows = sorted(
        ({"annotator": name, **entry} for name, entry in found.items()), key=lambda r: (-len(r["batches"]), r["worst"])
    )
    for row in rows:
        # A long list of batch ids in a table cell is most of WeasyPrint's line breaking (issue 20).
        row["listed"], row["more"] = (
            row["batches"][:OUTLIER_BATCHES_LISTED],
            len(row["batches"][OUTLIER_BATCHES_LISTED:]),
        )
    return rows


def breaches_of(*, vendor: Vendor | None = None, batch: Batch | None = None, batch_ids: set[int] | None = None) -> dict:
    """A vendor's (or one batch's) breaches, read through the SLA app, with the credits they owe in all."""
    rows = sla_selectors.breach_records(vendor=vendor, batch=batch, batch_ids=batch_ids)
    return {"rows": rows, "credits": sum(float(r["service_credit"] or 0) for r in rows)}


def report_job_get(*, user, pk):
    """A report job, if the user may read the data it reports on, for the audience the user belongs to.

    Knowing a job's id is not enough: the batch is looked up through the SLA app's scoping
    (another vendor's batch is 404), vendor reports are for buyer roles only, and a vendor
    user never receives a job rendered for the buyer.
    """
    job = ReportJob.objects.filter(pk=pk).first()
    if job is None or job.audience not in audiences_for(user):
        raise Http404("No such report.")
    if job.kind == ReportJob.Kind.BATCH:
        sla_selectors.batch_get(user=user, pk=job.object_id)
    else:
        vendor_report_subject(user=user, pk=job.object_id)
    return job


def audiences_for(user) -> tuple[str, ...]:
    """The copies a user may read: buyer roles both, vendor users (and anyone else) only the vendor's."""
    return (AUDIENCE_VENDOR,) if sla_selectors.sees_vendor_copy(user) else (AUDIENCE_BUYER, AUDIENCE_VENDOR)


def report_audience(*, user, requested: str | None) -> str:
    """The copy a request gets: what ``?audience=`` asks for when the user may read it, else the user's own.

    A vendor user asking for the buyer's copy still gets the vendor's: they always do.
    """
    if requested in audiences_for(user):
        return requested
    return audience_of(user)


def vendor_report_subject(*, user, pk) -> Vendor:
    """The vendor a vendor report is about: any vendor for buyer roles, only their own for vendor users (404)."""
    return vendor_selectors.vendor_get(user=user, pk=pk)


# Comparison report -------------------------------------------------------------------------


def comparison_report(*, user, vendor_ids: list[int]) -> dict:
    """Several vendors side by side: each one's chosen evaluation (as the comparison page) and SLA record."""
    comparison = scorecard_selectors.comparison(user=user, vendor_ids=vendor_ids)
    columns = [
        {
            "vendor": c.evaluation.vendor.name,
            "vendor_id": c.evaluation.vendor_id,
            "program": c.evaluation.program,
            "status": c.evaluation.get_status_display(),
            "total": c.total,
            "band": c.band_label,
            "flags": [f.flag.text for f in c.raised_flags],
        }
        for c in comparison.columns
    ]
    rows = [
        {
            "dimension": row.name,
            "cells": [
                None if d is None else {"weight": d.weight, "score": d.score, "points": d.points} for d in row.cells
            ],
        }
        for row in comparison.rows
    ]
    vendors = vendor_selectors.vendor_list(user=user).filter(pk__in=vendor_ids)
    return {
        "columns": columns,
        "rows": rows,
        "weights_differ": comparison.weights_differ,
        "sla": [_sla_record(vendor, user) for vendor in vendors],
        "missing": [v.name for v in vendors if v.pk not in {c["vendor_id"] for c in columns}],
    }


def _sla_record(vendor: Vendor, user) -> dict:
    batches = list(
        sla_selectors.batch_list(user=user)
        .filter(contract__vendor=vendor, status=BatchStatus.EVALUATED)
        .values_list("verdict", flat=True)
    )
    breaches = breaches_of(vendor=vendor)
    return {
        "vendor": vendor.name,
        "batches": len(batches),
        "accepted": batches.count("accepted"),
        "rejected": batches.count("rejected"),
        "breaches": len(breaches["rows"]),
        "credits": breaches["credits"],
    }
