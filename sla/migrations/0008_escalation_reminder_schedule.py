"""Schedule the hourly reminder of escalated items nearing their resolution time (editable in the admin)."""

from django.db import migrations

NAME = "Hourly escalated-item reminders"
TASK = "sla.tasks.escalations_remind"


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="20", hour="*", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.get_or_create(name=NAME, defaults={"task": TASK, "crontab": crontab})


def remove_schedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [("sla", "0007_notification_schedules")]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
