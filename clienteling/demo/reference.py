"""The retail reference: specialties, services, stores, the catalogue and stock per store."""

from datetime import datetime, timedelta

from clienteling.demo import catalogue
from clienteling.demo.calendar import weekly_hours
from clienteling.demo.world import DemoWorld
from omni.models import Product, Service, Specialty, StockLevel, Store


def build_reference(world: DemoWorld) -> None:
    specialties = {
        specialty.code: specialty
        for specialty in world.insert(
            [Specialty(code=code, name=name) for code, name in catalogue.SPECIALTIES.items()]
        )
    }
    world.services = {
        service.code: service
        for service in world.insert(
            [_service(spec, specialties[spec.specialty]) for spec in catalogue.SERVICES]
        )
    }
    world.stores = {store.code: store for store in world.insert(_stores(world))}
    world.hours = {store.pk: weekly_hours(store) for store in world.stores.values()}
    for spec in catalogue.STORES:
        world.stores[spec.code].services.set([world.services[code] for code in spec.services])
    world.products = list(world.insert(_products(world)))
    world.insert(_stock_levels(world))


def _service(spec: catalogue.ServiceSpec, specialty: Specialty) -> Service:
    return Service(
        code=spec.code,
        name=spec.name,
        translated_names={"en": catalogue.SERVICE_NAMES_IN_ENGLISH[spec.code]},
        description=spec.description,
        duration_minutes=spec.duration_minutes,
        required_specialty=specialty,
        price=spec.price,
    )


def _stores(world: DemoWorld) -> list[Store]:
    opened = world.now - timedelta(days=4 * 365)
    return [
        Store(
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            address_line=spec.address_line,
            postal_code=spec.postal_code,
            city=spec.city,
            region=spec.region,
            phone=spec.phone,
            email=f"{spec.code}@stores.example.fr",
            timezone="Europe/Paris",
            opening_hours=spec.opening_hours,
            offers_click_and_collect=True,
            created_at=opened,
        )
        for spec in catalogue.STORES
    ]


def _products(world: DemoWorld) -> list[Product]:
    launched = world.now - timedelta(days=3 * 365)
    products = []
    for spec in catalogue.PRODUCTS:
        for colour in spec.colours or ("",):
            products.append(_product(spec, colour, launched))
    return products


def _product(spec: catalogue.ProductSpec, colour: str, launched: datetime) -> Product:
    brand_code = catalogue.BRAND_CODES[spec.brand]
    attributes: dict[str, object] = {"gender": spec.gender}
    if colour:
        attributes["colour"] = colour
    if spec.material:
        attributes["material"] = spec.material
    if spec.size_group:
        attributes["size_group"] = spec.size_group
        attributes["sizes"] = list(catalogue.SIZES[spec.size_group, spec.gender])
    if spec.shades:
        attributes["shades"] = list(spec.shades)
    return Product(
        sku=f"{brand_code}-{spec.code}-{catalogue.COLOURS[colour]}"
        if colour
        else f"{brand_code}-{spec.code}",
        name=f"{spec.name} — {colour}" if colour else spec.name,
        brand=spec.brand,
        department=spec.department,
        category=spec.category,
        price=spec.price,
        currency="EUR",
        attributes=attributes,
        created_at=launched,
    )


def _stock_levels(world: DemoWorld) -> list[StockLevel]:
    """Fashion stores carry everything; the institute only beauty. Some lines are sold out."""
    rng = world.rng("stock")
    levels = []
    for store in world.stores.values():
        for product in world.products:
            if store.kind == Store.Kind.INSTITUTE and product.department != "beauty":
                continue
            quantity = (
                0
                if rng.random() < 0.08
                else rng.randint(1, 40 if product.department == "beauty" else 12)
            )
            levels.append(StockLevel(store=store, product=product, quantity=quantity))
    return levels
