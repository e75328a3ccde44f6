"""The answers to writes sent with an `Idempotency-Key`, kept 24 hours (docs/idempotency.md).

In the database, not the cache: losing the cache is one of the faults the key guards
against. A row is written in the same transaction as the write it answers, so a crash
before the commit leaves neither, and the key can be retried.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models

KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyKey(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_keys"
    )
    # The operation (URL pattern name and method), e.g. "POST analytics:dashboard-list".
    route = models.CharField(max_length=100)
    key = models.CharField(max_length=MAX_KEY_LENGTH)
    # SHA-256 of the method, the path with its query and the body: the same key with
    # another request is refused (422) rather than answered with the wrong write's result.
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(null=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "route", "key"], name="idempotency_key_unique_per_user_route"
            ),
            models.CheckConstraint(
                condition=models.Q(response_status__gte=200, response_status__lt=300),
                name="idempotency_key_stores_successes_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.route} {self.key} (user {self.user_id})"
