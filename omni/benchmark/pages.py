"""What every benchmark that requests pages in-process (Django's test client) needs, whatever
the app: a host the settings accept, static files named even where none were collected, and the
caller's language left as it was (a page activates its user's)."""

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

from django.conf import settings
from django.contrib.staticfiles.storage import ManifestFilesMixin
from django.core.files.storage import storages
from django.test import override_settings
from django.utils import translation


def host_for_requests() -> str:
    """The first host ALLOWED_HOSTS names plainly (a leading dot dropped), else localhost."""
    hosts = [host for host in settings.ALLOWED_HOSTS if host and "*" not in host]
    return hosts[0].lstrip(".") if hosts else "localhost"


@contextmanager
def pages_requested() -> Iterator[None]:
    """Around a benchmark's requests: static files named (`static_files_named`) and, at the end,
    the language active before them (the locale middleware leaves the last page's active: a
    command called in-process, by a test say, handed French to whatever ran next)."""
    with translation.override(translation.get_language()), static_files_named():
        yield


def static_files_named() -> AbstractContextManager[object]:
    """With debug off, pages name their CSS and scripts through the manifest `collectstatic`
    writes; where nothing was collected (a checkout, a CI machine) every page would fail. Within
    this, pages name the files as in development instead: the same work, a dictionary lookup
    less. Where the manifest exists (or debug is on), nothing changes."""
    storage = storages["staticfiles"]
    if not isinstance(storage, ManifestFilesMixin) or storage.exists(storage.manifest_name):
        return nullcontext()
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    return override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain})
