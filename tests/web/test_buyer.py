"""The buyer side of the web app: the shop page, the demo sign-in picker, chat
tokens, the chat history from the tracker store and photo uploads, over the
real app (Starlette's TestClient) and real databases (SQLite, then PostgreSQL)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import jwt
import pytest
import yaml
from PIL import Image
from sqlalchemy import create_engine, select, text

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseAttachmentRow
from bot.entrypoints.rasa.channels.input_guard import buyer_text
from bot.entrypoints.web.templating import STATIC_DIR
from bot.services import cases
from bot.services.chat_access import resolve_chat_token
from bot.services.identity import issue_anonymous_token, issue_buyer_token
from tests.factories import BUYER_1, BUYER_2, ORDER_DELIVERED, ORDER_SHIPPED
from tests.web.conftest import csrf_from

STRINGS = re.compile(r"data-strings='([^']*)'")

# domain.yml's greeting, read here with PyYAML, not through the app's adapter
GREETING = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "domain.yml").read_text("utf-8")
)["responses"]["utter_greet"][0]


def photo_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def pick(client, buyer: str = "") -> None:
    token = csrf_from(client, "/")
    response = client.post("/chat/session", data={"buyer": buyer, "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == "/"


def chat_token(client) -> str:
    response = client.get("/chat/token")
    assert response.status_code == 200
    return response.json()["token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- the shop page ------------------------------------------------------------------


def test_shop_page_has_the_picker_and_the_widget(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert 'name="buyer"' in html and f'value="{BUYER_1}"' in html
    assert 'role="log"' in html and 'aria-live="polite"' in html
    assert 'accept="image/jpeg,image/png"' in html
    # scripts only from this site: socket.io-client vendored from npm, no CDN,
    # no inline script
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all('src="/static/' in attrs for attrs in scripts)
    assert "/static/vendor/socket.io.min.js" in html
    strings = json.loads(STRINGS.search(html).group(1))
    assert strings["send"] == "Send" and strings["status_reconnecting"]
    assert "You are chatting anonymously." in html


def test_vendored_socket_io_client_is_served_from_static():
    # `make install` copies it from node_modules (npm ci, exact pin).
    vendored = STATIC_DIR / "vendor" / "socket.io.min.js"
    assert vendored.is_file(), "run make install (npm ci) first"
    assert "socket.io" in vendored.read_text(encoding="utf-8")[:2000].lower()


def test_vendored_file_is_reachable_over_http(client):
    response = client.get("/static/vendor/socket.io.min.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]


def test_picker_needs_the_csrf_token(client):
    client.get("/")
    response = client.post("/chat/session", data={"buyer": BUYER_1})
    assert response.status_code == 403


def test_picking_a_buyer_issues_tokens_for_that_buyer_and_one_chat(client):
    pick(client, BUYER_1)
    assert "You are chatting as" in client.get("/").text
    first, second = chat_token(client), chat_token(client)
    a, b = resolve_chat_token(first), resolve_chat_token(second)
    assert a.identity.buyer_id == BUYER_1
    assert a.metadata["csba"]["buyer_id"] == BUYER_1
    # a reload gets a new token for the same conversation: history survives
    assert a.sender_id == b.sender_id and a.sender_id.startswith("buyer-")
    pick(client, BUYER_1)  # a new pick starts a new chat
    assert resolve_chat_token(chat_token(client)).sender_id != a.sender_id


def test_anonymous_by_default_with_a_signed_conversation(client):
    body = client.get("/chat/token").json()
    resolved = resolve_chat_token(body["token"])
    assert resolved.identity is None
    assert resolved.metadata == {"csba": {"auth": "anonymous"}}
    assert resolved.sender_id.startswith("anon-")
    assert body["socket_path"] == "/socket.io"
    # the browser never sees Rasa's API token
    assert "test-rasa-token" not in json.dumps(body)


def test_unknown_buyer_is_refused(client):
    token = csrf_from(client, "/")
    response = client.post(
        "/chat/session", data={"buyer": "B-404", "csrf_token": token}
    )
    assert response.status_code == 303
    assert "unknown_buyer" in response.headers["location"]
    assert (
        "There is no demo buyer with that id."
        in client.get(response.headers["location"]).text
    )
    assert resolve_chat_token(chat_token(client)).identity is None


def test_picked_buyer_name_is_escaped(client, web_engine):
    with session_scope(web_engine) as session:
        session.execute(
            text("UPDATE buyers SET name = :n WHERE id = :i"),
            {"n": "<script>alert(1)</script>", "i": BUYER_2},
        )
    pick(client, BUYER_2)
    html = client.get("/").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# -- history ------------------------------------------------------------------------


def _tracker_rows(url: str, rows: list[tuple[str, dict]]) -> None:
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


def test_history_needs_a_valid_token(client):
    assert client.get("/chat/history").status_code == 401
    assert client.get("/chat/history", headers=bearer("not-a-token")).status_code == 401
    expired = issue_anonymous_token(now=datetime.now(timezone.utc) - timedelta(hours=2))
    response = client.get("/chat/history", headers=bearer(expired))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"


def test_history_is_the_tokens_conversation_only(client, web_settings):
    pick(client, BUYER_1)
    token = chat_token(client)
    mine = resolve_chat_token(token).sender_id
    other = resolve_chat_token(issue_buyer_token(BUYER_2)).sender_id
    buttons = [{"title": "Order 112-1", "payload": '/give_order_id{"order_id": "112"}'}]
    _tracker_rows(
        web_settings.tracker_store_url,
        [
            (mine, {"event": "user", "text": "where is my order?"}),
            (
                mine,
                {"event": "bot", "text": "Which order?", "data": {"buttons": buttons}},
            ),
            (mine, {"event": "user", "text": buttons[0]["payload"]}),
            (mine, {"event": "action", "name": "action_triage"}),
            (mine, {"event": "bot", "text": "It is on its way.", "data": {}}),
            (
                mine,
                {
                    "event": "user",
                    "text": "EXTERNAL: EXTERNAL_case_reply",
                    "metadata": {"is_external": True},
                },
            ),
            (
                mine,
                {"event": "bot", "text": "The seller replied: <b>hi</b>", "data": {}},
            ),
            (other, {"event": "user", "text": "someone else's secret"}),
        ],
    )
    response = client.get("/chat/history", headers=bearer(token))
    assert response.status_code == 200
    messages = response.json()["messages"]
    assert [(m["sender"], m["text"]) for m in messages] == [
        ("bot", GREETING["text"]),
        ("user", "where is my order?"),
        ("bot", "Which order?"),
        ("user", "Order 112-1"),  # the button's title, not its payload
        ("bot", "It is on its way."),
        ("bot", "The seller replied: <b>hi</b>"),  # as text; the widget never parses it
    ]
    assert messages[2]["buttons"] == buttons and messages[2]["active"] is False
    assert "someone else's secret" not in response.text


def test_history_without_a_tracker_store_is_the_greeting_alone(client):
    response = client.get("/chat/history", headers=bearer(chat_token(client)))
    assert response.status_code == 200
    assert [(m["sender"], m["text"]) for m in response.json()["messages"]] == [
        ("bot", GREETING["text"])
    ]


# -- the greeting -------------------------------------------------------------------


def test_a_new_chat_opens_with_the_greeting_and_its_topic_buttons(client):
    token = chat_token(client)
    first = client.get("/chat/history", headers=bearer(token)).json()["messages"]
    assert len(first) == 1
    greeting = first[0]
    assert greeting["sender"] == "bot" and greeting["active"] is True
    assert greeting["text"].startswith("Hi! I'm the customer service assistant")
    assert greeting["buttons"] == [
        {"title": b["title"], "payload": b["payload"]} for b in GREETING["buttons"]
    ]
    payloads = [b["payload"] for b in greeting["buttons"]]
    assert {"/delivery_status", "/return_refund", "/damaged_item"} <= set(payloads)
    assert {"/cancel_order", "/human_agent"} <= set(payloads)
    # every button is one the channels' input guard lets through as it is
    assert [buyer_text(p) for p in payloads] == payloads
    # a reload (a new token for the same chat) shows it once again, not twice
    again = client.get("/chat/history", headers=bearer(chat_token(client)))
    assert again.json()["messages"] == first


def test_the_greeting_is_no_turn_and_a_clicked_topic_shows_its_title(
    client, web_settings
):
    token = chat_token(client)
    mine = resolve_chat_token(token).sender_id
    _tracker_rows(
        web_settings.tracker_store_url,
        [
            (mine, {"event": "action", "name": "action_session_start"}),
            (mine, {"event": "user", "text": "/delivery_status"}),
            (mine, {"event": "bot", "text": "What is the order number?", "data": {}}),
            (mine, {"event": "user", "text": "/delivery_status"}),  # typed later
        ],
    )
    for _ in range(2):  # and the same after a reload
        messages = client.get("/chat/history", headers=bearer(token)).json()["messages"]
        assert [(m["sender"], m["text"]) for m in messages] == [
            ("bot", GREETING["text"]),
            ("user", "Where is my order?"),
            ("bot", "What is the order number?"),
            ("user", "/delivery_status"),
        ]
        assert [m["text"] for m in messages].count(GREETING["text"]) == 1
        assert messages[0]["active"] is False  # answered: its buttons are used up


# -- uploads ------------------------------------------------------------------------


def _open_damaged_case(
    engine, conversation_id: str, buyer_id: str = BUYER_1, order_id=ORDER_DELIVERED
) -> int:
    with session_scope(engine) as session:
        return cases.open_case(
            session,
            conversation_id=conversation_id,
            category="damaged_item",
            question="The lid arrived cracked",
            order_id=order_id,
            buyer_id=buyer_id,
            reason_code="item_not_returnable",
            now=datetime.now(timezone.utc),
        ).case.id


def upload(
    client,
    token: str,
    data: bytes,
    *,
    name: str = "photo.png",
    content_type: str = "image/png",
    csrf: str | None = None,
    **fields,
):
    csrf = csrf if csrf is not None else csrf_from(client, "/")
    return client.post(
        "/chat/upload",
        headers={**bearer(token), "X-CSRF-Token": csrf},
        files={"photo": (name, data, content_type)},
        data=fields,
    )


def test_upload_attaches_to_the_chats_open_damaged_item_case(
    client, web_engine, web_settings
):
    pick(client, BUYER_1)
    token = chat_token(client)
    case_id = _open_damaged_case(web_engine, resolve_chat_token(token).sender_id)
    data = photo_bytes("JPEG")
    response = upload(
        client, token, data, name="../../evil.png", content_type="image/png"
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["case_id"] == case_id
    assert f"case {case_id}" in body["message"]
    with session_scope(web_engine) as session:
        row = session.execute(select(CaseAttachmentRow)).scalar_one()
    assert row.case_id == case_id and row.content_type == "image/jpeg"
    stored = web_settings.upload_dir / row.stored_name
    kept = stored.read_bytes()  # a fresh encode of the pixels, not the upload
    assert row.size_bytes == len(kept) and (row.width, row.height) == (64, 48)
    assert row.sha256 == hashlib.sha256(kept).hexdigest()
    with Image.open(io.BytesIO(kept)) as image:
        assert (image.format, image.size) == ("JPEG", (64, 48))
    assert re.fullmatch(
        r"[0-9a-f]{32}\.jpg", row.stored_name
    )  # random, not the client's
    assert oct(os.stat(stored).st_mode & 0o777) == "0o600"
    assert STATIC_DIR.resolve() not in stored.resolve().parents  # outside the web root


def test_upload_needs_an_open_damaged_item_case_of_this_chat(client, web_engine):
    # B-1's damaged-item case belongs to another chat of B-1: a B-2 token gets none
    _open_damaged_case(web_engine, "buyer-someone-elses-chat", buyer_id=BUYER_1)
    pick(client, BUYER_2)
    response = upload(client, chat_token(client), photo_bytes(), case_id="1")
    assert response.status_code == 409
    assert response.json()["error"] == "no_case"
    assert "damaged item" in response.json()["message"]


def test_upload_never_goes_to_a_case_of_another_chat(client, web_engine):
    # B-1's own open damaged-item case, but from another chat of B-1
    other = _open_damaged_case(web_engine, "buyer-earlier-chat", buyer_id=BUYER_1)
    pick(client, BUYER_1)
    token = chat_token(client)
    response = upload(client, token, photo_bytes())
    assert response.status_code == 409 and response.json()["error"] == "no_case"
    # naming that case does not help either
    named = upload(client, token, photo_bytes(), case_id=str(other))
    assert named.status_code == 409 and named.json()["error"] == "no_case"
    for bad in ("abc", "-1", "0", "99999999999"):
        refused = upload(client, token, photo_bytes(), case_id=bad)
        assert refused.status_code == 409, bad
    with session_scope(web_engine) as session:
        assert session.execute(select(CaseAttachmentRow)).first() is None


def test_with_two_open_cases_the_buyer_is_asked_which_order(client, web_engine):
    pick(client, BUYER_1)
    token = chat_token(client)
    conversation_id = resolve_chat_token(token).sender_id
    first = _open_damaged_case(web_engine, conversation_id)
    second = _open_damaged_case(web_engine, conversation_id, order_id=ORDER_SHIPPED)
    asked = upload(client, token, photo_bytes())
    assert asked.status_code == 409
    body = asked.json()
    assert body["error"] == "which_order" and "Which order" in body["message"]
    assert {c["case_id"] for c in body["choices"]} == {first, second}
    assert {c["order_id"] for c in body["choices"]} == {ORDER_DELIVERED, ORDER_SHIPPED}
    assert all(c["title"].startswith(f"Case {c['case_id']} ") for c in body["choices"])
    chosen = upload(client, token, photo_bytes(), case_id=str(first))
    assert chosen.status_code == 201 and chosen.json()["case_id"] == first


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"GIF89a" + b"\x00" * 100, 415, "wrong_type"),
        (b"<svg onload=alert(1)></svg>", 415, "wrong_type"),
        (b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, 415, "unreadable"),
        (b"\xff\xd8\xff\xe0" + b"\x00" * 50, 415, "unreadable"),
        (b"", 400, "empty"),
    ],
)
def test_upload_is_checked_by_content(
    client, web_engine, web_settings, data, status, code
):
    token = chat_token(client)
    _open_damaged_case(web_engine, resolve_chat_token(token).sender_id)
    response = upload(client, token, data, name="photo.png", content_type="image/png")
    assert response.status_code == status
    assert response.json()["error"] == code
    assert response.json()["message"]
    with session_scope(web_engine) as session:
        assert session.execute(select(CaseAttachmentRow)).first() is None
    assert not any(web_settings.upload_dir.glob("*"))


def test_upload_over_5_mb_is_refused(client, web_engine):
    token = chat_token(client)
    _open_damaged_case(web_engine, resolve_chat_token(token).sender_id)
    big = photo_bytes() + b"\x00" * (5 * 1024 * 1024)
    response = upload(client, token, big)
    assert response.status_code == 413
    assert response.json()["error"] == "too_large"


def test_upload_needs_token_and_csrf(client, web_engine):
    token = chat_token(client)
    _open_damaged_case(web_engine, resolve_chat_token(token).sender_id)
    assert upload(client, token, photo_bytes(), csrf="wrong").status_code == 403
    forged = jwt.encode({"sub": BUYER_1}, "x" * 40, algorithm="HS256")
    assert upload(client, forged, photo_bytes()).status_code == 401
    response = client.post(
        "/chat/upload", files={"photo": ("a.png", photo_bytes(), "image/png")}
    )
    assert response.status_code == 401


def _upload_and_read_back(client, web_engine, web_settings, data):
    pick(client, BUYER_1)
    token = chat_token(client)
    _open_damaged_case(web_engine, resolve_chat_token(token).sender_id)
    response = upload(client, token, data)
    assert response.status_code == 201, response.text
    with session_scope(web_engine) as session:
        row = session.execute(select(CaseAttachmentRow)).scalar_one()
    return row, (web_settings.upload_dir / row.stored_name).read_bytes()


def test_a_png_with_html_appended_is_stored_as_pixels_only(
    client, web_engine, web_settings
):
    """Issue 10: a PNG with HTML appended passed the check and was stored as
    uploaded. Now only a fresh encode of its pixels is kept."""
    payload = b"<html><script>alert(document.cookie)</script></html>"
    data = photo_bytes("PNG") + payload
    row, kept = _upload_and_read_back(client, web_engine, web_settings, data)
    assert b"<script" not in kept and b"<html" not in kept
    assert kept != data
    with Image.open(io.BytesIO(kept)) as image:
        image.load()
        assert (image.format, image.size) == ("PNG", (row.width, row.height))


def test_exif_is_dropped_and_the_orientation_applied(client, web_engine, web_settings):
    exif = Image.Exif()
    exif[0x013B] = "Jane Buyer"  # Artist
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to display
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(buffer, "JPEG", exif=exif.tobytes())
    row, kept = _upload_and_read_back(
        client, web_engine, web_settings, buffer.getvalue()
    )
    assert b"Jane Buyer" not in kept and b"Exif" not in kept
    with Image.open(io.BytesIO(kept)) as image:
        assert not image.getexif()
        assert image.size == (48, 64)  # upright, as the buyer saw it
    assert (row.width, row.height) == (48, 64)


def test_outside_a_local_demo_nobody_can_pick_a_buyer(web_app, make_client):
    """The "chat as" picker would let anyone chat as any buyer: it is a demo
    feature, on by default only when the web app is bound to loopback."""
    import dataclasses

    web_app.state.settings = dataclasses.replace(
        web_app.state.settings, demo_sign_in=False
    )
    client = make_client()
    page = client.get("/")
    assert 'value="B-1"' not in page.text and "chat-as" in page.text
    token = csrf_from(client, "/")
    response = client.post(
        "/chat/session", data={"buyer": BUYER_1, "csrf_token": token}
    )
    assert response.headers["location"] == "/?unknown_buyer=1"
    assert resolve_chat_token(chat_token(client)).identity is None  # anonymous


def test_the_demo_picker_is_off_unless_asked_for(monkeypatch):
    """Review of issue 10: keyed to a loopback bind address, the picker was on
    behind a reverse proxy. It is now an explicit opt-in (make run's Procfile)."""
    from bot.entrypoints.web.settings import default_demo_sign_in

    monkeypatch.delenv("CSBA_WEB_DEMO_BUYERS", raising=False)
    monkeypatch.delenv("CSBA_WEB_HOST", raising=False)
    assert default_demo_sign_in() is False  # even on 127.0.0.1
    monkeypatch.setenv("CSBA_WEB_DEMO_BUYERS", "1")
    assert default_demo_sign_in() is True


def test_an_attached_photo_is_in_the_history_after_a_reload(
    client, web_engine, monkeypatch
):
    monkeypatch.setenv("CSBA_NOW", "2026-11-26T10:00:00-08:00")  # the demo's clock
    pick(client, BUYER_1)
    token = chat_token(client)
    case_id = _open_damaged_case(web_engine, resolve_chat_token(token).sender_id)
    assert upload(client, token, photo_bytes()).status_code == 201
    history = client.get("/chat/history", headers=bearer(token))
    assert history.status_code == 200
    notices = [m for m in history.json()["messages"] if m["sender"] == "notice"]
    assert len(notices) == 1
    assert f"case {case_id}" in notices[0]["text"] and notices[0]["time"] > 0
    # placed on the conversation's (real) clock, even when CSBA_NOW fixes the
    # project's clock weeks earlier, as in the demo
    assert abs(notices[0]["time"] - time.time()) < 60
    # another chat of the same buyer does not show it
    pick(client, BUYER_1)
    other = client.get("/chat/history", headers=bearer(chat_token(client)))
    assert all(m["sender"] != "notice" for m in other.json()["messages"])
