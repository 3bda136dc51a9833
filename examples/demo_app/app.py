"""The demo shop: a small multi-page web app that the example suite drives.

Server-rendered (Jinja2 + plain forms, a little vanilla JS), so every step of a test is a
real page load or a real DOM change. State lives in memory per browser session (a cookie),
which keeps each test's cart separate. ``/__demo/state`` reports what the tests must
never do (click the look-alike decoy) so a harness outside the browser can check it.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from examples.demo_app import catalogue
from examples.demo_app.variants import SKINS, Variant

HERE = Path(__file__).parent
SESSION_COOKIE = "demo_sid"
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
CARD_RE = re.compile(r"^\d{16}$")
ORDER_SORT_KEYS = ("number", "date", "customer", "status", "total")


@dataclass
class Session:
    user: str | None = None
    cart: dict[int, int] = field(default_factory=dict)  # product id -> quantity
    coupon: str | None = None
    flash: str | None = None


@dataclass
class ShopState:
    """Everything the app remembers; one lock because uvicorn may serve requests on
    several threads when the app runs beside a test process."""

    sessions: dict[str, Session] = field(default_factory=dict)
    decoy_clicks: int = 0
    orders_placed: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _money(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))}"


def _cart_lines(session: Session) -> list[dict[str, Any]]:
    lines = []
    for product_id, quantity in session.cart.items():
        item = catalogue.product(product_id)
        if item is not None:
            lines.append({"product": item, "quantity": quantity, "subtotal": item.price * quantity})
    return lines


def _totals(session: Session, shipping: str | None = None) -> dict[str, Decimal]:
    subtotal = sum((line["subtotal"] for line in _cart_lines(session)), Decimal("0"))
    rate = catalogue.COUPONS.get(session.coupon or "", Decimal("0"))
    discount = (subtotal * rate).quantize(Decimal("0.01"))
    shipping_cost = (
        catalogue.SHIPPING[shipping][1] if shipping in catalogue.SHIPPING else Decimal(0)
    )
    return {
        "subtotal": subtotal,
        "discount": discount,
        "shipping": shipping_cost,
        "total": subtotal - discount + shipping_cost,
    }


def _validate_checkout(form: dict[str, str], session: Session) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, message in (
        ("full_name", "Full name is required"),
        ("email", "Email is required"),
        ("address", "Street address is required"),
        ("city", "City is required"),
    ):
        if not form.get(name, "").strip():
            errors[name] = message
    email = form.get("email", "").strip()
    if email and not EMAIL_RE.match(email):
        errors["email"] = "Enter a valid email address"
    if form.get("country") not in catalogue.COUNTRIES:
        errors["country"] = "Country is required"
    card = form.get("card_number", "").replace(" ", "")
    if not card:
        errors["card_number"] = "Card number is required"
    elif not CARD_RE.match(card):
        errors["card_number"] = "Card number must be 16 digits"
    if form.get("shipping") not in catalogue.SHIPPING:
        errors["shipping"] = "Choose a shipping method"
    if form.get("accept_terms") != "yes":
        errors["accept_terms"] = "You must accept the terms to place an order"
    if not session.cart:
        errors["cart"] = "Your cart is empty"
    return errors


def create_app(variant: Variant | str = Variant.ORIGINAL) -> FastAPI:
    """The demo shop in one version; the app holds its own state (fresh per call)."""
    variant = Variant(variant)
    skin = SKINS[variant]
    state = ShopState()
    templates = Jinja2Templates(directory=HERE / "templates")
    app = FastAPI(title="TestAble demo shop", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.shop = state
    app.state.variant = variant
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def session_of(request: Request) -> tuple[str, Session]:
        sid = request.cookies.get(SESSION_COOKIE) or secrets.token_urlsafe(16)
        with state.lock:
            return sid, state.sessions.setdefault(sid, Session())

    def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
        sid, session = session_of(request)
        flash, session.flash = session.flash, None
        context.update(
            s=skin,
            variant=variant.value,
            user=session.user,
            user_name=catalogue.USERS[session.user][0] if session.user else None,
            cart_count=sum(session.cart.values()),
            flash=flash,
            path=request.url.path,
            money=_money,
        )
        response = templates.TemplateResponse(request, template, context, status_code=status_code)
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="lax")
        return response

    def redirect(request: Request, url: str, flash: str | None = None) -> Response:
        sid, session = session_of(request)
        if flash:
            session.flash = flash
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, samesite="lax")
        return response

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        return render(request, "home.html", featured=catalogue.PRODUCTS[:3])

    @app.get("/login", response_class=HTMLResponse)
    def login_page(request: Request) -> Response:
        return render(request, "login.html", errors={}, email="")

    @app.post("/login", response_class=HTMLResponse)
    def login(request: Request, email: str = Form(""), password: str = Form("")) -> Response:
        errors: dict[str, str] = {}
        email = email.strip()
        if not email:
            errors["email"] = "Email is required"
        elif not EMAIL_RE.match(email):
            errors["email"] = "Enter a valid email address"
        if not password:
            errors["password"] = "Password is required"
        if not errors:
            known = catalogue.USERS.get(email.lower())
            if known is None or not secrets.compare_digest(known[1], password):
                errors["form"] = "Incorrect email or password"
        if errors:
            return render(request, "login.html", status_code=422, errors=errors, email=email)
        _, session = session_of(request)
        session.user = email.lower()
        return redirect(
            request, "/products", flash=f"Welcome back, {catalogue.USERS[email.lower()][0]}!"
        )

    @app.get("/logout")
    def logout(request: Request) -> Response:
        _, session = session_of(request)
        session.user = None
        return redirect(request, "/", flash="You have been logged out.")

    @app.get("/products", response_class=HTMLResponse)
    def products(
        request: Request, q: str = "", category: str = "", max_price: str = ""
    ) -> Response:
        try:
            cap = Decimal(max_price) if max_price.strip() else None
        except InvalidOperation:
            cap = None
        found = catalogue.search(q, category if category in catalogue.CATEGORIES else "", cap)
        return render(
            request,
            "products.html",
            products=found,
            categories=catalogue.CATEGORIES,
            q=q,
            category=category,
            max_price=max_price,
        )

    @app.get("/products/{product_id}", response_class=HTMLResponse)
    def product_detail(request: Request, product_id: int) -> Response:
        item = catalogue.product(product_id)
        if item is None:
            return render(request, "not_found.html", status_code=404)
        return render(request, "product.html", product=item)

    @app.post("/cart/add")
    def cart_add(
        request: Request,
        product_id: int = Form(),
        quantity: int = Form(1),
        back: str = Form("/cart"),
    ) -> Response:
        item = catalogue.product(product_id)
        _, session = session_of(request)
        if item is None or quantity < 1:
            return redirect(request, back, flash="Could not add that item.")
        session.cart[product_id] = session.cart.get(product_id, 0) + min(quantity, 99)
        noun = "basket" if variant is Variant.CHANGED else "cart"
        back = back if back.startswith("/") and not back.startswith("//") else "/cart"
        return redirect(request, back, flash=f"Added {quantity} × {item.name} to your {noun}.")

    @app.post("/cart/remove")
    def cart_remove(request: Request, product_id: int = Form()) -> Response:
        _, session = session_of(request)
        session.cart.pop(product_id, None)
        item = catalogue.product(product_id)
        return redirect(request, "/cart", flash=f"Removed {item.name}." if item else None)

    @app.get("/cart", response_class=HTMLResponse)
    def cart(request: Request) -> Response:
        _, session = session_of(request)
        return render(request, "cart.html", lines=_cart_lines(session), totals=_totals(session))

    def checkout_page(
        request: Request, form: dict[str, str], errors: dict[str, str], status_code: int = 200
    ) -> Response:
        _, session = session_of(request)
        return render(
            request,
            "checkout.html",
            status_code=status_code,
            form=form,
            errors=errors,
            lines=_cart_lines(session),
            totals=_totals(session, form.get("shipping")),
            coupon=session.coupon,
            countries=catalogue.COUNTRIES,
            shipping=catalogue.SHIPPING,
        )

    @app.get("/checkout", response_class=HTMLResponse)
    def checkout(request: Request) -> Response:
        return checkout_page(request, {}, {})

    @app.post("/checkout/coupon")
    def apply_coupon(request: Request, coupon_code: str = Form("")) -> Response:
        _, session = session_of(request)
        code = coupon_code.strip().upper()
        if code not in catalogue.COUPONS:
            return redirect(request, "/checkout", flash=f"Unknown coupon code “{coupon_code}”.")
        session.coupon = code
        percent = int(catalogue.COUPONS[code] * 100)
        return redirect(request, "/checkout", flash=f"Coupon {code} applied: {percent}% off.")

    @app.post("/checkout", response_class=HTMLResponse)
    async def place_order(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        _, session = session_of(request)
        errors = _validate_checkout(form, session)
        if errors:
            return checkout_page(request, form, errors, status_code=422)
        total = _totals(session, form["shipping"])["total"]
        with state.lock:
            number = 2001 + len(state.orders_placed)
            state.orders_placed.append(number)
        session.cart.clear()
        session.coupon = None
        return render(request, "confirmation.html", number=number, total=total, email=form["email"])

    @app.get("/orders", response_class=HTMLResponse)
    def orders(request: Request, sort: str = "number", dir: str = "asc") -> Response:
        key = sort if sort in ORDER_SORT_KEYS else "number"
        descending = dir == "desc"
        rows = sorted(catalogue.ORDERS, key=lambda o: getattr(o, key), reverse=descending)
        return render(request, "orders.html", orders=rows, sort=key, descending=descending)

    @app.post("/__demo/decoy")
    def decoy_clicked() -> dict[str, int]:
        with state.lock:
            state.decoy_clicks += 1
            return {"decoy_clicks": state.decoy_clicks}

    @app.get("/__demo/state")
    def demo_state() -> JSONResponse:
        with state.lock:
            return JSONResponse(
                {
                    "variant": variant.value,
                    "decoy_clicks": state.decoy_clicks,
                    "orders_placed": len(state.orders_placed),
                }
            )

    return app
