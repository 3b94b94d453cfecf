"""Fixed reference data of the demo retailer: stores, services, staff, products and heroes.

Brands are invented (Maison Omni for fashion, Belle Arcade for beauty) but the assortment,
prices and opening hours are those of a French premium retailer.
"""

from dataclasses import dataclass, field
from decimal import Decimal

DEMO_PASSWORD = "omni-demo-2026"
SUPERUSER_USERNAME = "admin"
MARKETER_USERNAME = "marketing"
DPO_USERNAME = "dpo"
OPERATIONS_USERNAME = "ops"
STAFF_EMAIL_DOMAIN = "staff.example.fr"

FLAGSHIP = "paris-flagship"
INSTITUTE = "paris-marais"

ESTHETICIAN = "esthetician"
TAILOR = "tailor"
PERSONAL_SHOPPER = "personal-shopper"

SPECIALTIES = {
    ESTHETICIAN: "Esthéticienne",
    TAILOR: "Retoucheur / retoucheuse",
    PERSONAL_SHOPPER: "Personal shopper",
}


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    name: str
    description: str
    duration_minutes: int
    specialty: str
    price: Decimal


SERVICES = (
    ServiceSpec(
        "personal-shopping",
        "Séance de personal shopping",
        "Une conseillère sélectionne des pièces selon vos envies et votre morphologie.",
        90,
        PERSONAL_SHOPPER,
        Decimal("0.00"),
    ),
    ServiceSpec(
        "fitting-alterations",
        "Essayage et retouches",
        "Prise de mesures et retouches d'ourlet, de manches ou de taille par notre atelier.",
        30,
        TAILOR,
        Decimal("0.00"),
    ),
    ServiceSpec(
        "brow-styling",
        "Restructuration des sourcils",
        "Diagnostic, épilation à la cire et mise en forme des sourcils.",
        30,
        ESTHETICIAN,
        Decimal("35.00"),
    ),
    ServiceSpec(
        "brow-lamination",
        "Brow lamination et teinture",
        "Lissage et fixation des poils, teinture adaptée à votre carnation.",
        45,
        ESTHETICIAN,
        Decimal("65.00"),
    ),
    ServiceSpec(
        "make-up-lesson",
        "Cours de maquillage",
        "Une heure pour apprendre les gestes d'un maquillage jour ou soirée.",
        60,
        ESTHETICIAN,
        Decimal("55.00"),
    ),
    ServiceSpec(
        "facial",
        "Soin du visage éclat",
        "Nettoyage, gommage, masque et modelage adaptés à votre type de peau.",
        60,
        ESTHETICIAN,
        Decimal("75.00"),
    ),
)

# The services' names for associates and customers who read English (Service.translated_names).
SERVICE_NAMES_IN_ENGLISH = {
    "personal-shopping": "Personal shopping session",
    "fitting-alterations": "Fitting and alterations",
    "brow-styling": "Brow styling",
    "brow-lamination": "Brow lamination and tint",
    "make-up-lesson": "Make-up lesson",
    "facial": "Radiance facial",
}

FASHION_SERVICES = ("personal-shopping", "fitting-alterations")
BEAUTY_SERVICES = ("brow-styling", "brow-lamination", "make-up-lesson", "facial")

_WEEKDAYS_10_19 = {
    day: [["10:00", "19:00"]]
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
}


@dataclass(frozen=True)
class StoreSpec:
    code: str
    name: str
    kind: str
    address_line: str
    postal_code: str
    city: str
    region: str
    phone: str
    opening_hours: dict[str, list[list[str]]]
    services: tuple[str, ...]
    # Share of the customers who call this store home, out of 100.
    customer_share: int
    # Where the customers who call it home live: (postal code, city).
    localities: tuple[tuple[str, str], ...]
    # Prefix of its till receipts, e.g. PSH-0000123.
    receipt_prefix: str


STORES = (
    StoreSpec(
        FLAGSHIP,
        "Omni Paris Saint-Honoré",
        "flagship",
        "229 rue Saint-Honoré",
        "75001",
        "Paris",
        "Île-de-France",
        "+33142600101",
        {
            **{
                day: [["10:00", "20:00"]]
                for day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday")
            },
            "sunday": [["11:00", "19:00"]],
        },
        FASHION_SERVICES,
        28,
        (
            ("75001", "Paris"),
            ("75007", "Paris"),
            ("75008", "Paris"),
            ("75016", "Paris"),
            ("75017", "Paris"),
            ("92200", "Neuilly-sur-Seine"),
            ("78000", "Versailles"),
        ),
        "PSH",
    ),
    StoreSpec(
        INSTITUTE,
        "Institut Beauté Paris Marais",
        "institute",
        "18 rue des Francs-Bourgeois",
        "75003",
        "Paris",
        "Île-de-France",
        "+33142720202",
        {
            **{
                day: [["10:00", "19:00"]]
                for day in ("monday", "tuesday", "wednesday", "friday", "saturday")
            },
            "thursday": [["10:00", "20:30"]],
            # Open every day, so a booking "tomorrow" always falls in opening hours.
            "sunday": [["11:00", "18:00"]],
        },
        BEAUTY_SERVICES,
        16,
        (
            ("75003", "Paris"),
            ("75004", "Paris"),
            ("75011", "Paris"),
            ("75010", "Paris"),
            ("75020", "Paris"),
            ("93100", "Montreuil"),
        ),
        "PMA",
    ),
    StoreSpec(
        "lyon",
        "Omni Lyon Presqu'île",
        "boutique",
        "45 rue de la République",
        "69002",
        "Lyon",
        "Auvergne-Rhône-Alpes",
        "+33478420303",
        _WEEKDAYS_10_19,
        FASHION_SERVICES,
        16,
        (
            ("69001", "Lyon"),
            ("69002", "Lyon"),
            ("69003", "Lyon"),
            ("69006", "Lyon"),
            ("69100", "Villeurbanne"),
        ),
        "LYO",
    ),
    StoreSpec(
        "bordeaux",
        "Omni Bordeaux Sainte-Catherine",
        "boutique",
        "112 rue Sainte-Catherine",
        "33000",
        "Bordeaux",
        "Nouvelle-Aquitaine",
        "+33556440404",
        {**_WEEKDAYS_10_19, "saturday": [["10:00", "19:30"]]},
        FASHION_SERVICES,
        13,
        (
            ("33000", "Bordeaux"),
            ("33200", "Bordeaux"),
            ("33300", "Bordeaux"),
            ("33700", "Mérignac"),
        ),
        "BDX",
    ),
    StoreSpec(
        "lille",
        "Omni Lille Grand-Place",
        "boutique",
        "20 rue Neuve",
        "59000",
        "Lille",
        "Hauts-de-France",
        "+33320550505",
        # Monday afternoon only, with two ranges on Saturday: hours are not always one block.
        {
            **_WEEKDAYS_10_19,
            "monday": [["14:00", "19:00"]],
            "saturday": [["10:00", "13:00"], ["14:00", "19:30"]],
        },
        FASHION_SERVICES,
        12,
        (
            ("59000", "Lille"),
            ("59800", "Lille"),
            ("59700", "Marcq-en-Barœul"),
            ("59130", "Lambersart"),
        ),
        "LIL",
    ),
    StoreSpec(
        "marseille",
        "Omni Marseille Paradis",
        "boutique",
        "55 rue Paradis",
        "13006",
        "Marseille",
        "Provence-Alpes-Côte d'Azur",
        "+33491330606",
        _WEEKDAYS_10_19,
        FASHION_SERVICES,
        15,
        (
            ("13001", "Marseille"),
            ("13006", "Marseille"),
            ("13008", "Marseille"),
            ("13007", "Marseille"),
            ("13100", "Aix-en-Provence"),
        ),
        "MRS",
    ),
)
STORE_SPECS = {spec.code: spec for spec in STORES}


@dataclass(frozen=True)
class StaffSpec:
    username: str
    first_name: str
    last_name: str
    store: str
    is_manager: bool = False
    specialties: tuple[str, ...] = ()


STAFF = (
    StaffSpec("manager.paris", "Nathalie", "Girard", FLAGSHIP, True, (PERSONAL_SHOPPER,)),
    StaffSpec("camille.paris", "Camille", "Laurent", FLAGSHIP, False, (PERSONAL_SHOPPER,)),
    StaffSpec("hugo.paris", "Hugo", "Moreau", FLAGSHIP, False, (TAILOR,)),
    StaffSpec("lea.paris", "Léa", "Fontaine", FLAGSHIP, False, (PERSONAL_SHOPPER,)),
    StaffSpec("mehdi.paris", "Mehdi", "Haddad", FLAGSHIP, False, (TAILOR,)),
    StaffSpec("manager.institut", "Aurélie", "Chevalier", INSTITUTE, True, (ESTHETICIAN,)),
    StaffSpec("ines.institut", "Inès", "Benali", INSTITUTE, False, (ESTHETICIAN,)),
    StaffSpec("chloe.institut", "Chloé", "Petit", INSTITUTE, False, (ESTHETICIAN,)),
    StaffSpec("manon.institut", "Manon", "Rousseau", INSTITUTE, False, (ESTHETICIAN,)),
    StaffSpec("manager.lyon", "Julien", "Mercier", "lyon", True),
    StaffSpec("lucas.lyon", "Lucas", "Bonnet", "lyon", False, (TAILOR,)),
    StaffSpec("emma.lyon", "Emma", "Faure", "lyon", False, (PERSONAL_SHOPPER,)),
    StaffSpec("manager.bordeaux", "Isabelle", "Roux", "bordeaux", True),
    StaffSpec("jules.bordeaux", "Jules", "Lambert", "bordeaux", False, (PERSONAL_SHOPPER,)),
    StaffSpec("sarah.bordeaux", "Sarah", "Dupuis", "bordeaux", False, (TAILOR,)),
    StaffSpec("theo.bordeaux", "Théo", "Garnier", "bordeaux"),
    StaffSpec("manager.lille", "Stéphane", "Lemoine", "lille", True),
    StaffSpec("louise.lille", "Louise", "Vasseur", "lille", False, (PERSONAL_SHOPPER,)),
    StaffSpec("maxime.lille", "Maxime", "Delattre", "lille", False, (TAILOR,)),
    StaffSpec("manager.marseille", "Karima", "Benhamou", "marseille", True),
    StaffSpec("yasmine.marseille", "Yasmine", "Amrani", "marseille", False, (PERSONAL_SHOPPER,)),
    StaffSpec("nicolas.marseille", "Nicolas", "Fabre", "marseille", False, (TAILOR,)),
    StaffSpec("julie.marseille", "Julie", "Giraud", "marseille"),
)

HEAD_OFFICE_STAFF = (
    # username, first name, last name, is superuser
    (SUPERUSER_USERNAME, "Alex", "Admin", True),
    (MARKETER_USERNAME, "Pauline", "Marchand", False),
    (DPO_USERNAME, "Sophie", "Delorme", False),
    (OPERATIONS_USERNAME, "Thomas", "Roux", False),
)


@dataclass(frozen=True)
class ProductSpec:
    """One model of the range; each colour becomes its own SKU."""

    code: str
    name: str
    brand: str
    department: str
    category: str
    price: Decimal
    colours: tuple[str, ...] = ()
    # Which of the customer's sizes applies (coats, tops, bottoms, shoes, belts), if any.
    size_group: str = ""
    gender: str = "women"
    material: str = ""
    shades: tuple[str, ...] = ()


BRAND_CODES = {
    "Maison Omni": "MO",
    "Atelier Marceau": "AM",
    "Soie de Lyon": "SL",
    "Belle Arcade": "BA",
    "Aqua Derm": "AD",
    "Rose Poudrée": "RP",
}

COLOURS = {
    "miel": "HON",
    "noir": "BLK",
    "kaki": "KHA",
    "marine": "NVY",
    "camel": "CML",
    "écru": "ECR",
    "bordeaux": "BDX",
    "gris chiné": "GRY",
    "blanc": "WHT",
    "cognac": "COG",
    "rose poudré": "PNK",
    "carreaux héritage": "CHK",
}

_D = Decimal
PRODUCTS = (
    ProductSpec("TRN-KEN", "Trench Kensington long", "Maison Omni", "fashion", "Trench coats",
                _D("1890.00"), ("miel", "noir", "kaki"), "coats", "women", "gabardine de coton"),
    ProductSpec("TRN-CHE", "Trench Chelsea court", "Maison Omni", "fashion", "Trench coats",
                _D("1590.00"), ("miel", "marine"), "coats", "women", "gabardine de coton"),
    ProductSpec("TRN-WAT", "Trench Waterloo croisé", "Maison Omni", "fashion", "Trench coats",
                _D("2190.00"), ("miel", "noir"), "coats", "men", "gabardine de coton"),
    ProductSpec("MAN-CAM", "Manteau Camden en cachemire", "Maison Omni", "fashion", "Coats",
                _D("2450.00"), ("camel", "marine"), "coats", "women", "cachemire"),
    ProductSpec("CAB-HYD", "Caban Hyde en laine", "Maison Omni", "fashion", "Coats",
                _D("1290.00"), ("marine", "noir"), "coats", "men", "laine vierge"),
    ProductSpec("PUL-CAC", "Pull col rond en cachemire", "Maison Omni", "fashion", "Knitwear",
                _D("590.00"), ("camel", "gris chiné", "écru"), "tops", "women", "cachemire"),
    ProductSpec("CAR-MER", "Cardigan en laine mérinos", "Maison Omni", "fashion", "Knitwear",
                _D("450.00"), ("marine", "écru"), "tops", "women", "mérinos"),
    ProductSpec("PUL-HOM", "Pull col camionneur", "Maison Omni", "fashion", "Knitwear",
                _D("520.00"), ("gris chiné", "marine"), "tops", "men", "laine et cachemire"),
    ProductSpec("CHE-POP", "Chemise en popeline de coton", "Maison Omni", "fashion", "Shirts",
                _D("290.00"), ("blanc", "carreaux héritage"), "tops", "women", "coton"),
    ProductSpec("CHE-OXF", "Chemise Oxford", "Maison Omni", "fashion", "Shirts",
                _D("260.00"), ("blanc", "marine"), "tops", "men", "coton"),
    ProductSpec("ROB-SOI", "Robe chemise en soie", "Maison Omni", "fashion", "Dresses",
                _D("890.00"), ("écru", "bordeaux"), "bottoms", "women", "soie"),
    ProductSpec("PAN-CIG", "Pantalon cigarette en laine", "Maison Omni", "fashion", "Trousers",
                _D("420.00"), ("noir", "camel"), "bottoms", "women", "laine"),
    ProductSpec("PAN-CHI", "Chino en gabardine", "Maison Omni", "fashion", "Trousers",
                _D("350.00"), ("kaki", "marine"), "bottoms", "men", "coton"),
    ProductSpec("DER-GRA", "Derbies en cuir grainé", "Atelier Marceau", "fashion", "Shoes",
                _D("590.00"), ("noir", "cognac"), "shoes", "women", "cuir de veau"),
    ProductSpec("BOT-CHE", "Bottines Chelsea", "Atelier Marceau", "fashion", "Shoes",
                _D("690.00"), ("noir", "cognac"), "shoes", "women", "cuir"),
    ProductSpec("ESC-VER", "Escarpins vernis", "Atelier Marceau", "fashion", "Shoes",
                _D("520.00"), ("noir", "rose poudré"), "shoes", "women", "cuir verni"),
    ProductSpec("BAS-CUI", "Baskets en cuir", "Atelier Marceau", "fashion", "Shoes",
                _D("450.00"), ("blanc", "noir"), "shoes", "men", "cuir"),
    ProductSpec("ECH-CAR", "Écharpe en cachemire à carreaux", "Maison Omni", "accessories",
                "Scarves", _D("490.00"), ("carreaux héritage", "gris chiné", "camel"),
                gender="unisex", material="cachemire"),
    ProductSpec("CAR-SOI", "Carré de soie imprimé", "Soie de Lyon", "accessories", "Scarves",
                _D("350.00"), ("bordeaux", "marine", "miel"), material="twill de soie"),
    ProductSpec("SAC-CAB", "Sac cabas en cuir", "Maison Omni", "accessories", "Bags",
                _D("1650.00"), ("cognac", "noir"), material="cuir de veau"),
    ProductSpec("SAC-LOL", "Sac bandoulière Lola", "Maison Omni", "accessories", "Bags",
                _D("1290.00"), ("noir", "miel", "rose poudré"), material="cuir matelassé"),
    ProductSpec("SAC-SEA", "Sac seau en toile et cuir", "Maison Omni", "accessories", "Bags",
                _D("1190.00"), ("carreaux héritage", "noir"), material="toile et cuir"),
    ProductSpec("POC-CUI", "Pochette en cuir", "Maison Omni", "accessories", "Bags",
                _D("590.00"), ("noir", "bordeaux"), material="cuir"),
    ProductSpec("POR-CMP", "Portefeuille compact", "Maison Omni", "accessories",
                "Small leather goods", _D("390.00"), ("noir", "cognac"), gender="unisex",
                material="cuir grainé"),
    ProductSpec("CEI-REV", "Ceinture réversible", "Maison Omni", "accessories",
                "Small leather goods", _D("390.00"), ("noir", "cognac"), "belts", "unisex",
                "cuir"),
    ProductSpec("BRW-GEL", "Gel sourcils teinté Precisely", "Belle Arcade", "beauty", "Brows",
                _D("26.00"), gender="unisex", shades=("1", "2", "3", "4", "5")),
    ProductSpec("BRW-PEN", "Crayon sourcils ultra-fin", "Belle Arcade", "beauty", "Brows",
                _D("29.00"), gender="unisex", shades=("2", "3", "4", "5", "6")),
    ProductSpec("BRW-POW", "Poudre sourcils duo", "Belle Arcade", "beauty", "Brows",
                _D("32.00"), gender="unisex", shades=("2", "3", "4")),
    ProductSpec("BRW-WAX", "Cire coiffante sourcils transparente", "Belle Arcade", "beauty",
                "Brows", _D("28.00"), gender="unisex"),
    ProductSpec("MKP-MAS", "Mascara Volume Extrême", "Belle Arcade", "beauty", "Make-up",
                _D("31.00"), gender="unisex", shades=("noir", "brun")),
    ProductSpec("MKP-FDT", "Fond de teint Hello Éclat", "Belle Arcade", "beauty", "Make-up",
                _D("39.00"), gender="unisex", shades=("01", "02", "03", "04", "05", "06")),
    ProductSpec("MKP-BLU", "Blush poudre Rosé", "Belle Arcade", "beauty", "Make-up",
                _D("34.00"), gender="unisex"),
    ProductSpec("MKP-HLT", "Highlighter Éclat doré", "Belle Arcade", "beauty", "Make-up",
                _D("35.00"), gender="unisex"),
    ProductSpec("MKP-RAL", "Rouge à lèvres mat", "Rose Poudrée", "beauty", "Make-up",
                _D("29.00"), gender="unisex", shades=("rouge", "nude", "framboise")),
    ProductSpec("MKP-BAS", "Base de teint lissante", "Belle Arcade", "beauty", "Make-up",
                _D("36.00"), gender="unisex"),
    ProductSpec("SKN-SER", "Sérum hydratant à l'acide hyaluronique", "Aqua Derm", "beauty",
                "Skincare", _D("49.00"), gender="unisex"),
    ProductSpec("SKN-SPF", "Crème de jour SPF 30", "Aqua Derm", "beauty", "Skincare",
                _D("42.00"), gender="unisex"),
    ProductSpec("SKN-MSQ", "Masque purifiant à l'argile", "Rose Poudrée", "beauty", "Skincare",
                _D("36.00"), gender="unisex"),
    ProductSpec("SKN-NET", "Nettoyant moussant doux", "Aqua Derm", "beauty", "Skincare",
                _D("24.00"), gender="unisex"),
    ProductSpec("SKN-HUI", "Huile démaquillante", "Rose Poudrée", "beauty", "Skincare",
                _D("32.00"), gender="unisex"),
    ProductSpec("SKN-YEU", "Contour des yeux défatigant", "Aqua Derm", "beauty", "Skincare",
                _D("45.00"), gender="unisex"),
)  # fmt: skip

SIZES = {
    ("coats", "women"): ("34", "36", "38", "40", "42", "44"),
    ("coats", "men"): ("46", "48", "50", "52", "54"),
    ("tops", "women"): ("XS", "S", "M", "L", "XL"),
    ("tops", "men"): ("S", "M", "L", "XL", "XXL"),
    ("bottoms", "women"): ("34", "36", "38", "40", "42", "44"),
    ("bottoms", "men"): ("38", "40", "42", "44", "46"),
    ("shoes", "women"): ("36", "37", "38", "39", "40", "41"),
    ("shoes", "men"): ("40", "41", "42", "43", "44", "45"),
    ("belts", "unisex"): ("80", "85", "90", "95", "100"),
}


@dataclass(frozen=True)
class HeroSpec:
    """A customer a tester can search by email, with a scripted history."""

    key: str
    first_name: str
    last_name: str
    email: str
    phone: str
    birth_date: str
    loyalty_number: str
    loyalty_tier: str
    home_store: str
    persona: str
    channels: str
    order_count: int
    gender: str = "women"
    sizes: dict[str, str] = field(default_factory=dict)
    shade: str = ""
    skin_type: str = ""
    story: str = ""
    web_share: float = 0.5


CLAIRE = "claire"
SOPHIE = "sophie"

HEROES = (
    HeroSpec(
        CLAIRE, "Claire", "Martin", "claire.martin@example.fr", "+33612345678", "1984-06-12",
        "FID-0000001", "vip", FLAGSHIP, "fashion", "omni", 160,
        sizes={"coats": "36", "tops": "S", "bottoms": "36", "shoes": "38", "belts": "80"},
        story="Burberry scenario: flagship VIP, store and web orders, sizes, wishlist "
        "touched in both channels, open after-sales ticket, pickup ready, personal shopping booked",
    ),
    HeroSpec(
        SOPHIE, "Sophie", "Bernard", "sophie.bernard@example.fr", "+33623456789", "1991-02-03",
        "FID-0000002", "silver", INSTITUTE, "beauty", "omni", 12,
        shade="3", skin_type="combination",
        story="Benefit scenario: brow styling booked online with Inès Benali (ines.institut) "
        "in the institute tomorrow, past beauty purchases and appointments",
    ),
    HeroSpec(
        "helene", "Hélène", "Dubois", "helene.dubois@example.fr", "+33634567890", "1968-11-22",
        "FID-0000003", "vip", FLAGSHIP, "both", "omni", 220,
        sizes={"coats": "40", "tops": "M", "bottoms": "40", "shoes": "39", "belts": "85"},
        shade="4", skin_type="dry",
        story="VIP with a long history in both departments, for performance checks",
    ),
    HeroSpec(
        "marc", "Marc", "Lefèvre", "marc.lefevre@example.fr", "+33645678901", "1979-04-30",
        "FID-0000004", "gold", "lyon", "fashion", "omni", 180, gender="men",
        sizes={"coats": "50", "tops": "L", "bottoms": "42", "shoes": "43", "belts": "95"},
        story="long history, mostly on the web, for performance checks", web_share=0.8,
    ),
)  # fmt: skip

EMAIL_DOMAINS = ("example.fr", "example.com", "example.net", "example.org")

# Versions of the consent wording and the day each came into force.
CONSENT_WORDINGS = (("2023-03", "2023-03-01"), ("2024-09", "2024-09-01"), ("2026-01", "2026-01-01"))
# What the customer reads for each purpose, by language; each version adds a sentence.
CONSENT_TEXTS = {
    ("marketing", "fr"): "J'accepte de recevoir les offres commerciales de Maison Omni "
    "(nouveautés, ventes privées, invitations).",
    ("marketing", "en"): "I agree to receive Maison Omni's offers (new arrivals, private "
    "sales, invitations).",
    ("newsletter", "fr"): "Je souhaite recevoir la lettre d'information de Maison Omni.",
    ("newsletter", "en"): "I would like to receive the Maison Omni newsletter.",
    ("personalised_advice", "fr"): "J'accepte que mes conseillers Maison Omni utilisent mes "
    "achats et mes préférences pour me contacter avec des conseils personnalisés.",
    ("personalised_advice", "en"): "I agree that my Maison Omni advisers use my purchases and "
    "preferences to contact me with personalised advice.",
    ("satisfaction", "fr"): "J'accepte d'être sollicité(e) pour donner mon avis après un "
    "achat ou un rendez-vous.",
    ("satisfaction", "en"): "I agree to be asked for my opinion after a purchase or an "
    "appointment.",
    ("partners", "fr"): "J'accepte que Maison Omni transmette mes coordonnées à ses "
    "partenaires sélectionnés pour leurs offres.",
    ("partners", "en"): "I agree that Maison Omni shares my contact details with selected "
    "partners for their offers.",
}
CONSENT_TEXT_ADDITIONS = {
    ("2024-09", "fr"): "Je peux retirer mon accord à tout moment, en magasin ou par le lien "
    "présent dans chaque message.",
    ("2024-09", "en"): "I can withdraw my agreement at any time, in store or through the link "
    "in each message.",
    ("2026-01", "fr"): "Mes données sont conservées trois ans après mon dernier contact avec "
    "Maison Omni.",
    ("2026-01", "en"): "My data is kept for three years after my last contact with Maison Omni.",
}

RETURN_REASONS = (
    "Taille trop petite",
    "Taille trop grande",
    "Coloris différent de la photo",
    "Ne correspond pas à mes attentes",
    "Article reçu abîmé",
    "Cadeau en double",
)

FASHION_NOTES = (
    "Préfère les coupes ajustées ; cherche une tenue pour un mariage en juin.",
    "Aime être prévenue des nouveautés trench dès leur arrivée en boutique.",
    "A essayé le manteau Camden en 38, à rappeler quand le 36 sera en stock.",
    "Cadeau à prévoir pour l'anniversaire de sa mère en septembre (carré de soie).",
    "Retouche d'ourlet faite sur le pantalon cigarette, très satisfaite.",
    "Cherche un cadeau pour son conjoint, budget autour de 500 €.",
)
BEAUTY_NOTES = (
    "Peau sensible : éviter les parfums, test de tolérance avant toute teinture.",
    "Sourcils clairsemés en queue, teinte 3 conseillée, revenir dans 5 semaines.",
    "Intéressée par un cours de maquillage soirée avant les fêtes.",
    "Routine conseillée : nettoyant doux, sérum hydratant, SPF 30 le matin.",
)
GENERAL_NOTES = (
    "Souhaite être contactée par SMS plutôt que par e-mail.",
    "Voyage souvent à Lyon, achète aussi à la boutique de la Presqu'île.",
    "Ne souhaite pas recevoir de catalogue papier.",
)

TICKET_SUBJECTS = {
    "repair": ("Boucle de ceinture cassée", "Couture décousue à l'épaule", "Talon abîmé"),
    "exchange": ("Échange de taille", "Échange de coloris"),
    "refund": ("Remboursement d'un article défectueux", "Remboursement non reçu"),
    "complaint": ("Colis arrivé en retard", "Accueil en boutique décevant"),
    "question": ("Conseil d'entretien du cuir", "Disponibilité d'une taille"),
    "warranty": ("Fermeture éclair défectueuse", "Fermoir de sac desserré"),
}

# What customers write when they book online, per service ("" = nothing).
CUSTOMER_REQUESTS = {
    "brow-styling": ("Restructuration avant un mariage", "Premier rendez-vous", ""),
    "brow-lamination": ("Premier rendez-vous, conseils de teinte", "Sourcils rebelles", ""),
    "make-up-lesson": ("Cours de maquillage soirée", "Maquillage naturel pour le bureau", ""),
    "facial": ("Peau déshydratée après l'hiver", "Teint terne, besoin d'éclat", ""),
    "personal-shopping": ("Tenue pour un événement professionnel", "Garde-robe de printemps", ""),
    "fitting-alterations": (
        "Ourlet du pantalon acheté la semaine dernière",
        "Manches du trench",
        "",
    ),
}

# Where customers who live away from every store live: (postal code, city).
OTHER_LOCALITIES = (
    ("06000", "Nice"),
    ("31000", "Toulouse"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
    ("35000", "Rennes"),
    ("34000", "Montpellier"),
    ("21000", "Dijon"),
    ("37000", "Tours"),
    ("74000", "Annecy"),
    ("64200", "Biarritz"),
)

MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
