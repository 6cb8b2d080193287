"""Create the default scorecard template: the five-dimension framework of DESIGN.md."""

from django.db import migrations

from scorecards import framework


def create_default_template(apps, schema_editor):
    framework.create_default(
        Template=apps.get_model("vendorscore", "ScorecardTemplate"),
        Dimension=apps.get_model("vendorscore", "TemplateDimension"),
        Criterion=apps.get_model("vendorscore", "TemplateCriterion"),
        RedFlag=apps.get_model("vendorscore", "TemplateRedFlag"),
    )


def remove_default_template(apps, schema_editor):
    apps.get_model("vendorscore", "ScorecardTemplate").objects.filter(is_default=True, evaluations=None).delete()


class Migration(migrations.Migration):
    dependencies = [("vendorscore", "0003_scorecards")]

    operations = [migrations.RunPython(create_default_template, remove_default_template)]
