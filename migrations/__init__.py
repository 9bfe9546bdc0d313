"""Alembic migration chain of the ironic-lite schema."""
