"""An index on ``sla_annotation(item_id)``: an item's history across batches looks its rows up by item (issue 20).

Without it the history page read every row of the contract's batches (1.8 million rows at 442
batches) to find the few of one item.

On PostgreSQL the table is partitioned by batch, and one ``CREATE INDEX`` on it would lock every
partition and every new index in one transaction: at a few thousand batches more than the
default lock table holds. So the parent's index is declared alone (``ON ONLY``), and each
partition's is built and attached in a transaction of its own: the migration is not atomic,
and an interrupted run can be run again (what exists is kept). The parent's index becomes
valid when the last partition's is attached. From then on the intake builds each new
partition's index after its rows are loaded (``sla.storage``).

Undoing it drops the parent's index with every partition's in one transaction: at thousands of
batches that needs ``max_locks_per_transaction`` raised first.
"""

from django.db import migrations, models

TABLE = "sla_annotation"
INDEX = models.Index(fields=["item_id"], name="sla_annotation_item_idx")


def index_partitions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        schema_editor.add_index(apps.get_model("sla", "Annotation"), INDEX)
        return
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {quote(INDEX.name)} ON ONLY {quote(TABLE)} (item_id)")
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.oid",
            [TABLE],
        )
        for (partition,) in cursor.fetchall():
            # PostgreSQL's own name for it, which the intake's partitions get too.
            index = f"{partition}_item_id_idx"
            cursor.execute(f"CREATE INDEX IF NOT EXISTS {quote(index)} ON {quote(partition)} (item_id)")
            cursor.execute(f"ALTER INDEX {quote(INDEX.name)} ATTACH PARTITION {quote(index)}")


def drop_index(apps, schema_editor):
    schema_editor.remove_index(apps.get_model("sla", "Annotation"), INDEX)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("sla", "0021_batch_chunks_fan_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="annotation", index=INDEX)],
            database_operations=[migrations.RunPython(index_partitions, drop_index)],
        ),
    ]
