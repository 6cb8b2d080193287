"""Chunks of Parquet and gzipped deliveries (``sla.services.fanout``).

A Parquet chunk is a run of row groups, named by its first and last (the byte range then
spans their column chunks); a chunk of a gzipped delivery is a byte range of its content,
stored decompressed under the name ``decompressed`` until the batch is finished.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0022_annotation_item_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="batchchunk",
            name="decompressed",
            field=models.CharField(
                blank=True,
                help_text="The stored object the range is of: a gzipped delivery's content (empty: the upload itself).",
                max_length=255,
            ),
        ),
        migrations.AddField(
            model_name="batchchunk",
            name="first_row_group",
            field=models.PositiveIntegerField(
                blank=True, help_text="Parquet: the chunk's first row group (0-based); empty for text.", null=True
            ),
        ),
        migrations.AddField(
            model_name="batchchunk",
            name="last_row_group",
            field=models.PositiveIntegerField(blank=True, help_text="Parquet: its last row group.", null=True),
        ),
        migrations.AlterField(
            model_name="batchchunk",
            name="start",
            field=models.PositiveBigIntegerField(
                help_text="First byte of the range in the stored file (Parquet: of its row groups' column chunks)."
            ),
        ),
        migrations.AddConstraint(
            model_name="batchchunk",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("first_row_group__isnull", True), ("last_row_group__isnull", True)),
                    ("first_row_group__lte", models.F("last_row_group")),
                    _connector="OR",
                ),
                name="chunk_row_groups_in_order",
                violation_error_message="A chunk's row groups run from its first to its last, or it has none.",
            ),
        ),
    ]
