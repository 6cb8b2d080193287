"""Performance scorecards: a vendor's standing each month and quarter, from what it actually delivered.

The selection scorecard (``scorecards/``) is the buyer's judgement before the
contract; this package turns the measured delivery record (verdicts, findings, breaches,
credits) into KPIs scored 1-5 by a lead's template, a period score and a recency-weighted
standing in the same bands. Pure arithmetic in ``kpis.py``; reads of the stored data in
``measures.py``; writes in ``services.py``; pages, API and tasks are thin.
"""
