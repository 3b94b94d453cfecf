"""Orders, returns, wishlists, after-sales tickets, pickups, touchpoints and lifecycle stage
changes over the REST API.

Customer history (orders, returns, wishlists, tickets, touchpoints) is shared by every store,
as in the customer 360 view; pickups are store operations, hidden from other stores' clients.
Writes go through the services: `order_upsert`, `return_record`, `ticket_*`, `pickup_*`...
"""

from journeys.api.orders import OrderViewSet
from journeys.api.pickups import PickupViewSet
from journeys.api.stages import StageChangeViewSet
from journeys.api.tickets import TicketViewSet
from journeys.api.touchpoints import TouchpointViewSet
from journeys.api.wishlists import WishlistItemViewSet, WishlistViewSet

__all__ = [
    "OrderViewSet",
    "PickupViewSet",
    "StageChangeViewSet",
    "TicketViewSet",
    "TouchpointViewSet",
    "WishlistItemViewSet",
    "WishlistViewSet",
]
