"""Ship the default performance template and schedule the monthly close (editable in the admin).

The values are written out here, not imported, so this migration creates the same
default whatever ``vendorscore/performance/constants.py`` says later.
"""

from django.db import migrations

KPIS = [
    ("accuracy", 20, "higher", [(-0.02, 2), (-0.01, 3), (0.0, 4), (0.01, 5)]),
    ("iaa", 15, "higher", [(-0.05, 2), (-0.02, 3), (0.0, 4), (0.03, 5)]),
    ("first_pass_acceptance", 20, "higher", [(0.6, 2), (0.75, 3), (0.85, 4), (0.95, 5)]),
    ("breaches_per_10k", 10, "lower", [(10, 2), (5, 3), (2, 4), (0, 5)]),
    ("remediation_on_time", 10, "higher", [(0.5, 2), (0.7, 3), (0.9, 4), (1.0, 5)]),
    ("escalations", 5, "lower", [(3, 2), (2, 3), (1, 4), (0, 5)]),
    ("credit_share", 10, "lower", [(0.05, 2), (0.03, 3), (0.01, 4), (0.0, 5)]),
    ("timeliness", 10, "higher", [(0.7, 2), (0.8, 3), (0.9, 4), (1.0, 5)]),
]
SCHEDULE = "Performance scorecards: close the month and send reports"
TASK = "vendorscore.performance.tasks.performance_month_close"


def create(apps, schema_editor):
    Template = apps.get_model("vendorscore", "PerformanceTemplate")
    KPI = apps.get_model("vendorscore", "PerformanceKPI")
    if not Template.objects.filter(is_default=True).exists():
        template = Template.objects.create(
            name="Delivery performance (default)",
            is_default=True,
            description="Measured delivery quality, weighted as the framework weighs quality; copy it to adapt.",
        )
        for position, (key, weight, direction, bounds) in enumerate(KPIS):
            KPI.objects.create(
                template=template,
                position=position,
                key=key,
                weight=weight,
                direction=direction,
                thresholds=[{"at": at, "score": score} for at, score in bounds],
            )
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    # 02:30 UTC on the 2nd: by then the month (and in January, April, July and October the quarter)
    # has closed in every contract's time zone, UTC-12 included, and late deliveries of its last day are in.
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="2", day_of_month="2", month_of_year="*", day_of_week="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(name=SCHEDULE, defaults={"task": TASK, "crontab": crontab})


def remove(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE).delete()
    apps.get_model("vendorscore", "PerformanceTemplate").objects.filter(is_default=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("vendorscore", "0006_performance_scorecards"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create, remove)]
