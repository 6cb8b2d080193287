from django.apps import AppConfig


class ScorecardsConfig(AppConfig):
    """The selection scorecard: templates, evaluations, evidence, certifications and their history.

    Its tables keep the ``vendorscore_`` names they had when the models lived in the vendors app.
    """

    name = "vendorscore.scorecards"
    label = "scorecards"
    verbose_name = "Scorecards"
