"""Re-encrypt every confidential column to the newest key of CONFIDENTIAL_KEYS, in batches.

Each batch is its own transaction and only rows not yet on the newest key are picked, so the
command can be stopped and run again: it continues where it stopped. Remove an old key from the
ring only after this reports nothing left to do."""

from django.core.management.base import BaseCommand

from offboarding.actions import answers
from offboarding.feedback import crypto


class Command(BaseCommand):
    help = "Re-encrypt confidential answers to the newest key (batched, resumable)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500)

    def handle(self, *args, batch_size: int, **options) -> None:
        version = crypto.key_ring().current_version
        self.stdout.write(f"Re-encrypting to key version {version}.")
        grand_total = 0
        for model, field in answers.ENCRYPTED_FIELDS:
            label = f"{model._meta.label}.{field}"
            pending = answers.confidential_pending_rotation(model=model, field=field)
            done, after = 0, 0
            while True:
                count, last = answers.confidential_rotate_batch(
                    model=model, field=field, batch_size=batch_size, after_pk=after
                )
                if not count:
                    break
                done += count
                after = last
                self.stdout.write(f"{label}: {done}/{pending}")
            grand_total += done
            self.stdout.write(f"{label}: done, {done} re-encrypted.")
        self.stdout.write(self.style.SUCCESS(f"Rotation complete: {grand_total} values now use key version {version}."))
