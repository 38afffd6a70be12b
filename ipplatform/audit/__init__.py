"""The audit trail: who changed what and when, for every audited entity (written by a session hook)."""
