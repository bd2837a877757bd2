"""The audit trail: one row for every state change that matters."""

import uuid

from django.db import models


class AuditEvent(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(max_length=64)
    actor = models.CharField(max_length=255, blank=True, help_text="staff user, api key or session")
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        # Plain b-tree indexes: a CharField's db_index adds a second, LIKE-prefix index on
        # PostgreSQL, which nothing here queries (the admin's search is a LIKE '%x%'), so
        # every audited change paid for two index writes it never used.
        indexes = [
            models.Index(fields=["action"], name="audit_action"),
            models.Index(fields=["target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_id}"
