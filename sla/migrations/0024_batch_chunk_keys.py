"""An invalid chunk keeps its rows' (item, annotator) pairs (``sla.services.fanout``).

The merge of an invalid fanned-out batch finds the pairs given in two chunks from them, as
one pass finds them: with ``duplicates=reject`` as errors, with ``first`` or ``latest`` as
answers its row count leaves out.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sla", "0023_batch_chunk_row_groups_and_decompressed"),
    ]

    operations = [
        migrations.AddField(
            model_name="batchchunk",
            name="keys",
            field=models.BinaryField(
                help_text="An invalid chunk's rows with a complete (item, annotator) pair, and the pair (Arrow IPC).",
                null=True,
            ),
        ),
    ]
