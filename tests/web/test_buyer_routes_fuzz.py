"""A bounded, deterministic fuzz of the buyer routes (`GET /`, `POST /chat/session`,
`GET /chat/token`, `GET /chat/history`, `POST /chat/upload`).

The real app (Starlette's TestClient, tests/web/conftest.py's fixtures) runs over
a temporary SQLite database loaded with data/demo/demo.json and a tracker store
(TRACKER_STORE_URL of the settings) holding three conversations that talk about
real orders: buyer B-1's chat (the victim), buyer B-2's and an anonymous one.
`CSBA_FUZZ_INPUTS` hostile requests (default 2,000; a longer run sets 20,000) made
from a fixed seed (tests/web/buyer_fuzz.py) go to the five routes, and every
answer is checked:

- no 5xx and no unhandled exception;
- no stack trace or internal name (Traceback, `File "/`, `.py"`, sqlalchemy,
  Exception, paths, secrets) in the body;
- in HTML, nothing of the input comes back unescaped (`<script>`, `onerror=`...)
  and no template was evaluated;
- no order fact of the demo data (carrier, tracking number, item title, buyer
  name or email) reaches a request that does not hold a valid token of that
  conversation. The shop page shows the demo buyers' names (the "chat as"
  picker) and its first products' titles by design: only those are allowed there;
- a picker form without the session's CSRF token never changes the chat, and a
  pick never yields a token for anything but a demo buyer or nobody;
- `/chat/token` hands a stranger (forged session cookies included) only a new
  anonymous chat;
- only the uploader's own valid token with its CSRF token stores a photo: every
  other upload leaves `case_attachments` and the upload directory unchanged;
- afterwards the app still serves the shop, the victim's history and an upload.

A one-line summary (inputs and statuses per route) is printed and added to the
terminal summary.
"""

from __future__ import annotations

import base64
import json
import os
import re
import time
import traceback
import warnings
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import jwt
import pytest
from sqlalchemy import create_engine, text

from bot.adapters import schema
from bot.adapters.db import make_engine, session_scope
from bot.adapters.tokens import jwt_secret
from bot.entrypoints.web.buyer import SHOP_PRODUCTS
from bot.services import cases, importer
from bot.services.chat_access import resolve_chat_token
from bot.services.identity import issue_anonymous_token, issue_buyer_token
from tests.web import buyer_fuzz as fuzz
from tests.web.conftest import CSRF_META, csrf_from

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEMO_FILE = PROJECT_ROOT / "data" / "demo" / "demo.json"
DEMO = json.loads(DEMO_FILE.read_text(encoding="utf-8"))

FUZZ_INPUTS = max(1, int(os.environ.get(fuzz.ENV_INPUTS) or fuzz.DEFAULT_INPUTS))

# -- what must not be revealed -------------------------------------------------------

CARRIERS = sorted({o["carrier"] for o in DEMO["orders"] if o.get("carrier")})
TRACKING = sorted(
    {o["tracking_number"] for o in DEMO["orders"] if o.get("tracking_number")}
)
TITLES = sorted({p["title"] for p in DEMO["products"]})
NAMES = sorted({b["name"] for b in DEMO["buyers"]})
EMAILS = sorted({b["email"] for b in DEMO["buyers"]})
SHOP_TITLES = {
    p["title"]
    for p in sorted(DEMO["products"], key=lambda p: p["asin"])[:SHOP_PRODUCTS]
}
_CARRIER_RE = {
    carrier: re.compile(rf"(?<![A-Za-z0-9]){re.escape(carrier)}(?![A-Za-z0-9])")
    for carrier in CARRIERS
}

INTERNAL = ("Traceback", 'File "/', '.py"', "Exception", "site-packages", "Error:")
INTERNAL_ANY_CASE = ("sqlalchemy", "sqlite3", "psycopg", "operationalerror", "jinja2")
RAW_MARKUP = (
    "<script>",
    "onerror=",
    "onload=",
    "javascript:alert",
    "<img src=x",
    "<svg",
)

BUYER_ID = re.compile(r"B-\d+")


def revealed(body: str, allowed: set[str]) -> list[str]:
    """The demo order facts in `body` that are not in `allowed`."""
    found = [c for c, pattern in _CARRIER_RE.items() if pattern.search(body)]
    lowered = body.lower()
    found += [s for s in (*TRACKING, *TITLES, *NAMES, *EMAILS) if s.lower() in lowered]
    return [s for s in found if s not in allowed]


def facts_of(buyer_id: str) -> dict[str, str]:
    """One shipped order of `buyer_id` with its carrier, tracking number, item
    title, and the buyer's name and email (from the demo data)."""
    buyer = next(b for b in DEMO["buyers"] if b["id"] == buyer_id)
    order = next(
        o for o in DEMO["orders"] if o["buyer_id"] == buyer_id and o.get("carrier")
    )
    titles = {p["asin"]: p["title"] for p in DEMO["products"]}
    return {
        "order": order["id"],
        "carrier": order["carrier"],
        "tracking": order["tracking_number"],
        "title": titles[order["items"][0]["asin"]],
        "name": buyer["name"],
        "email": buyer["email"],
    }


def secret_message(facts: dict[str, str]) -> str:
    return (
        f"Order {facts['order']} ({facts['title']}) for {facts['name']} "
        f"<{facts['email']}> shipped with {facts['carrier']}, tracking number "
        f"{facts['tracking']}."
    )


# -- fixtures ------------------------------------------------------------------------


@pytest.fixture
def web_db(sqlite_url) -> str:
    """Replaces conftest's: a migrated temporary SQLite file with data/demo/demo.json
    (as tests/actions/conftest.py loads it), so the web fixtures run over it."""
    schema.upgrade(sqlite_url)
    engine = make_engine(sqlite_url)
    try:
        importer.load_file(DEMO_FILE, engine)
    finally:
        engine.dispose()
    return sqlite_url


def pick(client, buyer: str) -> None:
    token = csrf_from(client, "/")
    response = client.post("/chat/session", data={"buyer": buyer, "csrf_token": token})
    assert response.status_code == 303, response.text


def chat_token(client) -> str:
    response = client.get("/chat/token")
    assert response.status_code == 200, response.text
    return response.json()["token"]


def seed_tracker(url: str, rows: list[tuple[str, dict]]) -> None:
    """Rasa's SQL tracker store `events` rows, as tests/web/test_buyer.py writes them."""
    engine = create_engine(url, future=True)
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY, "
                "sender_id VARCHAR(255), type_name VARCHAR(255), timestamp FLOAT, "
                "intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"
            )
        )
        for sender, event in rows:
            conn.execute(
                text(
                    "INSERT INTO events (sender_id, type_name, timestamp, data) "
                    "VALUES (:s, :t, :ts, :d)"
                ),
                {"s": sender, "t": event["event"], "ts": 1.0, "d": json.dumps(event)},
            )
    engine.dispose()


def open_damaged_case(engine, conversation_id: str, buyer_id: str) -> int:
    order = facts_of(buyer_id)["order"]
    with session_scope(engine) as session:
        return cases.open_case(
            session,
            conversation_id=conversation_id,
            category="damaged_item",
            question="The item arrived broken",
            order_id=order,
            buyer_id=buyer_id,
            reason_code="item_not_returnable",
            now=datetime.now(timezone.utc),
        ).case.id


class World:
    """The clients, tokens and conversations the fuzz aims at."""

    def __init__(self, make_client, web_engine, web_settings) -> None:
        self.engine = web_engine
        self.settings = web_settings
        self.clients = {
            name: make_client()
            for name in ("victim", "other", "anon", fuzz.UPLOADER, fuzz.PICKER)
        }
        self.clients[fuzz.STRANGER] = make_client()
        pick(self.clients["victim"], "B-1")
        pick(self.clients["other"], "B-2")
        pick(self.clients[fuzz.UPLOADER], "B-3")
        self.tokens = {
            name: chat_token(self.clients[name])
            for name in ("victim", "other", "anon", fuzz.UPLOADER)
        }
        self.senders = {
            name: resolve_chat_token(token).sender_id
            for name, token in self.tokens.items()
        }
        self.case_id = open_damaged_case(web_engine, self.senders[fuzz.UPLOADER], "B-3")

        # each conversation tells its own buyer about a real order
        self.facts = {"victim": facts_of("B-1"), "other": facts_of("B-2")}
        self.facts["anon"] = facts_of("B-3")
        rows = []
        for name, facts in self.facts.items():
            rows += [
                (self.senders[name], {"event": "user", "text": "where is my order?"}),
                (self.senders[name], {"event": "bot", "text": secret_message(facts)}),
            ]
        seed_tracker(web_settings.tracker_store_url, rows)
        self.allowed = {
            name: set(facts.values()) & {*CARRIERS, *TRACKING, *TITLES, *NAMES, *EMAILS}
            for name, facts in self.facts.items()
        }
        self.allowed[fuzz.UPLOADER] = set()

        claims = jwt.decode(self.tokens["victim"], options={"verify_signature": False})
        anon_cid = jwt.decode(self.tokens["anon"], options={"verify_signature": False})[
            "cid"
        ]
        now = datetime.now(timezone.utc)
        other_key = "another-secret-" + "z" * 40
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # PyJWT warns about short keys
            short_key = jwt.encode(
                {**claims, "exp": 4_102_444_800}, "secret", algorithm="HS256"
            )
        self.targets = fuzz.Targets(
            victim_token=self.tokens["victim"],
            victim_cid=claims["cid"],
            victim_sender=self.senders["victim"],
            other_token=self.tokens["other"],
            anon_token=self.tokens["anon"],
            anon_cid=anon_cid,
            uploader_token=self.tokens[fuzz.UPLOADER],
            csrf={
                fuzz.PICKER: csrf_from(self.clients[fuzz.PICKER], "/"),
                fuzz.UPLOADER: csrf_from(self.clients[fuzz.UPLOADER], "/"),
            },
            expired_tokens=(
                issue_buyer_token(
                    "B-1", conversation=claims["cid"], now=now - timedelta(hours=2)
                ),
                issue_buyer_token(
                    "B-1",
                    conversation=claims["cid"],
                    ttl=timedelta(seconds=1),
                    now=now - timedelta(seconds=5),
                ),
                issue_anonymous_token(
                    conversation=anon_cid, now=now - timedelta(hours=2)
                ),
            ),
            early_tokens=(
                issue_buyer_token(
                    "B-1", conversation=claims["cid"], now=now + timedelta(hours=1)
                ),
                issue_anonymous_token(
                    conversation=anon_cid, now=now + timedelta(days=1)
                ),
            ),
            wrong_secret_tokens=(
                issue_buyer_token("B-1", conversation=claims["cid"], secret=other_key),
                issue_anonymous_token(conversation=anon_cid, secret=other_key),
                short_key,
            ),
        )
        # a valid token -> the conversation it opens
        self.by_token = {token: name for name, token in self.tokens.items()}
        self.internal = [
            web_settings.session_secret,
            web_settings.rasa_token,
            jwt_secret(),
            str(web_settings.upload_dir),
            str(Path(web_settings.upload_dir).parent),
        ]

    def stored(self) -> tuple[int, int]:
        """(rows in case_attachments, files in the upload directory)."""
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT count(*) FROM case_attachments")).scalar()
        upload_dir = Path(self.settings.upload_dir)
        files = len(list(upload_dir.iterdir())) if upload_dir.exists() else 0
        return rows, files


# -- checking one answer ---------------------------------------------------------------


# Starlette's session cookie: base64 JSON, then itsdangerous' ".timestamp.signature".
SIGNED_SESSION = re.compile(
    r"csba_session=([A-Za-z0-9+/=_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)(;.*)?$"
)


def readable(name: str, value: str) -> str:
    """A header as an injected word would show in it, lower-cased. A signed session
    cookie is random base64 (its CSRF token once spelt 'EViL'), so its payload is
    read decoded; anything else, or a payload that does not decode, stays as sent."""
    signed = SIGNED_SESSION.match(value) if name.lower() == "set-cookie" else None
    if not signed:
        return value.lower()
    payload = signed.group(1).rstrip("=").translate(str.maketrans("-_", "+/"))
    try:
        decoded = base64.b64decode(payload + "=" * (-len(payload) % 4)).decode()
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return value.lower()
    return (decoded + (signed.group(4) or "")).lower()


class Fuzzer:
    def __init__(self, world: World) -> None:
        self.world = world
        self.failures: list[str] = []
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.stored_uploads: list[str] = []

    def fail(self, request: fuzz.FuzzRequest, status: int, reason: str) -> None:
        self.failures.append(
            f"{request.route} -> {status}: {reason}\n    input: {request.describe()}"
        )

    def held(self, request: fuzz.FuzzRequest) -> set[str]:
        """The conversations whose valid token the request carries (anywhere in an
        Authorization header, however spaced): it may see those and only those."""
        held = set()
        for value in request.header_values("authorization"):
            for item in re.split(r"[\s,=]+", value):
                if item in self.world.by_token:
                    held.add(self.world.by_token[item])
        return held

    def csrf_sent(self, request: fuzz.FuzzRequest) -> bool:
        csrf = self.world.targets.csrf.get(request.client)
        if not csrf:
            return False
        return csrf.encode() in (request.body or b"") or any(
            csrf in v for v in request.header_values("x-csrf-token")
        )

    def send(self, request: fuzz.FuzzRequest):
        client = self.world.clients[request.client]
        content = request.body
        if request.chunked and content is not None:
            content = iter(
                [content[i : i + 65536] for i in range(0, len(content), 65536)]
            )
        return client.request(
            request.method, request.url, headers=request.headers, content=content
        )

    def run(self, request: fuzz.FuzzRequest) -> None:
        before = self.world.stored() if request.route == fuzz.UPLOAD else None
        try:
            response = self.send(request)
        except httpx.HTTPError:
            raise  # the client could not send it: a bug of the generator
        except Exception as exc:  # raise_server_exceptions: an unhandled error
            frames = [
                f"{Path(f.filename).name}:{f.lineno} {f.name}"
                for f in traceback.extract_tb(exc.__traceback__)
                if "/bot/" in f.filename
            ]
            self.statuses[request.route]["exception"] += 1
            self.fail(
                request,
                500,
                f"unhandled {type(exc).__name__}: {str(exc)[:200]} at {frames[-3:]}",
            )
            return
        status = response.status_code
        self.statuses[request.route][status] += 1
        if status >= 500:
            self.fail(request, status, f"server error: {response.text[:200]!r}")
        self.check_headers(request, response)
        body = self.scrubbed(response)
        self.check_body(request, response, body)
        own = (
            ("POST",)
            if request.route in (fuzz.SESSION, fuzz.UPLOAD)
            else ("GET", "HEAD")
        )
        if request.method not in own:
            if status != 405:
                self.fail(request, status, "expected 405 for a wrong method")
            return
        check = {
            fuzz.SHOP: self.check_shop,
            fuzz.SESSION: self.check_session,
            fuzz.TOKEN: self.check_token,
            fuzz.HISTORY: self.check_history,
            fuzz.UPLOAD: self.check_upload,
        }[request.route]
        check(request, response, body, before)

    # -- every answer

    @staticmethod
    def scrubbed(response) -> str:
        """The body without the random tokens it may carry (CSRF, chat token)."""
        body = response.text
        body = CSRF_META.sub('<meta name="csrf-token" content="">', body)
        if response.headers.get("content-type", "").startswith("application/json"):
            try:
                data = response.json()
            except ValueError:
                return body
            if isinstance(data, dict) and "token" in data:
                data["token"] = "<token>"
                body = json.dumps(data, ensure_ascii=False)
        return body

    def check_headers(self, request: fuzz.FuzzRequest, response) -> None:
        for name, value in response.headers.multi_items():
            if "\r" in value or "\n" in value or "evil" in readable(name, value):
                self.fail(request, response.status_code, f"header {name}: {value!r}")
        for cookie in response.headers.get_list("set-cookie"):
            if not cookie.startswith("csba_session="):
                self.fail(request, response.status_code, f"sets cookie {cookie!r}")
        location = response.headers.get("location")
        if location is not None and (
            not location.startswith("/") or location.startswith(("//", "/\\"))
        ):
            self.fail(request, response.status_code, f"redirects to {location!r}")

    def check_body(self, request: fuzz.FuzzRequest, response, body: str) -> None:
        status = response.status_code
        for word in INTERNAL:
            if word in body:
                self.fail(request, status, f"body shows {word!r}: {body[:300]!r}")
        lowered = body.lower()
        for word in INTERNAL_ANY_CASE:
            if word in lowered:
                self.fail(request, status, f"body shows {word!r}: {body[:300]!r}")
        for secret in self.world.internal:
            if secret and secret in body:
                self.fail(request, status, "body shows a secret or a server path")
        if "7*191" in request.describe(limit=10**7) and fuzz.TEMPLATE_RESULT in body:
            self.fail(request, status, "a template in the input was evaluated")
        if response.headers.get("content-type", "").startswith("text/html"):
            for marker in RAW_MARKUP:
                if marker in lowered:
                    self.fail(request, status, f"HTML has raw {marker!r}")
            for value in request.reflectable:
                if (
                    len(value) >= 4
                    and any(c in value for c in "<>\"'")
                    and value in body
                ):
                    self.fail(
                        request, status, f"HTML reflects {value[:80]!r} unescaped"
                    )
        allowed: set[str] = set()
        if request.route == fuzz.SHOP and status == 200:
            allowed = {*NAMES, *SHOP_TITLES}
        elif request.route == fuzz.HISTORY and status == 200:
            for name in self.held(request):
                allowed |= self.world.allowed[name]
        leaked = revealed(body, allowed)
        if leaked:
            self.fail(request, status, f"reveals {leaked} without a token for them")

    # -- per route

    def check_shop(self, request, response, body, before) -> None:
        if response.status_code != 200:
            self.fail(request, response.status_code, "the shop did not answer 200")

    def check_session(self, request, response, body, before) -> None:
        status = response.status_code
        if status == 303 and not self.csrf_sent(request):
            self.fail(
                request, status, "the picker accepted a form without its CSRF token"
            )
        if status != 303:
            return
        location = response.headers.get("location")
        if location not in ("/", "/?unknown_buyer=1"):
            self.fail(request, status, f"the picker redirects to {location!r}")
        client = self.world.clients[request.client]
        token = client.get("/chat/token").json()["token"]
        identity = resolve_chat_token(token).identity
        if identity is not None and identity.buyer_id not in {
            b["id"] for b in DEMO["buyers"]
        }:
            self.fail(request, status, f"a pick made a token for {identity.buyer_id!r}")

    def check_token(self, request, response, body, before) -> None:
        status = response.status_code
        if status != 200:
            self.fail(request, status, "no chat token")
            return
        resolved = resolve_chat_token(response.json()["token"])
        if resolved.identity is not None:
            self.fail(
                request, status, f"a stranger got {resolved.identity.buyer_id}'s token"
            )
        if resolved.sender_id in self.world.senders.values():
            self.fail(
                request, status, "a stranger got a token for a known conversation"
            )

    def check_history(self, request, response, body, before) -> None:
        status = response.status_code
        held = self.held(request)
        if not held and status != 401:
            self.fail(request, status, "history without a valid token was not 401")
        if status == 200:
            sender = response.json().get("conversation_id")
            if sender not in {self.world.senders[name] for name in held}:
                self.fail(request, status, f"history of {sender!r}, not the token's")

    def check_upload(self, request, response, body, before) -> None:
        status = response.status_code
        after = self.world.stored()
        authorised = fuzz.UPLOADER in self.held(request) and self.csrf_sent(request)
        if status == 201:
            if not authorised:
                self.fail(request, status, "stored an upload without the chat's token")
            if after != (before[0] + 1, before[1] + 1):
                self.fail(request, status, f"201 but stored {before} -> {after}")
            self.stored_uploads.append(request.kind)
        elif after != before:
            self.fail(
                request, status, f"stored something ({before} -> {after}) on a {status}"
            )
        if not self.held(request) and status != 401:
            # a forged token is refused before anything else
            self.fail(request, status, "an upload without a valid token was not 401")

    # -- the report

    def summary(self, elapsed: float) -> str:
        parts = []
        for route in fuzz.ROUTE_SHARES:
            seen = self.statuses[route]
            statuses = " ".join(f"{s}x{n}" for s, n in sorted(seen.items(), key=str))
            parts.append(f"{route}: {sum(seen.values())} [{statuses}]")
        total = sum(sum(c.values()) for c in self.statuses.values())
        return (
            f"buyer routes fuzz: {total} inputs, seed {fuzz.SEED}, {elapsed:.1f}s | "
            + " | ".join(parts)
            + f" | photos stored: {len(self.stored_uploads)}"
            + f" | defects: {len(self.failures)}"
        )


class _TerminalSummary:
    def __init__(self, line: str) -> None:
        self.line = line

    def pytest_terminal_summary(self, terminalreporter) -> None:
        terminalreporter.write_line(self.line)


def still_answers(world: World, fresh, stored_uploads: list[str]) -> list[str]:
    """After the fuzz: the shop, the victim's history and an upload still work,
    and exactly the accepted photos are stored (a row and a file each)."""
    problems = []
    shop = fresh.get("/")
    if shop.status_code != 200:
        problems.append(f"after the fuzz: GET / -> {shop.status_code}")
    history = fresh.get(
        "/chat/history", headers={"Authorization": f"Bearer {world.tokens['victim']}"}
    )
    texts = [m["text"] for m in history.json().get("messages", [])]
    if history.status_code != 200 or secret_message(world.facts["victim"]) not in texts:
        problems.append(
            f"after the fuzz: the victim's own history -> {history.status_code} "
            f"{history.text[:200]!r}"
        )
    rows, files = world.stored()
    if not rows == files == len(stored_uploads):
        problems.append(
            f"after the fuzz: {rows} case_attachments rows and {files} files for "
            f"{len(stored_uploads)} accepted photos"
        )
    ok = world.clients[fuzz.UPLOADER].post(
        "/chat/upload",
        headers={
            "Authorization": f"Bearer {world.tokens[fuzz.UPLOADER]}",
            "X-CSRF-Token": world.targets.csrf[fuzz.UPLOADER],
        },
        files={"photo": ("photo.jpg", fuzz.image_bytes("JPEG"), "image/jpeg")},
    )
    if ok.status_code != 201 or ok.json().get("case_id") != world.case_id:
        problems.append(
            f"after the fuzz: a valid upload -> {ok.status_code} {ok.text[:200]!r}"
        )
    return problems


# -- the tests ------------------------------------------------------------------------


def test_buyer_routes_survive_hostile_input(
    request, make_client, web_engine, web_settings
):
    world = World(make_client, web_engine, web_settings)
    fuzzer = Fuzzer(world)
    started = time.monotonic()
    for hostile in fuzz.fuzz_requests(FUZZ_INPUTS, fuzz.SEED, world.targets):
        fuzzer.run(hostile)
    elapsed = time.monotonic() - started
    line = fuzzer.summary(elapsed)
    print(line)
    request.config.pluginmanager.register(
        _TerminalSummary(line), f"csba-buyer-fuzz-{id(fuzzer)}"
    )
    assert sum(sum(c.values()) for c in fuzzer.statuses.values()) == FUZZ_INPUTS

    fuzzer.failures += still_answers(world, make_client(), fuzzer.stored_uploads)

    if fuzzer.failures:
        shown = "\n".join(fuzzer.failures[:25])  # the fuzz's own come first
        pytest.fail(
            f"{len(fuzzer.failures)} defect(s) in {FUZZ_INPUTS} hostile inputs "
            f"(seed {fuzz.SEED}; first 25):\n{shown}",
            pytrace=False,
        )


def test_the_fuzz_plan_is_deterministic(monkeypatch):
    from itsdangerous import TimestampSigner

    # A forged session cookie is signed with the current second: two plans made
    # across a second's turn would differ in that alone.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: 1_800_000_000)
    targets = fuzz.Targets(
        victim_token="aGVhZA.cGF5bG9hZA.c2ln",
        victim_cid="c" * 32,
        victim_sender="buyer-" + "0" * 32,
        other_token="b3RoZXI.b3RoZXI.b3RoZXI",
        anon_token="YW5vbg.YW5vbg.YW5vbg",
        anon_cid="d" * 32,
        uploader_token="dXA.dXA.dXA",
        csrf={fuzz.PICKER: "p" * 43, fuzz.UPLOADER: "u" * 43},
        expired_tokens=("expired",),
        early_tokens=("early",),
        wrong_secret_tokens=("wrong",),
    )

    def plan(seed: int) -> list[tuple]:
        return [
            (r.route, r.kind, r.method, r.url, tuple(r.headers), r.body)
            for r in fuzz.fuzz_requests(300, seed, targets)
        ]

    first = plan(fuzz.SEED)
    assert first == plan(fuzz.SEED)
    assert first != plan(fuzz.SEED + 1)
    assert Counter(r[0] for r in first) == Counter(fuzz.route_counts(300))
    assert set(fuzz.route_counts(FUZZ_INPUTS)) == set(fuzz.PATHS)
    assert sum(fuzz.route_counts(FUZZ_INPUTS).values()) == FUZZ_INPUTS >= 1
