"""The five-dimension weighted scorecard of DESIGN.md: templates, evaluations, evidence.

Its own rooms (models, services, selectors, forms, views, api, urls) inside the vendors
app, because vendors, their certifications and their scorecards belong together; the
models are registered with the app by ``vendorscore.models``.
"""
