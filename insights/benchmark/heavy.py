"""Heavy customers: a few profiles with 20,000+ timeline items, for the customer 360 page.

They are the ids right after the normal customers (`customers + 1 …`). Their orders (with
lines, click & collect pickups, returns and after-sales tickets, at higher rates than a normal
customer's) come from the common plan in `dataset.py`, on top of the requested order count;
this module adds what only they have: thousands of touchpoints after their first purchase,
associates' notes and past appointments (with the bench services they need). Appointments take
distinct 90-minute slots, one customer after the other, so that no associate is ever
double-booked (the exclusion constraint holds by construction).
"""

from dataclasses import dataclass

from omni.benchmark.sql import text_array


@dataclass(frozen=True)
class HeavyProfile:
    """How much history each heavy customer has (about 20,000 timeline items in all)."""

    orders: int = 6000
    touchpoints: int = 9500
    wishlist_items: int = 1000
    notes: int = 500
    appointments: int = 300
    # Rates applied to their orders (permille), for ~1,500 pickups, ~1,500 returns, ~200 tickets.
    click_and_collect_permille: int = 715  # of their web and app orders
    return_permille: int = 280
    ticket_permille: int = 36


HEAVY = HeavyProfile()
# Hash slots per heavy customer: larger than any of the counts above.
SLOTS = 16384

SERVICES = (
    ("bench-personal-shopping", "Personal shopping", 60, "0.00"),
    ("bench-fitting", "Essayage et retouches", 30, "0.00"),
    ("bench-facial", "Soin du visage", 60, "65.00"),
    ("bench-makeup", "Mise en beauté", 45, "45.00"),
)
SLOT_MINUTES = 90  # longer than any service: consecutive slots never overlap
SLOTS_PER_DAY = 6  # 10:00 to 19:00

NOTES = (
    "A essayé la robe portefeuille, hésite entre le 38 et le 40. La rappeler à l'arrivage.",
    "Cherche un manteau pour un mariage en octobre ; préfère les tons camel.",
    "Peau sensible : éviter les parfums forts, aime la gamme Verdure.",
    "Vient le samedi matin avec sa fille. Préfère être conseillée par Camille.",
    "Retouche pantalon à récupérer ; prévenue par SMS.",
    "Intéressée par le cachemire de la nouvelle collection, taille M.",
    "Client fidèle, ne pas proposer la carte : déjà membre Gold.",
    "Cadeau d'anniversaire pour son mari en juin : maroquinerie homme.",
    "A signalé un fermoir fragile sur le sac cabas ; ticket SAV ouvert.",
    "Souhaite être prévenue des ventes privées par email uniquement.",
)


def heavy_parameters(profile: HeavyProfile) -> dict[str, int]:
    return {
        "heavy_orders": profile.orders,
        "heavy_touchpoints": profile.touchpoints,
        "heavy_wishes": profile.wishlist_items,
        "heavy_notes": profile.notes,
        "heavy_appointments": profile.appointments,
        "heavy_click_and_collect": profile.click_and_collect_permille,
        "heavy_returns": profile.return_permille,
        "heavy_tickets": profile.ticket_permille,
    }


def _service_rows() -> str:
    return ", ".join(
        f"('{code}', '{name.replace(chr(39), chr(39) * 2)}', {minutes}, {price})"
        for code, name, minutes, price in SERVICES
    )


# Touchpoints after the first purchase (the path to it stays the normal two or three steps);
# the columns of journeys_touchpoint, for the touchpoints step to merge in time order.
TOUCHPOINTS_SELECT = f"""
    SELECT channel,
        CASE channel WHEN 'social' THEN 'social' WHEN 'email' THEN
                CASE WHEN PM(slot, 140) < 500 THEN 'email_opened' ELSE 'email_clicked' END
             WHEN 'app' THEN 'product_view' WHEN 'store' THEN 'store_visit'
             ELSE CASE WHEN PM(slot, 141) < 150 THEN 'cart_abandoned' ELSE 'web_visit' END END,
        occurred_at, 'bench', NULL::varchar, '{{}}'::jsonb, occurred_at, customer_id,
        CASE WHEN channel IN ('app', 'web') THEN 1 + mod(H(slot, 142), %(products)s) END,
        CASE WHEN channel = 'store' THEN store_id END
    FROM (
        SELECT s.slot, c.id AS customer_id,
            (CASE WHEN PM(s.slot, 143) < 200 THEN 'social' WHEN PM(s.slot, 143) < 550 THEN 'web'
                  WHEN PM(s.slot, 143) < 750 THEN 'email' WHEN PM(s.slot, 143) < 880 THEN 'app'
                  ELSE 'store' END) AS channel,
            date_trunc('second', %(anchor)s - interval '1 hour'
                - interval '1 day' * ((c.f - 1) * U(s.slot, 144))) AS occurred_at,
            CASE WHEN PM(s.slot, 145) < 800 THEN c.pref
                 ELSE 1 + mod(H(s.slot, 146), %(stores)s) END AS store_id
        FROM bench_cust c
        CROSS JOIN LATERAL generate_series(1, %(heavy_touchpoints)s) AS i
        CROSS JOIN LATERAL (SELECT c.id::bigint * {SLOTS} + i AS slot) AS s
        WHERE c.heavy
    ) AS t
""".replace("{{}}", "{}")

_NOTES = [
    f"""
    INSERT INTO clienteling_note (body, created_at, author_id, customer_id, store_id)
    SELECT ({text_array(NOTES)})[1 + mod(H(s.slot, 150), {len(NOTES)})],
        -- in opening hours, any day of her history before the anchor's
        date_trunc('day', %(anchor)s - interval '1 day'
                              - interval '1 day' * ((c.f - 2) * U(s.slot, 151)))
            + make_interval(hours => 10 + mod(H(s.slot, 155), 9), mins => mod(H(s.slot, 156), 60)),
        a.user_id, c.id, a.store_id
    FROM bench_cust c
    CROSS JOIN LATERAL generate_series(1, %(heavy_notes)s) AS i
    CROSS JOIN LATERAL (SELECT c.id::bigint * {SLOTS} + i AS slot) AS s
    JOIN bench_assoc a ON a.k = mod(H(s.slot, 152), %(per_store)s)
        AND a.store_id = CASE WHEN PM(s.slot, 153) < 700 THEN c.pref
                              ELSE 1 + mod(H(s.slot, 154), %(stores)s) END
    WHERE c.heavy
    """,
]

_APPOINTMENTS = [
    f"""
    INSERT INTO omni_service (code, name, description, duration_minutes, price, currency,
        is_active, required_specialty_id, translated_names)
    SELECT code, name, '', minutes, price, 'EUR', true, NULL, '{{}}'::jsonb
    FROM (VALUES {_service_rows()}) AS v(code, name, minutes, price)
    """,
    """
    INSERT INTO omni_store_services (store_id, service_id)
    SELECT s.id, v.id FROM omni_store s CROSS JOIN omni_service v
    WHERE starts_with(v.code, 'bench-')
    """,
    # Slot n (all heavy customers interleaved) is the n-th 90-minute slot back from the anchor.
    f"""
    INSERT INTO clienteling_appointment (created_at, updated_at, customer_id, store_id,
        associate_id, service_id, starts_at, ends_at, status, booked_via, booked_by_id,
        customer_request, source, external_reference)
    SELECT starts_at - interval '10 days', starts_at + make_interval(mins => v.duration_minutes),
        c.id, c.pref, associate.id, v.id, starts_at,
        starts_at + make_interval(mins => v.duration_minutes),
        CASE WHEN PM(s.slot, 160) < 850 THEN 'completed' WHEN PM(s.slot, 160) < 920 THEN 'no_show'
             ELSE 'cancelled' END,
        (ARRAY['web', 'store', 'phone', 'app'])[1 + mod(H(s.slot, 161), 4)], NULL, '', 'bench',
        NULL
    FROM bench_cust c
    CROSS JOIN LATERAL generate_series(0, %(heavy_appointments)s - 1) AS i
    CROSS JOIN LATERAL (
        SELECT c.id::bigint * {SLOTS} + i AS slot,
            i * %(heavy)s + c.id - %(customers)s - 1 AS number
    ) AS s
    CROSS JOIN LATERAL (
        SELECT date_trunc('day', %(anchor)s)
            - make_interval(days => 1 + 2 * (s.number / {SLOTS_PER_DAY}))
            + make_interval(hours => 10, mins => {SLOT_MINUTES} * mod(s.number, {SLOTS_PER_DAY}))
            AS starts_at
    ) AS t
    JOIN bench_assoc a ON a.store_id = c.pref AND a.k = mod(H(s.slot, 162), %(per_store)s)
    JOIN clienteling_associate associate ON associate.user_id = a.user_id
    JOIN omni_service v ON v.code = ({text_array([code for code, *_ in SERVICES])})[
        1 + mod(H(s.slot, 163), {len(SERVICES)})]
    WHERE c.heavy
    """,
]

NOTE_STEPS = _NOTES
APPOINTMENT_STEPS = _APPOINTMENTS
