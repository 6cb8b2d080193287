"""How numbers and measures read, in one place: pages, PDFs, e-mails and the findings' sentences.

Pure (no Django), so ``sla.checks`` writes its sentences with the same names and formats
that the templates show next to them. A share (0 to 1) is always shown as a percentage
with trailing zeros dropped; an agreement coefficient to four decimals; a count as a whole
number; throughput in items a day; lateness in hours. A value that could not be measured
is an em dash, never "None" or a made-up zero.
"""

import math

DASH = "—"

# The names a person reads for each measure key of the metrics document and the terms.
MEASURE_NAMES = {
    "accuracy": "Accuracy",
    "macro_f1": "Macro-F1",
    "kappa_vs_gold": "Kappa against gold",
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa",
    "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
    "gwet_ac1": "Gwet's AC1",
    "scott_pi": "Scott's pi",
    "weighted_kappa_linear": "Weighted kappa (linear)",
    "weighted_kappa_quadratic": "Weighted kappa (quadratic)",
}

# The agreement coefficients in the order and with the names of a batch's metrics table (page and PDF).
MEASURE_LABELS = {
    "percent_agreement": "Percent agreement",
    "cohen_kappa": "Cohen's kappa (mean over annotator pairs)",
    "fleiss_kappa": "Fleiss' kappa",
    "krippendorff_alpha": "Krippendorff's alpha",
    "gwet_ac1": "Gwet's AC1",
    "scott_pi": "Scott's pi",
    "weighted_kappa_linear": "Weighted kappa (linear)",
    "weighted_kappa_quadratic": "Weighted kappa (quadratic)",
}

QUEUE_NAMES = {"prelabeled": "pre-labeled verification", "full": "full annotation"}

TERM_NAMES = {
    "accuracy": "Accuracy",
    "iaa": "Inter-annotator agreement",
    "overlap": "Consensus overlap",
    "defect_rate": "Defect rate",
    "throughput": "Throughput",
    "timeliness": "Timeliness",
    "escalation": "Escalations",
    "safety_routing": "Safety routing",
    "drift": "Drift from baseline",
    "terms": "Terms in force",
    "redelivery": "Redelivered items",
}

VERDICT_NAMES = {"below_target": "below target"}

# Units of the findings' measured values and thresholds.
SHARE, COEFFICIENT, PER_DAY, HOURS, COUNT = "share", "coefficient", "per_day", "hours", "count"

# The unit of each term's numbers when the finding does not say (findings stored before units).
TERM_UNITS = {
    "accuracy": SHARE,
    "iaa": COEFFICIENT,
    "overlap": SHARE,
    "defect_rate": SHARE,
    "throughput": PER_DAY,
    "timeliness": HOURS,
    "escalation": COUNT,
    "safety_routing": COUNT,
    "drift": COEFFICIENT,
    "redelivery": SHARE,
}
# Digits after the decimal point of a percentage, by term: defect rates live near 1%.
PERCENT_DIGITS = {"defect_rate": 2, "overlap": 1, "accuracy": 2, "redelivery": 1}


def measure_name(key: str | None) -> str:
    """``fleiss_kappa`` -> "Fleiss' kappa"; an unknown key reads with spaces, never underscores."""
    if not key:
        return ""
    return MEASURE_NAMES.get(key, key.replace("_", " ").capitalize())


def accuracy_unit(metric: str) -> str:
    """Accuracy is a share of gold items; macro-F1 and kappa against gold are scores, not shares."""
    return SHARE if metric == "accuracy" else COEFFICIENT


def percent(share, digits: int = 2) -> str:
    """0.005 -> "0.5%", 0.15 -> "15%": a share as a percentage to ``digits`` places, trailing zeros dropped."""
    if share is None or share == "" or (isinstance(share, float) and math.isnan(share)):
        return DASH
    text = f"{float(share) * 100:.{int(digits)}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def coefficient(value, digits: int = 4) -> str:
    """An agreement coefficient or score: four decimals, as every page, PDF and e-mail shows it."""
    if value is None or value == "":
        return DASH
    return f"{float(value):.{int(digits)}f}"


def limit(number, unit: str, *, term: str = "") -> str:
    """A contract's threshold in a sentence, as the contract states it: 0.85 not 0.8500, 1% not 1.00%."""
    if number is None:
        return DASH
    if unit == COEFFICIENT:
        text = f"{float(number):.4f}".rstrip("0")
        return text + "0" * max(0, 2 - len(text.split(".")[1]))
    return value(number, unit, term=term)


def number_text(number) -> str:
    """A number as a person writes it: 1.0 -> "1", 0.65 -> "0.65" (AQL values, settings)."""
    if number is None:
        return DASH
    return f"{float(number):g}"


def count(value, noun: str = "") -> str:
    """12 -> "12", 1234 -> "1,234"; with a noun, "1 item" / "3 items"."""
    if value is None:
        return DASH
    number = int(round(float(value)))
    text = f"{number:,}"
    return f"{text} {noun}{'' if number == 1 else 's'}" if noun else text


def hours(value) -> str:
    """Lateness in hours: positive late, negative early, one decimal."""
    if value is None:
        return DASH
    value = float(value)
    if value > 0:
        return f"{value:.1f} h late"
    return f"{-value:.1f} h early" if value < 0 else "on time"


def difference(amount, unit: str) -> str:
    """A change in a measure: shares in percentage points (a fall from 96% to 93% is 3 points, not 3%)."""
    if amount is None:
        return DASH
    if unit == SHARE:
        return f"{float(amount) * 100:.1f} percentage points"
    return coefficient(amount, 2)


def value(number, unit: str, *, term: str = "") -> str:
    """A finding's measured value or threshold in its unit."""
    if number is None:
        return DASH
    if unit == SHARE:
        return percent(number, PERCENT_DIGITS.get(term, 2))
    if unit == PER_DAY:
        return f"{count(number)} items/day"
    if unit == HOURS:
        return hours(number)
    if unit == COUNT:
        return count(number)
    return coefficient(number)


def finding_unit(term: str, extra: dict | None) -> str:
    """The unit a finding's numbers are in: its own ``unit`` if it says, else its term's."""
    extra = extra or {}
    if extra.get("unit"):
        return extra["unit"]
    if term == "drift" and extra.get("measure") == "accuracy":
        return SHARE
    return TERM_UNITS.get(term, COEFFICIENT)


def finding_threshold(term: str, threshold, extra: dict | None) -> str:
    """The threshold column: a range for overlap ("5%–15%"), the fail line and target for IAA."""
    extra = extra or {}
    unit = finding_unit(term, extra)
    if extra.get("range"):
        low, high = extra["range"]
        return f"{value(low, unit, term=term)}–{value(high, unit, term=term)}"
    if term == "iaa" and extra.get("target") is not None and threshold is not None and extra["target"] != threshold:
        return f"fail below {value(threshold, unit)}, target {value(extra['target'], unit)}"
    if term == "drift" and threshold is not None:
        return f"baseline {value(threshold, unit, term=term)}"
    return value(threshold, unit, term=term)


def interval(low, high, unit: str, *, term: str = "") -> str:
    """A 95% interval as "low – high" in the finding's unit, or a dash."""
    if low is None or high is None:
        return DASH
    return f"{value(low, unit, term=term)} – {value(high, unit, term=term)}"


def verdict_name(verdict: str | None) -> str:
    """A finding or batch verdict as words: ``below_target`` -> "below target"."""
    if not verdict:
        return ""
    return VERDICT_NAMES.get(verdict, verdict.replace("_", " "))


def finding_title(term: str, extra: dict | None) -> str:
    """The term a finding is about, with its queue or measure in words: "Drift from baseline (Fleiss' kappa)"."""
    extra = extra or {}
    title = TERM_NAMES.get(term, term.replace("_", " ").capitalize())
    if extra.get("queue"):
        return f"{title} ({QUEUE_NAMES.get(extra['queue'], extra['queue'])} queue)"
    if extra.get("measure"):
        return f"{title} ({measure_name(extra['measure'])})"
    if term == "iaa" and extra.get("coefficient"):
        return f"{title} ({measure_name(extra['coefficient'])})"
    return title
