"""On PostgreSQL, make ``sla_annotation`` a table partitioned by batch (see ``sla.storage``).

Each batch's rows become a partition ``sla_annotation_<batch id>`` that the intake loads
without an index, indexes in one pass and attaches. Rows already stored are moved into
partitions of their batches. SQLite keeps the plain table.
"""

from django.db import migrations

TABLE = "sla_annotation"
PLAIN = "sla_annotation_plain"


def partition_by_batch(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {TABLE} RENAME TO {PLAIN}")
        cursor.execute(f"ALTER INDEX {TABLE}_pkey RENAME TO {PLAIN}_pkey")
        cursor.execute(
            f"CREATE TABLE {TABLE} (LIKE {PLAIN} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (batch_id)"
        )
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (batch_id, row)")
        cursor.execute(f"SELECT DISTINCT batch_id FROM {PLAIN} ORDER BY batch_id")
        for (batch_id,) in cursor.fetchall():
            partition = f"{TABLE}_{int(batch_id)}"
            cursor.execute(
                f"CREATE TABLE {partition} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS, "
                f"CHECK (batch_id = {int(batch_id)}))"
            )
            cursor.execute(
                f"INSERT INTO {partition} SELECT * FROM {PLAIN} WHERE batch_id = %s ORDER BY row", [batch_id]
            )
            cursor.execute(f"ALTER TABLE {partition} ADD PRIMARY KEY (batch_id, row)")
            cursor.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {partition} FOR VALUES IN ({int(batch_id)})")
        cursor.execute(f"DROP TABLE {PLAIN}")


def one_plain_table(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {PLAIN} (LIKE {TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)")
        cursor.execute(f"INSERT INTO {PLAIN} SELECT * FROM {TABLE} ORDER BY batch_id, row")
        cursor.execute(f"DROP TABLE {TABLE}")
        cursor.execute(f"ALTER TABLE {PLAIN} RENAME TO {TABLE}")
        cursor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY (batch_id, row)")


class Migration(migrations.Migration):
    dependencies = [("sla", "0010_annotation_database_defaults")]

    operations = [migrations.RunPython(partition_by_batch, one_plain_table)]
