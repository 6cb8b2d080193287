"""Item lineage and remediation coverage: the rules, given the counts. Pure: no Django.

Every item id has a history under its contract and task type: the batch that first
delivered it, later batches that delivered it again, and remediation batches that
delivered it again on purpose, to correct a failed batch. ``sla.services.lineage``
counts these with set-based queries; this module says what the counts mean.

- A batch is invoiced for its new items only. An item already delivered in an earlier
  evaluated batch of the same contract and task type is *redelivered* and is not invoiced
  again, whether or not the batch is a remediation: the buyer pays once per item, and the
  monthly credit cap, which is a share of the invoice, counts it once too.
- Redelivered items outside a remediation (items of a batch that is no remediation, or
  items of a remediation batch that were not in the batch it remediates) are reported by a
  finding of their own, ``redelivery``, with the verdict ``notice``: worth a lead's look,
  not a failed term (a vendor may legitimately re-send an escalated item once resolved).
- A remediation batch is judged on the failed batch's items: its *coverage* is the share
  of those items it delivers again, and the failed term is measured again on the items it
  shares with the failed batch. The breach closes as remediated only when the term passes
  there and the coverage (together with earlier remediation batches that passed on theirs)
  reaches the contract's required coverage; passing on too few items leaves it partially
  remediated, with its clock running.
"""

from dataclasses import dataclass

from sla.checks import FAIL, INCONCLUSIVE, PASS, Finding

NOTICE = "notice"
REDELIVERY = "redelivery"
LISTED_ITEMS = 10


@dataclass(frozen=True)
class Lineage:
    """What a batch's items were, against the contract's earlier deliveries."""

    items: int
    redelivered: int
    unexpected: int  # redelivered outside a remediation of the batch it remediates
    earlier_batches: tuple[int, ...]  # the batches the unexpected items were first delivered in
    examples: tuple[str, ...] = ()

    @property
    def invoiced(self) -> int:
        return self.items - self.redelivered


def redelivery_finding(lineage: Lineage) -> Finding | None:
    """The ``redelivery`` finding of a batch that re-sends earlier items outside a remediation, else None."""
    if lineage.unexpected == 0:
        return None
    batches = ", ".join(f"#{pk}" for pk in lineage.earlier_batches[:LISTED_ITEMS])
    more = (
        f" and {len(lineage.earlier_batches) - LISTED_ITEMS} more"
        if len(lineage.earlier_batches) > LISTED_ITEMS
        else ""
    )
    share = lineage.unexpected / lineage.items if lineage.items else 0.0
    examples = ", ".join(lineage.examples)
    detail = (
        f"{lineage.unexpected} of the {lineage.items} items were already delivered under this contract "
        f"(first in batch {batches}{more}), outside any remediation; they are not invoiced again."
        + (f" For example: {examples}." if examples else "")
    )
    return Finding(REDELIVERY, NOTICE, share, 0.0, detail, n=lineage.items, extra={"items": lineage.unexpected})


@dataclass(frozen=True)
class Coverage:
    """How much of a failed batch's work a remediation answers."""

    failed_items: int
    covered: int  # failed items this remediation batch delivers again
    covered_so_far: int  # failed items covered by this batch and earlier remediations that passed
    extra: int  # items of the remediation batch that were not in the failed batch

    @property
    def share(self) -> float:
        return self.covered / self.failed_items if self.failed_items else 0.0

    @property
    def share_so_far(self) -> float:
        return self.covered_so_far / self.failed_items if self.failed_items else 0.0

    @property
    def missing(self) -> int:
        return self.failed_items - self.covered_so_far


def remediation_outcome(term_verdict: str | None, coverage: Coverage, required: float) -> str | None:
    """What a remediation batch does to a breach of a term, from the term measured on the covered items.

    ``remediated`` (passes, enough covered), ``partially_remediated`` (passes on too few items),
    ``failed`` (fails, or covers none of the failed items), or None while the term is
    inconclusive or not yet measured there (the breach stays submitted: a QA sample still under
    review decides it when complete, an inconclusive measure is a lead's to re-run or waive).
    """
    if coverage.covered == 0 or term_verdict == FAIL:
        return "failed"
    if term_verdict != PASS:
        return None
    return "remediated" if coverage.share_so_far >= required - 1e-12 else "partially_remediated"


def coverage_detail(coverage: Coverage, required: float, term_label: str, term_verdict: str | None) -> str:
    """One sentence a vendor and a lead read the same way on the breach page and in the e-mail."""
    said = {PASS: "passes", FAIL: "fails", INCONCLUSIVE: "is inconclusive"}.get(term_verdict or "", "was not measured")
    text = (
        f"Delivers {coverage.covered} of the failed batch's {coverage.failed_items} items again "
        f"({coverage.share:.1%}); {term_label.lower()} re-measured on them {said}. "
        f"Covered so far: {coverage.covered_so_far} ({coverage.share_so_far:.1%}) of the required {required:.0%}"
    )
    if coverage.missing:
        text += f"; {coverage.missing} items still missing"
    if coverage.extra:
        text += f"; {coverage.extra} delivered items were not in the failed batch"
    return text + "."
