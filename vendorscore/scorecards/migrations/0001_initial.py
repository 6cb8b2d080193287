"""The scorecards, taken over from the vendors app (vendorscore 0003-0008) with their tables.

State only: the tables exist, keep their ``vendorscore_`` names (``Meta.db_table``) and
their rows; nothing in the database changes but the models' content types, relabelled.
"""

import django.db.models.deletion
import django.db.models.functions.text
import vendorscore.scorecards.models
from django.conf import settings
from django.db import migrations, models

APP = "scorecards"
MODELS = ['certification', 'evaluation', 'evaluationcriterion', 'evaluationdimension', 'evaluationredflag', 'evidencefile', 'redflagtick', 'score', 'scorecardchange', 'scorecardtemplate', 'securityprofile', 'templatecriterion', 'templatedimension', 'templateredflag']


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
                    name='Evaluation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('template_name', models.CharField(max_length=200)),
                        ('program', models.CharField(blank=True, help_text='The program or RFP this evaluation is for.', max_length=200)),
                        ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('final', 'Final')], default='draft', max_length=16)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('submitted_at', models.DateTimeField(blank=True, null=True)),
                        ('finalized_at', models.DateTimeField(blank=True, null=True)),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='evaluations_created', to=settings.AUTH_USER_MODEL)),
                        ('finalized_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('vendor', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='evaluations', to='vendorscore.vendor')),
                    ],
                    options={
                        'db_table': 'vendorscore_evaluation',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='EvaluationDimension',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('name', models.CharField(max_length=100)),
                        ('weight', models.DecimalField(decimal_places=2, help_text="Share of the total, 0-100; a scorecard's weights add up to 100.", max_digits=5)),
                        ('description', models.TextField(blank=True, help_text='What the dimension is about.')),
                        ('questions', models.JSONField(blank=True, default=list, help_text='Qualification questions to ask the vendor.')),
                        ('evaluation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='dimensions', to='scorecards.evaluation')),
                    ],
                    options={
                        'db_table': 'vendorscore_evaluationdimension',
                        'ordering': ['position', 'pk'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='EvaluationCriterion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('name', models.CharField(max_length=200)),
                        ('kpi', models.TextField(blank=True, help_text='The measure that evidences the criterion.', verbose_name='KPI')),
                        ('guidance', models.TextField(blank=True, help_text='What a 1, a 3 and a 5 look like.')),
                        ('dimension', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='criteria', to='scorecards.evaluationdimension')),
                    ],
                    options={
                        'db_table': 'vendorscore_evaluationcriterion',
                        'ordering': ['position', 'pk'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='EvaluationRedFlag',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('text', models.CharField(max_length=300)),
                        ('rule', models.CharField(blank=True, choices=[('soc2_type1_only', 'SOC 2 Type I only'), ('certification_stale', 'Certification older than 12 months or expired'), ('no_dpa', 'No signed DPA')], help_text='Evidence rule that suggests this flag.', max_length=32)),
                        ('dimension', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='red_flags', to='scorecards.evaluationdimension')),
                        ('evaluation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='red_flags', to='scorecards.evaluation')),
                    ],
                    options={
                        'db_table': 'vendorscore_evaluationredflag',
                        'ordering': ['position', 'pk'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='RedFlagTick',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('ticked_at', models.DateTimeField(auto_now_add=True)),
                        ('evaluator', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('red_flag', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='ticks', to='scorecards.evaluationredflag')),
                    ],
                    options={
                        'db_table': 'vendorscore_redflagtick',
                        'ordering': ['ticked_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Score',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('value', models.PositiveSmallIntegerField()),
                        ('note', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('criterion', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='scores', to='scorecards.evaluationcriterion')),
                        ('evaluator', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='scores', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'vendorscore_score',
                        'ordering': ['criterion', 'evaluator__username'],
                    },
                ),
                migrations.CreateModel(
                    name='EvidenceFile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('file', models.FileField(max_length=300, upload_to=vendorscore.scorecards.models.evidence_path)),
                        ('uploaded_at', models.DateTimeField(auto_now_add=True)),
                        ('uploaded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('score', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evidence', to='scorecards.score')),
                    ],
                    options={
                        'db_table': 'vendorscore_evidencefile',
                        'ordering': ['uploaded_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ScorecardTemplate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200)),
                        ('description', models.TextField(blank=True)),
                        ('is_default', models.BooleanField(default=False, editable=False)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('based_on', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='copies', to='scorecards.scorecardtemplate')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'vendorscore_scorecardtemplate',
                        'ordering': ['-is_default', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='ScorecardChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('changed_at', models.DateTimeField(auto_now_add=True)),
                        ('kind', models.CharField(choices=[('score', 'Score'), ('note', 'Score note'), ('evidence', 'Evidence file'), ('weight', 'Weight'), ('criterion', 'Criterion'), ('red_flag', 'Red flag'), ('status', 'Status'), ('certification', 'Certification'), ('security', 'Security evidence')], max_length=16)),
                        ('subject', models.CharField(max_length=400)),
                        ('old_value', models.TextField(blank=True)),
                        ('new_value', models.TextField(blank=True)),
                        ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('evaluation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='scorecards.evaluation')),
                        ('vendor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='scorecard_changes', to='vendorscore.vendor')),
                        ('template', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='changes', to='scorecards.scorecardtemplate')),
                    ],
                    options={
                        'db_table': 'vendorscore_scorecardchange',
                        'ordering': ['-changed_at', '-pk'],
                    },
                ),
                migrations.AddField(
                    model_name='evaluation',
                    name='template',
                    field=models.ForeignKey(blank=True, help_text='The template the dimensions were copied from; later edits to it do not apply here.', null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='evaluations', to='scorecards.scorecardtemplate'),
                ),
                migrations.CreateModel(
                    name='SecurityProfile',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('dpa_signed', models.BooleanField(default=False, verbose_name='DPA signed')),
                        ('dpa_signed_on', models.DateField(blank=True, null=True, verbose_name='DPA signed on')),
                        ('air_gap_option', models.BooleanField(default=False, help_text='The vendor can annotate on an isolated network with no internet access.')),
                        ('endpoint_controls', models.TextField(blank=True, help_text='Managed devices, DLP, screen-capture blocking...')),
                        ('subprocessors', models.TextField(blank=True, help_text='One subprocessor per line; empty means none disclosed.')),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('vendor', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='security_profile', to='vendorscore.vendor')),
                    ],
                    options={
                        'db_table': 'vendorscore_securityprofile',
                    },
                ),
                migrations.CreateModel(
                    name='TemplateDimension',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('name', models.CharField(max_length=100)),
                        ('weight', models.DecimalField(decimal_places=2, help_text="Share of the total, 0-100; a scorecard's weights add up to 100.", max_digits=5)),
                        ('description', models.TextField(blank=True, help_text='What the dimension is about.')),
                        ('questions', models.JSONField(blank=True, default=list, help_text='Qualification questions to ask the vendor.')),
                        ('template', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='dimensions', to='scorecards.scorecardtemplate')),
                    ],
                    options={
                        'db_table': 'vendorscore_templatedimension',
                        'ordering': ['position', 'pk'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='TemplateCriterion',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('name', models.CharField(max_length=200)),
                        ('kpi', models.TextField(blank=True, help_text='The measure that evidences the criterion.', verbose_name='KPI')),
                        ('guidance', models.TextField(blank=True, help_text='What a 1, a 3 and a 5 look like.')),
                        ('dimension', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='criteria', to='scorecards.templatedimension')),
                    ],
                    options={
                        'db_table': 'vendorscore_templatecriterion',
                        'ordering': ['position', 'pk'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='TemplateRedFlag',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(default=0)),
                        ('text', models.CharField(max_length=300)),
                        ('rule', models.CharField(blank=True, choices=[('soc2_type1_only', 'SOC 2 Type I only'), ('certification_stale', 'Certification older than 12 months or expired'), ('no_dpa', 'No signed DPA')], help_text='Evidence rule that suggests this flag.', max_length=32)),
                        ('dimension', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='red_flags', to='scorecards.templatedimension')),
                    ],
                    options={
                        'db_table': 'vendorscore_templateredflag',
                        'ordering': ['position', 'pk'],
                        'abstract': False,
                    },
                ),
                migrations.CreateModel(
                    name='Certification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('soc2_type1', 'SOC 2 Type I'), ('soc2_type2', 'SOC 2 Type II'), ('iso27001', 'ISO/IEC 27001')], max_length=16)),
                        ('audit_period_end', models.DateField(blank=True, help_text='SOC 2: the last day of the period the auditor examined.', null=True)),
                        ('last_audit_on', models.DateField(blank=True, help_text='ISO 27001: the date of the certification or latest surveillance audit.', null=True)),
                        ('expires_on', models.DateField(blank=True, help_text='ISO 27001: when the certificate expires.', null=True)),
                        ('certified_sites', models.TextField(blank=True, help_text='ISO 27001: the sites in scope, one per line.')),
                        ('auditor', models.CharField(blank=True, max_length=200)),
                        ('evidence', models.FileField(blank=True, max_length=300, upload_to=vendorscore.scorecards.models.certification_path)),
                        ('notes', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('vendor', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='certifications', to='vendorscore.vendor')),
                    ],
                    options={
                        'db_table': 'vendorscore_certification',
                        'ordering': ['vendor', 'kind', '-pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('kind__in', ['soc2_type1', 'soc2_type2']), _negated=True), ('audit_period_end__isnull', False), _connector='OR'), name='soc2_has_audit_period_end', violation_error_message='A SOC 2 report needs the end of its audit period.'), models.CheckConstraint(condition=models.Q(models.Q(('kind', 'iso27001'), _negated=True), models.Q(('last_audit_on__isnull', False), ('expires_on__isnull', False)), _connector='OR'), name='iso27001_has_audit_and_expiry', violation_error_message='An ISO 27001 certificate needs its latest audit date and its expiry date.')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='evaluationdimension',
                    constraint=models.CheckConstraint(condition=models.Q(('weight__gte', 0), ('weight__lte', 100)), name='evaluation_dimension_weight_0_100', violation_error_message='A weight is between 0 and 100.'),
                ),
                migrations.AddConstraint(
                    model_name='evaluationdimension',
                    constraint=models.UniqueConstraint(fields=('evaluation', 'name'), name='evaluation_dimension_name_unique', violation_error_message='Dimension names are unique within an evaluation.'),
                ),
                migrations.AddConstraint(
                    model_name='redflagtick',
                    constraint=models.UniqueConstraint(fields=('red_flag', 'evaluator'), name='red_flag_ticked_once_per_evaluator', violation_error_message='This evaluator has already ticked this red flag.'),
                ),
                migrations.AddConstraint(
                    model_name='score',
                    constraint=models.CheckConstraint(condition=models.Q(('value__gte', 1), ('value__lte', 5)), name='score_value_1_5', violation_error_message='A score is a whole number from 1 (poor) to 5 (excellent).'),
                ),
                migrations.AddConstraint(
                    model_name='score',
                    constraint=models.UniqueConstraint(fields=('criterion', 'evaluator'), name='one_score_per_evaluator_and_criterion', violation_error_message='Each evaluator scores each criterion once.'),
                ),
                migrations.AddConstraint(
                    model_name='scorecardtemplate',
                    constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('name'), name='scorecard_template_name_unique_ci', violation_error_message='A scorecard template with this name exists.'),
                ),
                migrations.AddConstraint(
                    model_name='scorecardtemplate',
                    constraint=models.UniqueConstraint(condition=models.Q(('is_default', True)), fields=('is_default',), name='one_default_scorecard_template', violation_error_message='Only one scorecard template is the default.'),
                ),
                migrations.AddIndex(
                    model_name='scorecardchange',
                    index=models.Index(fields=['vendor', 'kind'], name='vendorscore_vendor__457bd9_idx'),
                ),
                migrations.AddConstraint(
                    model_name='evaluation',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'final'), _negated=True), ('finalized_at__isnull', False), _connector='OR'), name='final_evaluation_has_finalized_at', violation_error_message='A final evaluation records when it was finalized.'),
                ),
                migrations.AddConstraint(
                    model_name='securityprofile',
                    constraint=models.CheckConstraint(condition=models.Q(('dpa_signed', True), ('dpa_signed_on__isnull', True), _connector='OR'), name='dpa_date_only_when_signed', violation_error_message='A DPA signing date needs “DPA signed” ticked.'),
                ),
                migrations.AddConstraint(
                    model_name='templatedimension',
                    constraint=models.CheckConstraint(condition=models.Q(('weight__gte', 0), ('weight__lte', 100)), name='template_dimension_weight_0_100', violation_error_message='A weight is between 0 and 100.'),
                ),
                migrations.AddConstraint(
                    model_name='templatedimension',
                    constraint=models.UniqueConstraint(fields=('template', 'name'), name='template_dimension_name_unique', violation_error_message='Dimension names are unique within a template.'),
                ),
            ],
        ),
        migrations.RunPython(content_types_move, content_types_return),
    ]
