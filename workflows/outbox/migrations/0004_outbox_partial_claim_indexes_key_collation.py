"""Fewer index writes per outbox row: the sweep's indexes hold only the rows it can claim, and on
PostgreSQL the idempotency key sorts in byte order, so its unique index serves prefix searches and
the pattern-ops twin Django adds for a unique CharField is dropped."""

from django.db import migrations, models


def key_in_byte_order(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'outbox_scheduledaction' "
            "AND indexdef LIKE '%%idempotency_key varchar_pattern_ops%%'"
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{name}"')
        cursor.execute(
            'ALTER TABLE outbox_scheduledaction ALTER COLUMN idempotency_key TYPE varchar(200) COLLATE "C"'
        )


def key_in_default_order(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            'ALTER TABLE outbox_scheduledaction ALTER COLUMN idempotency_key TYPE varchar(200) COLLATE "default"'
        )
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS outbox_scheduledaction_idempotency_key_like "
            "ON outbox_scheduledaction (idempotency_key varchar_pattern_ops)"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("outbox", "0003_merge_attempt_history_and_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="scheduledaction", name="outbox_due_idx"),
        migrations.RemoveIndex(model_name="scheduledaction", name="outbox_claim_idx"),
        migrations.AddIndex(
            model_name="scheduledaction",
            index=models.Index(condition=models.Q(status="pending"), fields=["due_at"], name="outbox_due_pending_idx"),
        ),
        migrations.AddIndex(
            model_name="scheduledaction",
            index=models.Index(
                condition=models.Q(status="sending"), fields=["claimed_at"], name="outbox_claim_sending_idx"
            ),
        ),
        migrations.RunPython(key_in_byte_order, key_in_default_order),
    ]
