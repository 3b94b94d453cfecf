"""A local fake shop over real HTTP, speaking Shopify Admin REST 2026-07 and WooCommerce REST v3.

Just enough of both APIs for the reconciliation pull and the webhooks that read from the shop:
authentication, the updated-since filters,
pagination (Shopify: cursor `page_info` in the Link header, with no other filter allowed beside
it; WooCommerce: page/per_page with X-WP-Total and X-WP-TotalPages), and failures on demand
(429 with Retry-After once, 5xx), Shopify fulfilment orders and WooCommerce order refunds
(`orders/<id>/refunds`: an order's listing gives a refund's id and total only). Every request is
recorded for the tests to inspect.
"""

import base64
import datetime
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

SHOPIFY_PREFIX = "/admin/api/2026-07/"
WOOCOMMERCE_PREFIX = "/wp-json/wc/v3/"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def _time(value: str) -> datetime.datetime:
    parsed = datetime.datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


@dataclass
class FakeShop:
    shopify_token: str = "shpat_test_token"
    woocommerce_key: str = "ck_test"
    woocommerce_secret: str = "cs_test"
    page_size: int = 2
    shopify: dict[str, list[dict]] = field(default_factory=lambda: {"orders": [], "customers": []})
    shopify_fulfilment_orders: dict[str, dict] = field(default_factory=dict)
    woocommerce: dict[str, list[dict]] = field(
        default_factory=lambda: {"orders": [], "customers": []}
    )
    # order id → its refunds in full, as GET orders/<id>/refunds gives them.
    woocommerce_refunds: dict[str, list[dict]] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    # path → answers given once each, before the normal answer (e.g. a 429, a 500).
    interruptions: dict[str, list[Answer]] = field(default_factory=dict)
    base_url: str = ""

    def interrupt(self, path: str, *answers: Answer) -> None:
        self.interruptions.setdefault(path, []).extend(answers)

    def requests_to(self, path: str) -> list[Request]:
        return [request for request in self.requests if request.path == path]

    # Shopify ----------------------------------------------------------------------------------

    def _shopify(self, request: Request) -> Answer:
        if request.headers.get("x-shopify-access-token") != self.shopify_token:
            return Answer(401, {"errors": "[API] Invalid API key or access token"})
        resource = request.path.removeprefix(SHOPIFY_PREFIX)
        if resource.startswith("fulfillment_orders/"):
            found = self.shopify_fulfilment_orders.get(resource.split("/")[1].removesuffix(".json"))
            return Answer(200, {"fulfillment_order": found}) if found else Answer(404, {})
        name = resource.removesuffix(".json")
        if name not in self.shopify:
            return Answer(404, {"errors": "Not Found"})
        return self._shopify_page(name, request.query)

    def _shopify_page(self, name: str, query: dict[str, str]) -> Answer:
        if "page_info" in query:
            if set(query) - {"page_info", "limit"}:
                return Answer(400, {"errors": {"page_info": "Only limit may go with page_info"}})
            position = json.loads(base64.urlsafe_b64decode(query["page_info"]))
        else:
            position = {"since": query.get("updated_at_min"), "offset": 0}
        records = sorted(
            self.shopify[name], key=lambda record: (_time(record["updated_at"]), record["id"])
        )
        if position["since"]:
            records = [r for r in records if _time(r["updated_at"]) >= _time(position["since"])]
        size = min(int(query.get("limit", 50)), self.page_size)
        start = position["offset"]
        links = []
        for rel, offset in (("previous", start - size), ("next", start + size)):
            if 0 <= offset < len(records) and offset != start:
                token = base64.urlsafe_b64encode(
                    json.dumps({"since": position["since"], "offset": offset}).encode()
                ).decode()
                url = f"{self.base_url}{SHOPIFY_PREFIX}{name}.json?" + urlencode(
                    {"limit": size, "page_info": token}
                )
                links.append(f'<{url}>; rel="{rel}"')
        headers = {"Link": ", ".join(links)} if links else {}
        return Answer(200, {name: records[start : start + size]}, headers)

    # WooCommerce ------------------------------------------------------------------------------

    def _woocommerce(self, request: Request) -> Answer:
        expected = (
            "Basic "
            + base64.b64encode(
                f"{self.woocommerce_key}:{self.woocommerce_secret}".encode()
            ).decode()
        )
        if request.headers.get("authorization") != expected:
            return Answer(401, {"code": "woocommerce_rest_cannot_view", "data": {"status": 401}})
        name = request.path.removeprefix(WOOCOMMERCE_PREFIX).strip("/")
        parts = name.split("/")
        if len(parts) == 3 and parts[0] == "orders" and parts[2] == "refunds":
            refunds = self.woocommerce_refunds.get(parts[1])
            if refunds is None:
                return Answer(404, {"code": "woocommerce_rest_shop_order_invalid_id"})
            return self._woocommerce_page(list(refunds), request.query)
        if name not in self.woocommerce:
            return Answer(404, {"code": "rest_no_route"})
        records = list(self.woocommerce[name])
        query = request.query
        if name == "orders":
            records.sort(key=lambda record: (record["date_modified_gmt"], record["id"]))
            if query.get("modified_after"):
                since = _time(query["modified_after"])
                records = [r for r in records if _time(r["date_modified_gmt"]) > since]
        else:
            records.sort(key=lambda record: record["id"])
        return self._woocommerce_page(records, query)

    def _woocommerce_page(self, records: list[dict], query: dict[str, str]) -> Answer:
        size = min(int(query.get("per_page", 10)), self.page_size)
        page = int(query.get("page", 1))
        pages = max(1, -(-len(records) // size))
        headers = {"X-WP-Total": str(len(records)), "X-WP-TotalPages": str(pages)}
        return Answer(200, records[(page - 1) * size : page * size], headers)

    # Serving ----------------------------------------------------------------------------------

    def answer(self, request: Request) -> Answer:
        self.requests.append(request)
        waiting = self.interruptions.get(request.path)
        if waiting:
            return waiting.pop(0)
        if request.path.startswith(SHOPIFY_PREFIX):
            return self._shopify(request)
        if request.path.startswith(WOOCOMMERCE_PREFIX):
            return self._woocommerce(request)
        return Answer(404, {})

    def start(self) -> "FakeShop":
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
                headers = {key.lower(): value for key, value in self.headers.items()}
                answer = shop.answer(Request("GET", parts.path, query, headers))
                body = json.dumps(answer.body).encode()
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
