"""Reading aids: label prevalence and the warnings that say when data cannot carry a number.

A kappa of 0.4 means little without the raw agreement and the prevalence beside it: when
one label dominates, chance agreement is near 1 and kappa collapses however well people
agree (Feinstein & Cicchetti 1990, "the kappa paradox"). Warnings (issue 3):

- ``kappa_paradox``: one label holds ``PARADOX_SHARE`` (85%) or more of the ratings;
- ``few_items``: fewer than ``MIN_ITEMS`` (30) items behind the agreement or the accuracy;
- ``rare_label``: a label of the set has fewer than ``MIN_LABEL_RATINGS`` (5) ratings;
- ``single_rating_items``: items with one rating, left out of observed agreement
  (unpairable for Krippendorff; Gwet's chance agreement still counts them);
- ``duplicate_ratings``: an annotator rated the same item more than once; each rating is
  kept, and pairs of one annotator with themself are left out of Cohen's kappa.
"""

from __future__ import annotations

import numpy as np

PARADOX_SHARE = 0.85
MIN_ITEMS = 30
MIN_LABEL_RATINGS = 5


def prevalence(label: np.ndarray, names: tuple[str, ...]) -> list[dict]:
    """Ratings and share of each label of the set."""
    counts = np.bincount(label, minlength=len(names))
    total = counts.sum()
    return [
        {"label": name, "ratings": int(count), "share": float(count / total) if total else 0.0}
        for name, count in zip(names, counts.tolist(), strict=True)
    ]


def data_warnings(
    shares: list[dict], agreement_items: int, single_items: int, gold_items: int | None, duplicates: int
) -> list[dict]:
    """Every warning that applies to one batch or queue."""
    found = []
    top = max(shares, key=lambda row: row["share"], default=None)
    if top and top["share"] >= PARADOX_SHARE:
        found.append(
            _warning(
                "kappa_paradox",
                f"label {top['label']!r} holds {top['share']:.1%} of the ratings; chance agreement is "
                "high, so kappa-type coefficients can be low despite high raw agreement",
            )
        )
    if agreement_items < MIN_ITEMS:
        found.append(_warning("few_items", f"agreement rests on {agreement_items} items with two or more ratings"))
    if gold_items is not None and gold_items < MIN_ITEMS:
        found.append(_warning("few_items", f"accuracy rests on {gold_items} gold items"))
    rare = [row["label"] for row in shares if row["ratings"] < MIN_LABEL_RATINGS]
    if rare:
        found.append(
            _warning("rare_label", f"fewer than {MIN_LABEL_RATINGS} ratings for: {', '.join(map(repr, rare))}")
        )
    if single_items:
        found.append(
            _warning(
                "single_rating_items",
                f"{single_items} items have a single rating and are left out of observed agreement",
            )
        )
    if duplicates:
        found.append(
            _warning("duplicate_ratings", f"{duplicates} extra ratings by an annotator of an item they had rated")
        )
    return found


def _warning(code: str, message: str) -> dict:
    return {"code": code, "message": message}
