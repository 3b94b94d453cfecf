"""Customers and what they told us: ids in other systems, addresses, preferences, consents."""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from faker import Faker

from clienteling.demo import catalogue
from clienteling.demo.calendar import at, random_moment
from clienteling.demo.world import DemoWorld
from customers.models import (
    Address,
    Consent,
    ConsentPurpose,
    ConsentWording,
    ContactChannel,
    Customer,
    ExternalIdentity,
    LoyaltyTier,
    MatchKey,
    Preference,
    SkinType,
)
from customers.normalization import normalize_phone
from omni.models import Channel, Store

# (share out of 100, fewest orders, most orders)
ORDER_COUNT_BUCKETS = ((18, 0, 0), (30, 1, 1), (32, 2, 4), (15, 5, 9), (5, 10, 22))
# Of the customers who never bought, the share known only as a contact.
PROSPECT_SHARE = 0.45
LAPSED_AFTER = timedelta(days=540)
FASHION_BRANDS = ("Maison Omni", "Atelier Marceau", "Soie de Lyon")
BEAUTY_BRANDS = ("Belle Arcade", "Aqua Derm", "Rose Poudrée")
FASHION_CATEGORIES = ("Trench coats", "Coats", "Knitwear", "Shirts", "Shoes", "Bags", "Scarves")
BEAUTY_CATEGORIES = ("Brows", "Make-up", "Skincare")


@dataclass
class CustomerPlan:
    """A customer about to be written, with the traits that shape her history."""

    customer: Customer
    persona: str  # fashion, beauty or both
    channels: str  # store, web or omni
    gender: str
    home_store: Store | None  # where she shops and collects; None for some web-only customers
    since: datetime
    active_until: datetime
    order_count: int
    sizes: dict[str, str] = field(default_factory=dict)
    shade: str = ""
    skin_type: str = ""
    hero: str = ""
    # Share of her orders placed online.
    web_share: float = 0.5
    # A contact and nothing more (a contest entry, a newsletter list): the "reach" stage.
    prospect: bool = False

    @property
    def shops_in_store(self) -> bool:
        return self.channels in ("store", "omni")

    @property
    def shops_online(self) -> bool:
        return self.channels in ("web", "omni")

    @property
    def likes_beauty(self) -> bool:
        return self.persona in ("beauty", "both")

    @property
    def likes_fashion(self) -> bool:
        return self.persona in ("fashion", "both")


class ContactBook:
    """Hands out emails and phone numbers nobody else has."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.emails = {hero.email for hero in catalogue.HEROES}
        self.phones = {hero.phone for hero in catalogue.HEROES}

    def email(self, first_name: str, last_name: str) -> str:
        first, last = _slug(first_name), _slug(last_name)
        local = self.rng.choice(
            (f"{first}.{last}", f"{first[0]}{last}", f"{first}{last}", f"{last}.{first}")
        )
        domain = self.rng.choice(catalogue.EMAIL_DOMAINS)
        email, suffix = f"{local}@{domain}", 1
        while email in self.emails:
            suffix += 1
            email = f"{local}{suffix}@{domain}"
        self.emails.add(email)
        return email

    def mobile_phone(self) -> str:
        """A French mobile number, valid by `normalize_phone`, the rule the app applies."""
        while True:
            if self.rng.random() < 0.7:
                phone = f"+336{self.rng.randrange(10**8):08d}"
            else:
                phone = f"+337{self.rng.randint(5, 8)}{self.rng.randrange(10**7):07d}"
            if phone not in self.phones and _is_valid_phone(phone):
                self.phones.add(phone)
                return phone


def _is_valid_phone(phone: str) -> bool:
    try:
        return normalize_phone(phone) == phone
    except ValidationError:
        return False


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return "".join(character for character in ascii_name if character.isalnum())


def build_customers(world: DemoWorld, count: int) -> list[CustomerPlan]:
    """`count` customers, the heroes first; the rows are written and have their ids."""
    plans = [_hero_plan(world, spec) for spec in catalogue.HEROES]
    rng, fake = world.rng("customers"), world.faker("customers")
    contacts = ContactBook(rng)
    plans += [
        _regular_plan(world, rng, fake, contacts, index)
        for index in range(count - len(catalogue.HEROES))
    ]
    world.insert([plan.customer for plan in plans])
    return plans


def _hero_plan(world: DemoWorld, spec: catalogue.HeroSpec) -> CustomerPlan:
    since = world.now - timedelta(days=3 * 365 - 20)
    store = world.stores[spec.home_store]
    customer = Customer(
        first_name=spec.first_name,
        last_name=spec.last_name,
        email=spec.email,
        phone=spec.phone,
        birth_date=date.fromisoformat(spec.birth_date),
        loyalty_number=spec.loyalty_number,
        loyalty_tier=spec.loyalty_tier,
        preferred_store=store,
        acquisition_channel=Channel.STORE,
        created_at=since,
        updated_at=world.now,
    )
    return CustomerPlan(
        customer=customer,
        persona=spec.persona,
        channels=spec.channels,
        gender=spec.gender,
        home_store=store,
        since=since,
        active_until=world.now,
        order_count=spec.order_count,
        sizes=dict(spec.sizes),
        shade=spec.shade,
        skin_type=spec.skin_type,
        hero=spec.key,
        web_share=spec.web_share,
    )


def _regular_plan(
    world: DemoWorld, rng: random.Random, fake: Faker, contacts: ContactBook, index: int
) -> CustomerPlan:
    home = rng.choices(
        catalogue.STORES, weights=[spec.customer_share for spec in catalogue.STORES]
    )[0]
    persona = _persona(rng, home.code)
    gender = "women" if rng.random() < (0.93 if persona == "beauty" else 0.72) else "men"
    channels = rng.choices(("store", "web", "omni"), weights=(30, 25, 45))[0]
    order_count = _order_count(rng)
    prospect = order_count == 0 and rng.random() < PROSPECT_SHARE
    since = world.now - timedelta(days=rng.uniform(3, 3 * 365))
    active_until = _active_until(rng, world.now, since, order_count)
    home_store = None if channels == "web" and rng.random() < 0.3 else world.stores[home.code]
    if prospect:
        channels, home_store = "web", None
    first_name = fake.first_name_female() if gender == "women" else fake.first_name_male()
    last_name = fake.last_name()
    customer = Customer(
        first_name=first_name,
        last_name=last_name,
        email=contacts.email(first_name, last_name)
        if channels != "store" or rng.random() < 0.75
        else None,
        phone=contacts.mobile_phone()
        if rng.random() < (0.55 if channels == "web" else 0.85)
        else None,
        birth_date=_birth_date(rng) if rng.random() < 0.35 else None,
        preferred_store=home_store,
        preferred_language="en" if rng.random() < 0.06 else "fr",
        acquisition_channel=_acquisition_channel(rng, channels),
        created_at=since,
        updated_at=active_until,
    )
    _give_loyalty(rng, customer, channels, order_count, index)
    # Every stage starts at "reach": the real rules compute it after the seed (builders.py).
    return CustomerPlan(
        customer=customer,
        persona=persona,
        channels=channels,
        gender=gender,
        home_store=home_store,
        since=since,
        active_until=active_until,
        order_count=order_count,
        sizes=_sizes(rng, gender) if persona != "beauty" else {},
        shade=rng.choice("12345") if persona != "fashion" else "",
        skin_type=rng.choice(SkinType.values[1:]) if persona != "fashion" else "",
        web_share={"store": 0.0, "web": 1.0, "omni": rng.uniform(0.3, 0.7)}[channels],
        prospect=prospect,
    )


def _persona(rng: random.Random, home_store_code: str) -> str:
    if home_store_code == catalogue.INSTITUTE:
        return rng.choices(("beauty", "both"), weights=(70, 30))[0]
    return rng.choices(("fashion", "both", "beauty"), weights=(70, 20, 10))[0]


def _order_count(rng: random.Random) -> int:
    bucket = rng.choices(ORDER_COUNT_BUCKETS, weights=[share for share, *_ in ORDER_COUNT_BUCKETS])
    _share, fewest, most = bucket[0]
    return rng.randint(fewest, most)


def _active_until(rng: random.Random, now: datetime, since: datetime, order_count: int) -> datetime:
    """A quarter of the long-standing buyers stopped coming back: they are lapsed."""
    if order_count and since < now - timedelta(days=730) and rng.random() < 0.25:
        return random_moment(rng, since + timedelta(days=60), now - LAPSED_AFTER)
    return now


def _birth_date(rng: random.Random) -> date:
    return date(rng.randint(1952, 2005), rng.randint(1, 12), rng.randint(1, 28))


def _acquisition_channel(rng: random.Random, channels: str) -> str:
    if channels == "store":
        return Channel.STORE
    if channels == "web":
        return rng.choices((Channel.WEB, Channel.SOCIAL, Channel.APP), weights=(80, 10, 10))[0]
    return rng.choices(
        (Channel.STORE, Channel.WEB, Channel.APP, Channel.SOCIAL), weights=(50, 40, 5, 5)
    )[0]


def _give_loyalty(
    rng: random.Random, customer: Customer, channels: str, order_count: int, index: int
) -> None:
    if channels == "web" or not order_count or rng.random() > 0.75:
        return
    customer.loyalty_number = f"FID-{1_000_000 + index}"
    customer.loyalty_tier = (
        LoyaltyTier.VIP
        if order_count >= 20
        else LoyaltyTier.GOLD
        if order_count >= 10
        else LoyaltyTier.SILVER
        if order_count >= 5
        else LoyaltyTier.MEMBER
    )


def _sizes(rng: random.Random, gender: str) -> dict[str, str]:
    sizes = {}
    for (group, size_gender), choices in catalogue.SIZES.items():
        if size_gender in (gender, "unisex"):
            middle = (len(choices) - 1) / 2
            position = round(min(max(rng.gauss(middle, 1.1), 0), len(choices) - 1))
            sizes[group] = choices[position]
    return sizes


def build_profile_details(world: DemoWorld, plans: list[CustomerPlan]) -> None:
    """Identities in other systems, addresses, preferences and the consent ledger."""
    rng, fake = world.rng("profile-details"), world.faker("profile-details")
    identities: list[ExternalIdentity] = []
    addresses: list[Address] = []
    preferences: list[Preference] = []
    consents: list[Consent] = []
    wordings = build_consent_wordings(world)
    for plan in plans:
        if plan.prospect:
            consents += _consents(world, rng, plan, wordings)
            continue  # no account, no address, no preferences: just a contact
        identities += _identities(world, rng, plan)
        addresses += _addresses(rng, fake, plan)
        if plan.hero or rng.random() < 0.75:
            preferences.append(_preference(rng, plan))
        consents += _consents(world, rng, plan, wordings)
    for rows in (identities, addresses, preferences, consents):
        world.insert(rows)


def _identities(world: DemoWorld, rng: random.Random, plan: CustomerPlan) -> list[ExternalIdentity]:
    """Her ids in the e-shop, the tills and the booking widget, first-seen first.

    The first one created the profile; the others were tied to it by a contact key, as the
    identity resolution records it.
    """
    ids = []
    if plan.shops_online:
        ids.append(("shopify", str(7_400_000_000_000 + world.next_number("shopify-customer"))))
    if plan.shops_in_store:
        ids.append(("pos", f"C{world.next_number('pos-customer'):08d}"))
    if plan.customer.acquisition_channel == Channel.STORE:
        ids.reverse()
    if plan.hero == catalogue.SOPHIE or (
        plan.likes_beauty and plan.shops_online and rng.random() < 0.4
    ):
        ids.append(("booking", f"bkc_{world.next_number('booking-customer'):06d}"))
    return [
        ExternalIdentity(
            customer=plan.customer,
            source=source,
            external_id=external_id,
            matched_on=_match_key(plan.customer) if number else MatchKey.NEW_PROFILE,
            created_at=plan.since,
            last_seen_at=plan.active_until,
        )
        for number, (source, external_id) in enumerate(ids)
    ]


def _match_key(customer: Customer) -> str:
    """The strongest contact key a later identity could have matched on."""
    if customer.email:
        return MatchKey.EMAIL
    if customer.phone:
        return MatchKey.PHONE
    return MatchKey.LOYALTY_NUMBER if customer.loyalty_number else MatchKey.MANUAL


def _addresses(rng: random.Random, fake: Faker, plan: CustomerPlan) -> list[Address]:
    if not plan.hero and plan.channels == "store" and rng.random() < 0.6:
        return []
    customer = plan.customer
    postal_code, city = _locality(rng, plan)
    addresses = [
        Address(
            customer=customer,
            kind=Address.Kind.HOME,
            recipient=customer.full_name,
            line1=fake.street_address(),
            postal_code=postal_code,
            city=city,
            phone=customer.phone or "",
            is_default=True,
            created_at=plan.since,
        )
    ]
    if plan.shops_online and (plan.hero or rng.random() < 0.2):
        addresses.append(
            Address(
                customer=customer,
                kind=Address.Kind.SHIPPING,
                recipient=customer.full_name,
                line1=fake.street_address(),
                line2=rng.choice(("Bâtiment B", "3e étage", "Code porte 4521B", "Accueil")),
                postal_code=postal_code,
                city=city,
                phone=customer.phone or "",
                created_at=plan.since + timedelta(days=rng.randint(1, 300)),
            )
        )
    return addresses


def _locality(rng: random.Random, plan: CustomerPlan) -> tuple[str, str]:
    if plan.home_store is not None and rng.random() < 0.8:
        return rng.choice(catalogue.STORE_SPECS[plan.home_store.code].localities)
    return rng.choice(catalogue.OTHER_LOCALITIES)


def _preference(rng: random.Random, plan: CustomerPlan) -> Preference:
    brands: list[str] = []
    categories: list[str] = []
    attributes: dict[str, object] = {
        "contact_by": rng.choice(("email", "sms", "phone")),
    }
    if plan.likes_fashion:
        brands += rng.sample(FASHION_BRANDS, rng.randint(1, 2))
        categories += rng.sample(FASHION_CATEGORIES, rng.randint(1, 3))
        attributes["fit"] = rng.choice(("fitted", "straight", "oversize"))
    if plan.likes_beauty:
        brands += rng.sample(BEAUTY_BRANDS, rng.randint(1, 2))
        categories += rng.sample(BEAUTY_CATEGORIES, rng.randint(1, 2))
        attributes["brow_shade"] = plan.shade
        attributes["allergies"] = rng.choice(("", "", "", "parfums", "latex"))
    if plan.hero == catalogue.CLAIRE:
        brands, categories = ["Maison Omni", "Soie de Lyon"], ["Trench coats", "Scarves", "Bags"]
    return Preference(
        customer=plan.customer,
        sizes=plan.sizes,
        favourite_brands=brands,
        favourite_categories=categories,
        skin_type=plan.skin_type,
        attributes=attributes,
        created_at=plan.since,
    )


# (purpose, contact channel, probability of a grant, needs: email or phone)
CONSENT_OFFERS = (
    (ConsentPurpose.NEWSLETTER, ContactChannel.EMAIL, 0.55, "email"),
    (ConsentPurpose.MARKETING, ContactChannel.EMAIL, 0.4, "email"),
    (ConsentPurpose.MARKETING, ContactChannel.SMS, 0.3, "phone"),
    (ConsentPurpose.PERSONALISED_ADVICE, ContactChannel.EMAIL, 0.35, "email"),
    (ConsentPurpose.SATISFACTION, ContactChannel.EMAIL, 0.25, "email"),
    (ConsentPurpose.PARTNERS, ContactChannel.EMAIL, 0.03, "email"),
)


# The wordings of the demo's consent forms, by (purpose, version, language).
Wordings = dict[tuple[str, str, str], ConsentWording]


def build_consent_wordings(world: DemoWorld) -> Wordings:
    """Every version of the consent form, for each purpose, in French and English."""
    in_force_from = dict(WORDINGS_IN_FORCE)
    versions = [version for version, _effective in catalogue.CONSENT_WORDINGS]
    wordings = []
    additions = catalogue.CONSENT_TEXT_ADDITIONS
    for number, version in enumerate(versions):
        for (purpose, language), text in catalogue.CONSENT_TEXTS.items():
            added = [additions[(later, language)] for later in versions[1 : number + 1]]
            sentences = [text, *added]
            wordings.append(
                ConsentWording(
                    purpose=purpose,
                    version=version,
                    language=language,
                    text=" ".join(sentences),
                    valid_from=in_force_from[version],
                    created_at=in_force_from[version],
                )
            )
    world.insert(wordings)
    return {(wording.purpose, wording.version, wording.language): wording for wording in wordings}


def _consents(
    world: DemoWorld, rng: random.Random, plan: CustomerPlan, wordings: Wordings
) -> list[Consent]:
    """Choices made at sign-up; later, some withdrawals and some renewals on new wording."""
    customer = plan.customer
    ledger = []
    for purpose, channel, probability, needs in CONSENT_OFFERS:
        if getattr(customer, needs) is None:
            continue
        granted = plan.hero != "" or rng.random() < probability
        if not granted and rng.random() < 0.85:
            continue  # Most refusals are simply boxes left unticked: nothing recorded.
        decision = {"purpose": purpose, "channel": channel, "wordings": wordings}
        ledger.append(_signup_consent(world, rng, plan, **decision, granted=granted))
        if granted and rng.random() < 0.15:
            ledger.append(_later_consent(world, rng, plan, **decision, granted=False))
        elif granted and rng.random() < 0.12:
            ledger.append(_later_consent(world, rng, plan, **decision, granted=True))
    return ledger


# (version, in force from), newest first
WORDINGS_IN_FORCE = [
    (version, at(date.fromisoformat(effective), time(0, 0)))
    for version, effective in reversed(catalogue.CONSENT_WORDINGS)
]


def _wording_at(moment: datetime) -> str:
    """The wording of the consent form in force at `moment`."""
    for version, in_force_from in WORDINGS_IN_FORCE:
        if moment >= in_force_from:
            return version
    return WORDINGS_IN_FORCE[-1][0]


def _wording(
    wordings: Wordings, plan: CustomerPlan, purpose: str, moment: datetime
) -> ConsentWording:
    """The wording in force at `moment`, in the customer's language."""
    return wordings[(purpose, _wording_at(moment), plan.customer.preferred_language)]


def _signup_consent(
    world: DemoWorld,
    rng: random.Random,
    plan: CustomerPlan,
    purpose: str,
    channel: str,
    *,
    granted: bool,
    wordings: Wordings,
) -> Consent:
    in_store = plan.customer.acquisition_channel == Channel.STORE and plan.home_store is not None
    recorder = rng.choice(world.team(plan.home_store)).user if in_store else None
    return Consent(
        customer=plan.customer,
        purpose=purpose,
        channel=channel,
        granted=granted,
        recorded_at=plan.since,
        collected_via=Channel.STORE if in_store else Channel.WEB,
        collected_at_store=plan.home_store if in_store else None,
        recorded_by=recorder,
        wording=_wording(wordings, plan, purpose, plan.since),
        wording_version=_wording_at(plan.since),
        proof={"form": "tablet-signup", "signature": "on-screen", "associate": recorder.username}
        if recorder
        else {"form": "account-creation", "ip": _ip_address(rng), "checkbox": True},
    )


def _later_consent(
    world: DemoWorld,
    rng: random.Random,
    plan: CustomerPlan,
    purpose: str,
    channel: str,
    *,
    granted: bool,
    wordings: Wordings,
) -> Consent:
    """A withdrawal (unsubscribe link) or a renewal on the wording in force at the time."""
    moment = random_moment(rng, plan.since + timedelta(days=1), world.now)
    return Consent(
        customer=plan.customer,
        purpose=purpose,
        channel=channel,
        granted=granted,
        recorded_at=moment,
        collected_via=Channel.WEB if granted else _withdrawal_channel(channel),
        wording=_wording(wordings, plan, purpose, moment),
        wording_version=_wording_at(moment),
        proof={"form": "preference-centre", "ip": _ip_address(rng)}
        if granted
        else _withdrawal_proof(channel, moment),
    )


def _withdrawal_channel(channel: str) -> str:
    return Channel.SMS if channel == ContactChannel.SMS else Channel.EMAIL


def _withdrawal_proof(channel: str, moment: datetime) -> dict[str, str]:
    if channel == ContactChannel.SMS:
        return {"method": "stop-sms", "message": "STOP"}
    return {"method": "unsubscribe-link", "campaign": f"newsletter-{moment:%Y-%m}"}


def _ip_address(rng: random.Random) -> str:
    first = rng.choice((78, 81, 86, 90, 92, 176))
    second, third, fourth = rng.getrandbits(8), rng.getrandbits(8), rng.getrandbits(8) or 1
    return f"{first}.{second}.{third}.{fourth}"
