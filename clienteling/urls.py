"""Routes of the store associates' tablet app, mounted at the site root."""

from django.urls import path, re_path

from clienteling.views import (
    actions,
    agenda,
    app_shell,
    auth,
    customer_360,
    my_day,
    pickups,
    search,
)

app_name = "clienteling"

urlpatterns = [
    path("", my_day.my_day, name="my_day"),
    path("login/", auth.login, name="login"),
    path("logout/", auth.logout, name="logout"),
    path("language/", auth.set_language, name="set_language"),
    # Installable app: its manifest, its service worker (root scope) and the offline page.
    path("manifest.webmanifest", app_shell.manifest, name="manifest"),
    path("sw.js", app_shell.service_worker, name="service_worker"),
    path("offline/", app_shell.offline, name="offline"),
    path("icons.svg", app_shell.icons, name="icons"),
    path("tasks/<int:task_id>/done/", my_day.task_done, name="task_done"),
    # Search and profiles
    path("search/", search.search, name="search"),
    path("customers/new/", actions.customer_new, name="customer_new"),
    path("customers/new/duplicates/", actions.customer_duplicates, name="customer_duplicates"),
    path("customers/<int:customer_id>/", customer_360.customer_360, name="customer"),
    path(
        "customers/<int:customer_id>/timeline/",
        customer_360.customer_timeline_page,
        name="customer_timeline",
    ),
    path(
        "customers/<int:customer_id>/orders/<int:order_id>/",
        customer_360.order_detail,
        name="order_detail",
    ),
    re_path(
        r"^customers/(?P<customer_id>\d+)/sections/"
        r"(?P<section>wishlist|tickets|appointments|tasks|notes|consents)/$",
        customer_360.customer_section,
        name="customer_section",
    ),
    # Actions on a profile
    path("customers/<int:customer_id>/notes/", actions.note_create, name="note_create"),
    path("customers/<int:customer_id>/wishlist/", actions.wishlist_sheet, name="wishlist_sheet"),
    path("customers/<int:customer_id>/wishlist/add/", actions.wishlist_add, name="wishlist_add"),
    path(
        "customers/<int:customer_id>/wishlist/<int:item_id>/remove/",
        actions.wishlist_remove,
        name="wishlist_remove",
    ),
    path("customers/<int:customer_id>/tickets/new/", actions.ticket_create, name="ticket_create"),
    path("tickets/<int:ticket_id>/move/", actions.ticket_move, name="ticket_move"),
    path("customers/<int:customer_id>/tasks/new/", actions.task_new, name="task_create"),
    path("customers/<int:customer_id>/consents/new/", actions.consent_new, name="consent_create"),
    path(
        "customers/<int:customer_id>/appointments/new/",
        actions.booking_sheet,
        name="booking_sheet",
    ),
    path(
        "customers/<int:customer_id>/appointments/slots/",
        actions.booking_slots,
        name="booking_slots",
    ),
    path(
        "customers/<int:customer_id>/appointments/book/",
        actions.booking_create,
        name="booking_create",
    ),
    # Click & collect desk
    path("pickups/", pickups.desk, name="pickups"),
    path("pickups/find/", pickups.find_by_code, name="pickup_find"),
    path("pickups/<int:pickup_id>/prepare/", pickups.start_preparing, name="pickup_prepare"),
    path("pickups/<int:pickup_id>/ready/", pickups.mark_ready, name="pickup_ready"),
    path("pickups/<int:pickup_id>/hand-over/", pickups.hand_over, name="pickup_hand_over"),
    # Agenda
    path("agenda/", agenda.agenda, name="agenda"),
    path("appointments/<int:appointment_id>/brief/", agenda.brief, name="appointment_brief"),
    path(
        "appointments/<int:appointment_id>/move/",
        agenda.appointment_move,
        name="appointment_move",
    ),
    path(
        "appointments/<int:appointment_id>/follow-up/",
        agenda.follow_up_create,
        name="appointment_follow_up",
    ),
]
