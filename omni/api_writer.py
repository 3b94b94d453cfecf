"""Which API client is writing, for the histories: a token request's client, set by the API
views for the time of the request (omni.api.viewsets) and read where a workflow records who
moved a record (omni.state_machines, the batch writers). None in the tablet, the admin, tasks
and commands, where a user (or nobody) is the actor."""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

_writing: ContextVar[Any] = ContextVar("omni_api_client_writing", default=None)


def writing_api_client() -> Any:
    """The ApiClient of the request being served, or None."""
    return _writing.get()


@contextlib.contextmanager
def api_client_writing(client: Any = None) -> Iterator[None]:
    """Within the block, `client` writes (None: nobody yet); what was set before comes back
    at the end, whatever `writing_is` set inside."""
    token = _writing.set(client)
    try:
        yield
    finally:
        _writing.reset(token)


def writing_is(client: Any) -> None:
    """Once the request is authenticated: its client writes, until the enclosing
    `api_client_writing` block ends."""
    _writing.set(client)
