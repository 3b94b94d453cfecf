"""Demo accounts: the superuser, a head-office marketer, the data protection officer, and each
store's team."""

from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User

from clienteling.demo import catalogue
from clienteling.demo.world import DemoWorld
from clienteling.models import Associate
from omni.models import Specialty
from omni.roles import ensure_dpo_group, ensure_head_office_group, ensure_operations_group


def demo_usernames() -> list[str]:
    return [username for username, *_rest in catalogue.HEAD_OFFICE_STAFF] + [
        spec.username for spec in catalogue.STAFF
    ]


def build_staff(world: DemoWorld) -> None:
    # Hashing is deliberately slow: hash the shared demo password once for every account.
    password = make_password(catalogue.DEMO_PASSWORD)
    joined = world.now - timedelta(days=3 * 365)
    users = [
        _user(username, first_name, last_name, password, joined, is_superuser=is_superuser)
        for username, first_name, last_name, is_superuser in catalogue.HEAD_OFFICE_STAFF
    ] + [
        _user(spec.username, spec.first_name, spec.last_name, password, joined)
        for spec in catalogue.STAFF
    ]
    existing = User.objects.in_bulk([user.username for user in users], field_name="username")
    world.insert([user for user in users if user.username not in existing])
    # An account that already existed (say a developer's "admin") keeps its password.
    world.users = {user.username: existing.get(user.username, user) for user in users}
    world.kept_accounts = sorted(existing)
    world.users[catalogue.MARKETER_USERNAME].groups.add(ensure_head_office_group())
    world.users[catalogue.DPO_USERNAME].groups.add(ensure_dpo_group())
    world.users[catalogue.OPERATIONS_USERNAME].groups.add(ensure_operations_group())
    associates = [
        Associate(
            user=world.users[spec.username],
            store=world.stores[spec.store],
            role=Associate.Role.STORE_MANAGER if spec.is_manager else Associate.Role.ASSOCIATE,
            created_at=joined,
        )
        for spec in catalogue.STAFF
    ]
    world.associates = {
        associate.user.username: associate for associate in world.insert(associates)
    }
    _give_specialties(world)


def _user(
    username: str,
    first_name: str,
    last_name: str,
    password: str,
    joined: datetime,
    *,
    is_superuser: bool = False,
) -> User:
    head_office = username in (
        catalogue.SUPERUSER_USERNAME,
        catalogue.MARKETER_USERNAME,
        catalogue.DPO_USERNAME,
        catalogue.OPERATIONS_USERNAME,
    )
    return User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=f"{username}@{catalogue.STAFF_EMAIL_DOMAIN}",
        password=password,
        is_staff=head_office,
        is_superuser=is_superuser,
        date_joined=joined,
    )


def _give_specialties(world: DemoWorld) -> None:
    specialties = Specialty.objects.in_bulk(field_name="code")
    through = Associate.specialties.through
    through.objects.bulk_create(
        [
            through(associate=world.associates[spec.username], specialty=specialties[code])
            for spec in catalogue.STAFF
            for code in spec.specialties
        ]
    )
