"""Head office's "System status" (issue 12): is the e-shop sync healthy, what waits for a person.

One set of figures (`selectors.system_status`) for two doors: the page in the admin
(`views`, /admin/system-status/, superusers and the operations role) and the API for
monitoring tools (`api`, GET /api/v1/system-status, scope `system_status:read`). Both read the
same selectors; replays call the inbox's own service (`replays`).

It lives in `journeys`, not `omni`, because it reads the shops, the webhook inbox and the
outbound deliveries: `omni` sits below `journeys` in the apps' import order.
"""
