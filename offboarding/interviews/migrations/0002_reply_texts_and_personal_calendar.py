# Reply notes become ciphertext bound to a new per-row uuid: existing rows get their own uuid, and their
# plain notes are sealed, before the uuid turns unique.

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models

from offboarding.feedback import crypto


def seal_existing_notes(apps, schema_editor):
    AttendeeReply = apps.get_model("interviews", "AttendeeReply")
    for reply in AttendeeReply.objects.all().iterator():
        reply.uuid = uuid.uuid4()
        if reply.note:
            reply.note = crypto.encrypt(
                reply.note, table=AttendeeReply._meta.db_table, row=str(reply.uuid), field="note"
            )
        reply.save(update_fields=["uuid", "note"])


class Migration(migrations.Migration):

    dependencies = [
        ('interviews', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='attendeereply',
            name='comment',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='attendeereply',
            name='decided_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='attendeereply',
            name='decided_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='attendeereply',
            name='decision',
            field=models.CharField(blank=True, choices=[('', 'Open'), ('accepted', 'Accepted'), ('refused', 'Refused')], default='', max_length=10),
        ),
        migrations.AddField(
            model_name='attendeereply',
            name='uuid',
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.RunPython(seal_existing_notes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='attendeereply',
            name='uuid',
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name='attendeereply',
            name='method',
            field=models.CharField(choices=[('REPLY', 'iTIP REPLY'), ('COUNTER', 'iTIP COUNTER'), ('OTHER_TIME', 'Asked for another time'), ('DECLINE', 'Declined in the app')], max_length=10),
        ),
        migrations.CreateModel(
            name='PersonalCalendar',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('uuid', models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                ('kind', models.CharField(blank=True, choices=[('caldav', 'CalDAV calendar (free-busy query)'), ('ics', 'Published iCalendar URL')], max_length=10)),
                ('url', models.TextField(blank=True)),
                ('username', models.CharField(blank=True, max_length=200)),
                ('password', models.TextField(blank=True)),
                ('default_location', models.CharField(blank=True, max_length=255)),
                ('connected_at', models.DateTimeField(blank=True, null=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='personal_calendar', to=settings.AUTH_USER_MODEL)),
            ],
        ),
    ]
