"""Northwind back-office: a server-rendered multi-page app (Starlette + Jinja2, plain
forms, no JavaScript framework). Orders list with search and pagination, per-row edit and
remove, an order page with a definition list and a totals table, an edit form.

Each app instance keeps its own orders in memory, so every ``serve()`` starts fresh.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import URL
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route
from starlette.templating import Jinja2Templates

HERE = Path(__file__).parent
PER_PAGE = 5
STATUSES = ("Pending", "Paid", "Shipped", "Cancelled")
USER = {"name": "Sam Admin", "email": "sam@northwind.example"}


@dataclass(frozen=True)
class Line:
    product: str
    qty: int
    price: Decimal

    @property
    def total(self) -> Decimal:
        return self.price * self.qty


@dataclass(frozen=True)
class Order:
    number: int
    customer: str
    placed: str
    status: str
    shipping_method: str
    payment: str
    lines: tuple[Line, ...]
    shipping: Decimal = Decimal("10.00")
    note: str = ""
    history: tuple[str, ...] = field(default_factory=tuple)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0"))

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping


def _seed() -> dict[int, Order]:
    rows = [
        (1040, "Jonas Berg", "2026-10-28", "Shipped", [("Desk Lamp", 1, "39.00")]),
        (1041, "Aiko Tanaka", "2026-10-30", "Cancelled", [("Monitor Arm", 1, "72.00")]),
        (
            1042,
            "Maria Lopez",
            "2026-11-02",
            "Paid",
            [("Wireless Mouse", 2, "24.50"), ("USB-C Hub", 1, "89.50")],
        ),
        (1043, "Tom Becker", "2026-11-03", "Shipped", [("Keyboard", 1, "59.90")]),
        (
            1044,
            "Olivia Brown",
            "2026-11-05",
            "Paid",
            [("Webcam", 1, "64.00"), ("Mouse Pad", 2, "9.00")],
        ),
        (1045, "Lukas Novak", "2026-11-06", "Pending", [("Laptop Stand", 1, "45.00")]),
        (1046, "Chen Wei", "2026-11-08", "Paid", [("Noise-cancelling Headphones", 1, "199.00")]),
        (1047, "Fatima Khan", "2026-11-09", "Shipped", [("HDMI Cable", 3, "7.50")]),
        (1048, "Jonas Berg", "2026-11-11", "Pending", [("Desk Mat", 1, "25.00")]),
        (1049, "Grace Kim", "2026-11-12", "Paid", [("Wireless Charger", 2, "19.99")]),
        (1050, "Peter Hall", "2026-11-14", "Pending", [("Ergonomic Chair", 1, "249.00")]),
        (1051, "Maria Lopez", "2026-11-15", "Pending", [("Wireless Mouse", 1, "24.50")]),
        (1052, "Aiko Tanaka", "2026-11-17", "Paid", [("USB-C Hub", 1, "89.50")]),
    ]
    orders = {}
    for number, customer, placed, status, lines in rows:
        history = tuple(
            f"{placed} {event}"
            for event in (
                "Order placed by customer",
                "Confirmation e-mail sent",
                "Payment authorised",
                "Fraud check passed",
                "Invoice generated",
                "Picking list printed",
                "Items picked",
                "Packed (1 parcel)",
                "Label created",
                "Handed to carrier",
                "Customer notified",
                "Note: leave at reception",
            )
        )
        orders[number] = Order(
            number=number,
            customer=customer,
            placed=placed,
            status=status,
            shipping_method="Standard (3–5 days)",
            payment="Visa •••• 4242",
            lines=tuple(Line(p, q, Decimal(price)) for p, q, price in lines),
            history=history,
        )
    return orders


def money(value: Decimal) -> str:
    return f"${value:,.2f}"


def create_app(variant: str = "original") -> Starlette:
    if variant not in ("original", "redesign"):
        raise ValueError(f"unknown variant {variant!r}")
    templates = Jinja2Templates(directory=str(HERE / "templates" / variant))
    templates.env.filters["money"] = money
    orders = _seed()

    def render(request: Request, name: str, status_code: int = 200, **context: object) -> Response:
        context.setdefault("user", USER)
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    async def index(request: Request) -> Response:
        return RedirectResponse("/orders", status_code=302)

    async def order_list(request: Request) -> Response:
        q = request.query_params.get("q", "").strip()
        try:
            page = max(1, int(request.query_params.get("page", "1")))
        except ValueError:
            page = 1
        found = [
            o
            for o in sorted(orders.values(), key=lambda o: o.number, reverse=True)
            if not q or q.lower() in o.customer.lower() or q.lstrip("#") == str(o.number)
        ]
        pages = max(1, math.ceil(len(found) / PER_PAGE))
        page = min(page, pages)
        shown = found[(page - 1) * PER_PAGE : page * PER_PAGE]
        removed = request.query_params.get("removed")

        def page_url(n: int) -> str:
            return str(URL("/orders").include_query_params(**({"q": q} if q else {}), page=n))

        return render(
            request,
            "orders.html",
            orders=shown,
            q=q,
            page=page,
            pages=pages,
            total=len(found),
            first=(page - 1) * PER_PAGE + 1 if found else 0,
            last=(page - 1) * PER_PAGE + len(shown),
            page_url=page_url,
            removed=removed,
        )

    def _find(request: Request) -> Order | None:
        try:
            return orders.get(int(request.path_params["number"]))
        except ValueError:
            return None

    async def order_detail(request: Request) -> Response:
        order = _find(request)
        if order is None:
            return render(request, "not_found.html", status_code=404)
        return render(
            request, "order.html", order=order, updated=request.query_params.get("updated")
        )

    async def order_edit(request: Request) -> Response:
        order = _find(request)
        if order is None:
            return render(request, "not_found.html", status_code=404)
        if request.method == "POST":
            form = await request.form()
            status = str(form.get("status", ""))
            if status not in STATUSES:
                return render(
                    request,
                    "edit.html",
                    order=order,
                    statuses=STATUSES,
                    error="Choose a status.",
                    status_code=400,
                )
            orders[order.number] = replace(
                order, status=status, note=str(form.get("note", "")).strip()
            )
            return RedirectResponse(f"/orders/{order.number}?updated=1", status_code=303)
        return render(request, "edit.html", order=order, statuses=STATUSES, error=None)

    async def order_remove(request: Request) -> Response:
        order = _find(request)
        if order is not None:
            del orders[order.number]
        page = request.query_params.get("page", "1")
        number = request.path_params["number"]
        return RedirectResponse(f"/orders?page={page}&removed={number}", status_code=303)

    async def logout(request: Request) -> Response:
        return render(request, "not_found.html", status_code=200, message="You are signed out.")

    return Starlette(
        routes=[
            Route("/", index),
            Route("/orders", order_list),
            Route("/orders/{number}", order_detail),
            Route("/orders/{number}/edit", order_edit, methods=["GET", "POST"]),
            Route("/orders/{number}/remove", order_remove, methods=["POST"]),
            Route("/logout", logout),
        ]
    )
