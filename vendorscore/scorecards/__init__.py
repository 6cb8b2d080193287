"""The five-dimension weighted scorecard of DESIGN.md: templates, evaluations, evidence.

A room of its own: constants, models, services (one module per use case), selectors, forms,
views, api, urls, admin and template tags. It reaches vendors through ``vendorscore.models``
(the foreign keys) and the vendors app's permissions; its tables keep their ``vendorscore_`` names.
"""
