"""What makes a version of the SLA terms contradict itself or its task type, per field. Pure: no Django.

One rule for every way terms arrive (the terms page, the API, the demo, a correction):
``ContractTerms.clean`` calls it, so the services' ``full_clean()`` refuses bad terms
before anything is stored, the terms form shows each problem beside its field, and the
API answers 400 naming the field.

- A safety-critical label must be a label of the task type: a misspelt one would never
  match a row, so the rule that keeps safety-critical items out of the pre-labeled queue
  would silently guard nothing.
- The IAA fail threshold may not be above the IAA target: a batch would fail while
  meeting the target.
- The overlap minimum may not be above its maximum: no batch could meet both.
"""

from collections.abc import Iterable


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def terms_problems(
    *,
    task_type_name: str | None,
    labels: Iterable[str],
    safety_critical_labels,
    iaa_min,
    iaa_fail_below,
    overlap_min,
    overlap_max,
) -> dict[str, str]:
    """Each problem of the terms keyed by the field it belongs to; empty when the terms hold together.

    ``task_type_name`` is None while no task type is chosen (the labels are then not checked).
    A threshold that is not a number (empty, or refused by its own field) is not compared.
    """
    problems = {}
    if not isinstance(safety_critical_labels, list) or not all(isinstance(x, str) for x in safety_critical_labels):
        problems["safety_critical_labels"] = "Give the safety-critical labels as a list of label names."
    elif task_type_name is not None:
        known = set(labels)
        unknown = [label for label in safety_critical_labels if label not in known]
        if unknown:
            problems["safety_critical_labels"] = f"Not in the label set of {task_type_name}: {', '.join(unknown)}."
    if _number(iaa_min) and _number(iaa_fail_below) and iaa_fail_below > iaa_min:
        problems["iaa_fail_below"] = (
            f"The fail threshold ({iaa_fail_below:g}) is above the target ({iaa_min:g}); "
            "a batch would fail while meeting the target."
        )
    if _number(overlap_min) and _number(overlap_max) and overlap_min > overlap_max:
        problems["overlap_min"] = f"The overlap minimum ({overlap_min:g}) is above the maximum ({overlap_max:g})."
    return problems
