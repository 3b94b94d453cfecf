"""The one router of /api/v1/: every app registers its endpoints here."""

from django.urls import URLPattern, URLResolver, re_path
from rest_framework.routers import SimpleRouter

from clienteling.api import AppointmentViewSet, AssociateViewSet, AvailabilityViewSet
from customers.api import CustomerViewSet
from journeys.api import (
    OrderViewSet,
    PickupViewSet,
    StageChangeViewSet,
    TicketViewSet,
    TouchpointViewSet,
    WishlistItemViewSet,
    WishlistViewSet,
)
from journeys.system_status.api import SystemStatusView
from omni.api.catalog import ProductViewSet, ServiceViewSet, StoreViewSet
from omni.api.views import api_not_found
from privacy.erasure_api import CUSTOMER_ERASE_PATH, CustomerEraseView
from privacy.export_api import CUSTOMER_EXPORT_PATH, CustomerExportView
from privacy.retention_api import RetentionView
from segments.api import SegmentViewSet

router = SimpleRouter(trailing_slash=False)
router.register("customers", CustomerViewSet, basename="customer")
router.register("orders", OrderViewSet, basename="order")
router.register("wishlists", WishlistViewSet, basename="wishlist")
router.register("wishlist-items", WishlistItemViewSet, basename="wishlist-item")
router.register("tickets", TicketViewSet, basename="ticket")
router.register("pickups", PickupViewSet, basename="pickup")
router.register("touchpoints", TouchpointViewSet, basename="touchpoint")
router.register("stage-changes", StageChangeViewSet, basename="stage-change")
router.register("appointments", AppointmentViewSet, basename="appointment")
router.register("availability", AvailabilityViewSet, basename="availability")
router.register("associates", AssociateViewSet, basename="associate")
router.register("stores", StoreViewSet, basename="store")
router.register("products", ProductViewSet, basename="product")
router.register("services", ServiceViewSet, basename="service")
router.register("segments", SegmentViewSet, basename="segment")

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(CUSTOMER_ERASE_PATH, CustomerEraseView.as_view(), name="customer-erase"),
    re_path(r"^retention$", RetentionView.as_view(), name="retention"),
    re_path(CUSTOMER_EXPORT_PATH, CustomerExportView.as_view(), name="customer-export"),
    re_path(r"^system-status$", SystemStatusView.as_view(), name="system-status"),
    *router.urls,
    re_path(r"^(?P<unknown>.*)$", api_not_found),
]
