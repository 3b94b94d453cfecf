"""Page benchmarks run with debug on or off (issue 11): where no static files were collected,
pages name them as in development instead of failing on the missing manifest."""

from pathlib import Path

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import override_settings
from django.utils import translation

from omni.benchmark.pages import host_for_requests, pages_requested, static_files_named

PRODUCTION_STATIC = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}
STYLESHEET = "clienteling/app.css"


def test_without_a_manifest_pages_name_static_files_as_in_development(tmp_path: Path) -> None:
    with override_settings(
        DEBUG=False,
        STATIC_ROOT=tmp_path / "nothing-collected",
        STORAGES={**settings.STORAGES, "staticfiles": PRODUCTION_STATIC},
    ):
        with pytest.raises(ValueError, match="Missing staticfiles manifest"):
            static(STYLESHEET)
        with static_files_named():
            assert static(STYLESHEET) == f"{settings.STATIC_URL}{STYLESHEET}"


def test_with_a_manifest_or_in_development_nothing_changes() -> None:
    assert static(STYLESHEET) == f"{settings.STATIC_URL}{STYLESHEET}"
    with static_files_named():
        assert static(STYLESHEET) == f"{settings.STATIC_URL}{STYLESHEET}"


@override_settings(ALLOWED_HOSTS=["*", ".omni.example.com", "other.example.com"])
def test_requests_go_to_the_first_host_the_settings_name_plainly() -> None:
    assert host_for_requests() == "omni.example.com"


@override_settings(ALLOWED_HOSTS=["*"])
def test_requests_go_to_localhost_when_no_host_is_named() -> None:
    assert host_for_requests() == "localhost"


def test_the_language_a_page_activates_is_undone_when_the_requests_end() -> None:
    translation.activate("en")
    with pages_requested():
        translation.activate("fr")  # what the locale middleware does for a French user
    assert translation.get_language() == "en"
