"""The versioned REST API (/api/v1/): authentication, permissions, idempotency, errors, schema.

Each app keeps its endpoints in `<app>/api.py`; `omni.api.router` gathers them in one router.
"""
