"""Sample the partitioned annotation table as a whole, once, at the upgrade.

PostgreSQL estimates a subquery of a partitioned table (the lineage's ``item_id IN (SELECT
item_id ...)``) from the partitioned table's own statistics, which autovacuum never gathers
(``sla.storage._inherited_statistics_ensure`` says more). A new installation gets them with
its first delivery; an existing one gets them here, outside any delivery: sampling every
batch's partition at once locks each of them (and samples each partition again: PostgreSQL
15's ``ANALYZE`` of a partitioned table recurses, seconds per ten million rows), and an
installation with more partitions than ``max_locks_per_transaction`` allows should find out
at its upgrade, not from a failed delivery.
"""

from django.db import migrations


def annotation_table_analyze(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("ANALYZE sla_annotation")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("sla", "0024_batch_chunk_keys")]

    operations = [migrations.RunPython(annotation_table_analyze, migrations.RunPython.noop, elidable=True)]
