"""The ISO 2859-1 switching score (9.3.3.2) replaces ten accepted lots as the way to reduced inspection.

Existing states start at a score of 0, as normal inspection does in the standard: the stored
results hold no defect counts or acceptance numbers to rebuild a score from.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sla', '0008_escalation_reminder_schedule'),
    ]

    operations = [
        migrations.AddField(
            model_name='inspectionstate',
            name='switching_score',
            field=models.PositiveIntegerField(default=0, help_text='ISO 2859-1 9.3.3.2 switching score under normal inspection; 30 switches to reduced.'),
        ),
        migrations.AlterField(
            model_name='inspectionstate',
            name='results',
            field=models.JSONField(default=list, help_text='Accepted? of the last lots (at most 5) since the last switch, oldest first.'),
        ),
    ]
