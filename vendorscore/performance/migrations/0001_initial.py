"""The performance scorecards, taken over from the vendors app (vendorscore 0003-0008) with their tables.

State only: the tables exist, keep their ``vendorscore_`` names (``Meta.db_table``) and
their rows; nothing in the database changes but the models' content types, relabelled.
"""

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.db import migrations, models

APP = "performance"
MODELS = ['performancekpi', 'performancetemplate', 'periodscorecard', 'scorecardresponse', 'standingoverride', 'vendorperformance']


def content_types_move(apps, schema_editor):
    """Keep the models' content types (admin history, permissions) by relabelling them, not creating new ones."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label="vendorscore", model__in=MODELS).update(app_label=APP)


def content_types_return(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    ContentType.objects.filter(app_label=APP, model__in=MODELS).update(app_label="vendorscore")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('vendorscore', '0008_scorecards_and_performance_move_out'),
        ('contenttypes', '0002_remove_content_type_name'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # vendorscore 0003 and 0006 created these tables; this app only takes them over.
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='PerformanceTemplate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('description', models.TextField(blank=True)),
                        ('is_default', models.BooleanField(default=False, editable=False)),
                        ('standing_periods', models.PositiveSmallIntegerField(default=6, help_text='How many periods (months, or quarters for a quarterly scorecard) the standing looks back over, the current one included.', validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(24)])),
                        ('decay', models.DecimalField(decimal_places=2, default='0.5', help_text='Weight of a period relative to the period after it (1 = all periods count the same).', max_digits=4, validators=[django.core.validators.MinValueValidator(0.01), django.core.validators.MaxValueValidator(1)])),
                        ('banner', models.BooleanField(default=True, help_text="Show the standing as a banner on the vendor's page.")),
                        ('warn_new_contracts', models.BooleanField(default=True, help_text='Ask for a recorded reason before new contracts or terms for a vendor in material risk.')),
                        ('digest_drops', models.BooleanField(default=True, help_text='Name vendors whose standing dropped in the digest.')),
                        ('drop_points', models.DecimalField(decimal_places=2, default=5, help_text='A fall of this many points counts as a drop even within a band.', max_digits=5, validators=[django.core.validators.MinValueValidator(0)])),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('based_on', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='copies', to='performance.performancetemplate')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'vendorscore_performancetemplate',
                        'ordering': ['-is_default', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='PerformanceKPI',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('key', models.CharField(choices=[('accuracy', 'Accuracy against floor'), ('iaa', 'IAA against target'), ('first_pass_acceptance', 'First-pass acceptance'), ('breaches_per_10k', 'Breaches per 10,000 items'), ('remediation_on_time', 'Remediation on time'), ('escalations', 'Escalations'), ('credit_share', 'Credits / invoiced value'), ('timeliness', 'Timeliness')], max_length=32)),
                        ('weight', models.DecimalField(decimal_places=2, help_text='Share of the score, 0-100.', max_digits=5)),
                        ('direction', models.CharField(choices=[('higher', 'Higher is better'), ('lower', 'Lower is better')], default='higher', max_length=8)),
                        ('thresholds', models.JSONField(help_text='2-5 bounds: [{"at": 0.95, "score": 5}, ...]; reaching one earns its score.')),
                        ('template', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='kpis', to='performance.performancetemplate')),
                    ],
                    options={
                        'db_table': 'vendorscore_performancekpi',
                        'ordering': ['position', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='PeriodScorecard',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('period', models.CharField(help_text='YYYY-MM or YYYY-Qn.', max_length=7)),
                        ('period_start', models.DateField()),
                        ('period_end', models.DateField(help_text='The first day after the period.')),
                        ('template_name', models.CharField(max_length=200)),
                        ('status', models.CharField(choices=[('computed', 'Computed'), ('published', 'Published to the vendor'), ('acknowledged', 'Acknowledged by the vendor'), ('appealed', 'Appealed by the vendor'), ('answered', 'Appeal answered')], default='computed', max_length=16)),
                        ('computed_at', models.DateTimeField()),
                        ('batches_evaluated', models.PositiveIntegerField(default=0)),
                        ('first_pass_acceptance', models.FloatField(blank=True, null=True)),
                        ('kpis', models.JSONField(default=list, help_text='[{key, name, value, n, batches, threshold, score, weight, ...}]')),
                        ('score', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True)),
                        ('band', models.CharField(blank=True, choices=[('material_risk', 'Material delivery risk'), ('viable_with_oversight', 'Viable with enhanced oversight'), ('enterprise_grade', 'Enterprise-grade')], max_length=32)),
                        ('standing_score', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True)),
                        ('standing', models.CharField(blank=True, choices=[('material_risk', 'Material delivery risk'), ('viable_with_oversight', 'Viable with enhanced oversight'), ('enterprise_grade', 'Enterprise-grade')], max_length=32)),
                        ('published_at', models.DateTimeField(blank=True, null=True)),
                        ('published_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('template', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='scorecards', to='performance.performancetemplate')),
                        ('vendor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='period_scorecards', to='vendorscore.vendor')),
                    ],
                    options={
                        'db_table': 'vendorscore_periodscorecard',
                        'ordering': ['vendor__name', '-period_start', 'period'],
                    },
                ),
                migrations.CreateModel(
                    name='ScorecardResponse',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('acknowledge', 'Acknowledged'), ('appeal', 'Appealed'), ('answer', 'Answered')], max_length=16)),
                        ('comment', models.TextField()),
                        ('at', models.DateTimeField(auto_now_add=True)),
                        ('scorecard', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='responses', to='performance.periodscorecard')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'vendorscore_scorecardresponse',
                        'ordering': ['at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='StandingOverride',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('subject', models.CharField(choices=[('contract', 'New contract'), ('terms', 'New SLA terms')], max_length=16)),
                        ('object_id', models.PositiveIntegerField(help_text='The contract or terms version created.')),
                        ('reason', models.TextField()),
                        ('at', models.DateTimeField(auto_now_add=True)),
                        ('scorecard', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='overrides', to='performance.periodscorecard')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('vendor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='standing_overrides', to='vendorscore.vendor')),
                    ],
                    options={
                        'db_table': 'vendorscore_standingoverride',
                        'ordering': ['-at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='VendorPerformance',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('template', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='assignments', to='performance.performancetemplate')),
                        ('vendor', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='performance', to='vendorscore.vendor')),
                    ],
                    options={
                        'db_table': 'vendorscore_vendorperformance',
                    },
                ),
                migrations.AddConstraint(
                    model_name='performancetemplate',
                    constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('name'), name='performance_template_name_unique_ci', violation_error_message='A performance template with this name exists.'),
                ),
                migrations.AddConstraint(
                    model_name='performancetemplate',
                    constraint=models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('is_default',), name='one_default_performance_template', violation_error_message='Only one performance template is the default.'),
                ),
                migrations.AddConstraint(
                    model_name='performancekpi',
                    constraint=models.UniqueConstraint(fields=('template', 'key'), name='performance_kpi_once_per_template', violation_error_message='A template weighs each KPI once.'),
                ),
                migrations.AddConstraint(
                    model_name='performancekpi',
                    constraint=models.CheckConstraint(condition=models.Q(('weight__gte', 0), ('weight__lte', 100)), name='performance_kpi_weight_0_100', violation_error_message='A weight is between 0 and 100.'),
                ),
                migrations.AddIndex(
                    model_name='periodscorecard',
                    index=models.Index(fields=['period', 'vendor'], name='vendorscore_period_0da506_idx'),
                ),
                migrations.AddConstraint(
                    model_name='periodscorecard',
                    constraint=models.UniqueConstraint(fields=('vendor', 'period'), name='one_scorecard_per_vendor_and_period', violation_error_message='This vendor already has a scorecard for that period.'),
                ),
                migrations.AddConstraint(
                    model_name='periodscorecard',
                    constraint=models.CheckConstraint(condition=models.Q(('published_at__isnull', True), models.Q(('status', 'computed'), _negated=True), _connector='OR'), name='published_scorecard_has_published_status', violation_error_message='A published scorecard is no longer merely computed.'),
                ),
                migrations.AddConstraint(
                    model_name='standingoverride',
                    constraint=models.CheckConstraint(condition=models.Q(('reason', ''), _negated=True), name='standing_override_has_reason', violation_error_message='Say why.'),
                ),
            ],
        ),
        migrations.RunPython(content_types_move, content_types_return),
    ]
