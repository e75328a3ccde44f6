"""Delete Idempotency-Key answers older than 24 hours (run it hourly, e.g. from cron)."""

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from idempotency.models import KEY_LIFETIME, IdempotencyKey

BATCH = 5000


class Command(BaseCommand):
    help = "Delete stored Idempotency-Key answers older than 24 hours."

    def handle(self, *args: Any, **options: Any) -> None:
        cutoff = timezone.now() - KEY_LIFETIME
        total = 0
        while True:
            # In batches: one short transaction each, never a long lock on the table.
            ids = list(
                IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[
                    :BATCH
                ]
            )
            if not ids:
                break
            total += IdempotencyKey.objects.filter(pk__in=ids).delete()[0]
        self.stdout.write(f"Deleted {total} expired idempotency key(s).")
