"""Schedule the daily reminder sweep and the weekly digest (django-celery-beat crontabs, editable in the admin)."""

from django.db import migrations

SCHEDULES = [
    # name, task, crontab: reminders each morning, the digest on Monday morning, before the working day starts.
    (
        "Daily notification reminders",
        "sla.tasks.notifications_remind",
        {"minute": "0", "hour": "7", "day_of_week": "*"},
    ),
    ("Weekly digest for leads", "sla.tasks.notifications_digest", {"minute": "0", "hour": "8", "day_of_week": "1"}),
]


def create_schedules(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, fields in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            day_of_month="*", month_of_year="*", timezone="UTC", **fields
        )
        PeriodicTask.objects.get_or_create(name=name, defaults={"task": task, "crontab": crontab})


def remove_schedules(apps, schema_editor):
    names = [name for name, _, _ in SCHEDULES]
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0006_notifications"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedules, remove_schedules)]
