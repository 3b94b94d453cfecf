"""Persona fixtures shared by the whole suite (DESIGN.md, house style §8)."""

import gc
from collections.abc import Iterator

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from django.utils import translation

from clienteling.factories import AssociateFactory
from clienteling.models import Associate
from customers.name_words import VOCABULARY
from omni.factories import StoreFactory, UserFactory
from omni.models import Store
from omni.roles import ensure_head_office_group


@pytest.fixture
def store() -> Store:
    return StoreFactory(code="paris-flagship", name="Paris Flagship", kind=Store.Kind.FLAGSHIP)


@pytest.fixture
def other_store() -> Store:
    return StoreFactory(
        code="lyon", name="Lyon Boutique", city="Lyon", region="Auvergne-Rhône-Alpes"
    )


@pytest.fixture
def associate(store: Store) -> Associate:
    return AssociateFactory(user__username="camille", store=store)


@pytest.fixture
def store_manager(store: Store) -> Associate:
    return AssociateFactory(
        user__username="manager", store=store, role=Associate.Role.STORE_MANAGER
    )


@pytest.fixture
def other_store_associate(other_store: Store) -> Associate:
    return AssociateFactory(user__username="lyon-associate", store=other_store)


@pytest.fixture
def marketer(db: None) -> User:
    user = UserFactory(username="marketer", is_staff=True)
    user.groups.add(ensure_head_office_group())
    return user


@pytest.fixture
def superuser(db: None) -> User:
    return UserFactory(username="admin", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    """The test client signed in as the project's superuser persona."""
    client.force_login(superuser)
    return client


@pytest.fixture(autouse=True)
def fresh_rate_limit_counters() -> Iterator[None]:
    """Rate limit counters live in the cache: a test does not inherit another's requests."""
    caches["default"].clear()
    yield
    caches["default"].clear()


@pytest.fixture(autouse=True)
def fresh_name_vocabulary() -> Iterator[None]:
    """The process holds the search's name vocabulary for minutes; each test starts anew."""
    VOCABULARY.forget()
    yield
    VOCABULARY.forget()


@pytest.fixture
def restored_collector() -> Iterator[None]:
    """Python's cycle collector as it was before the test (tests of what settles it)."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the default language: a page requested in French leaves French
    active in the thread (the locale middleware activates a language and never deactivates
    it), and the next test's English expectations would read French."""
    translation.deactivate()
    yield
    translation.deactivate()
