"""The photos buyers attach to damaged-item cases, on the seller's case page and
in the agent console: thumbnails on both pages, and the photo itself for an
authorised viewer only (the case's own seller, any agent). TestClient over
SQLite, then PostgreSQL."""

from __future__ import annotations

import io
import os
from datetime import datetime, timezone
from urllib.parse import quote

import pytest
from PIL import Image
from sqlalchemy import select

from bot.adapters.db import session_scope
from bot.adapters.orm import CaseAttachmentRow
from bot.services import attachments
from tests.trackers import TrackerWriter, conversation

S1_ORDER = "112-1234567-1234567"  # S-1's
S2_ORDER = "113-0000001-0000002"  # S-2's
CONVERSATION = "buyer-cracked-lid"
HTML = {"Accept": "text/html"}


def photo_bytes(fmt: str = "JPEG", size: tuple[int, int] = (64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format=fmt)
    return buffer.getvalue()


@pytest.fixture
def photo_case(open_seller_case, web_engine, web_settings):
    """S-1's damaged-item case with one photo from the buyer, and its chat."""
    case = open_seller_case(
        order_id=S1_ORDER,
        conversation_id=CONVERSATION,
        category="damaged_item",
        question="The lid arrived cracked",
    )
    data = photo_bytes()
    with session_scope(web_engine) as session:
        photo = attachments.save_photo(
            session,
            data=data,
            upload_dir=web_settings.upload_dir,
            conversation_id=CONVERSATION,
            now=datetime.now(timezone.utc),
        )
    writer = TrackerWriter(web_settings.tracker_store_url)
    try:
        conversation(
            CONVERSATION, start=datetime.now(timezone.utc), buyer_id="B-1"
        ).user("The lid arrived cracked", "damaged_item").save(writer)
    finally:
        writer.dispose()
    # What is served is what was stored: the re-encoded pixels, not the upload.
    return {"case": case, "photo": photo, "data": photo.path.read_bytes()}


def seller_photo_url(case_id: int, photo_id: int) -> str:
    return f"/seller/cases/{case_id}/photos/{photo_id}"


def assert_served(response, data: bytes, content_type: str = "image/jpeg") -> None:
    assert response.status_code == 200, response.text
    assert response.content == data
    assert response.headers["content-type"] == content_type
    assert response.headers["content-disposition"].startswith("inline")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private"


def test_the_seller_sees_the_photo_of_their_own_case(signed_in, photo_case):
    case, photo = photo_case["case"], photo_case["photo"]
    seller = signed_in("seller", seller_id="S-1")
    page = seller.get(f"/seller/cases/{case.id}", headers=HTML)
    url = seller_photo_url(case.id, photo.id)
    assert page.status_code == 200
    assert f'src="{url}"' in page.text
    assert "买家的第 1 张照片" in page.text  # S-1 reads the portal in Chinese
    assert_served(seller.get(url), photo_case["data"])


def test_another_seller_gets_404(signed_in, open_seller_case, photo_case):
    case, photo = photo_case["case"], photo_case["photo"]
    own = open_seller_case(order_id=S2_ORDER, conversation_id="conv-s2")
    other = signed_in("seller", seller_id="S-2")
    assert other.get(seller_photo_url(case.id, photo.id)).status_code == 404
    # Their own case number does not open someone else's photo either.
    assert other.get(seller_photo_url(own.id, photo.id)).status_code == 404
    page = other.get(f"/seller/cases/{own.id}", headers=HTML)
    assert page.status_code == 200 and "/photos/" not in page.text


def test_a_photo_under_another_case_number_is_404(
    signed_in, open_seller_case, photo_case
):
    photo = photo_case["photo"]
    second = open_seller_case(order_id=S1_ORDER, conversation_id="conv-2")
    seller = signed_in("seller", seller_id="S-1")
    assert seller.get(seller_photo_url(second.id, photo.id)).status_code == 404
    assert seller.get(seller_photo_url(second.id, 2**40)).status_code == 404


def test_an_agent_sees_every_photo(signed_in, photo_case):
    case, photo = photo_case["case"], photo_case["photo"]
    agent = signed_in("agent")
    page = agent.get(f"/agent/conversations/{CONVERSATION}", headers=HTML)
    assert page.status_code == 200
    assert f'id="case-{case.id}"' in page.text
    assert f'src="/agent/photos/{photo.id}"' in page.text
    assert f"Photo 1 from the buyer, case {case.id}" in page.text
    assert_served(agent.get(f"/agent/photos/{photo.id}"), photo_case["data"])
    assert agent.get(f"/agent/photos/{photo.id + 1}").status_code == 404


def test_sellers_cannot_use_the_agents_route(signed_in, photo_case):
    seller = signed_in("seller", seller_id="S-1")
    response = seller.get(f"/agent/photos/{photo_case['photo'].id}", headers=HTML)
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client, photo_case):
    case, photo = photo_case["case"], photo_case["photo"]
    for path in (seller_photo_url(case.id, photo.id), f"/agent/photos/{photo.id}"):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=" + quote(path, safe="")
        assert response.content != photo_case["data"]


def test_only_files_inside_the_upload_directory_are_served(
    signed_in, photo_case, web_engine, web_settings, tmp_path
):
    photo = photo_case["photo"]
    agent = signed_in("agent")
    url = f"/agent/photos/{photo.id}"
    # A stored name that leads elsewhere is refused, whatever is there.
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(photo_bytes(size=(8, 8)))
    with session_scope(web_engine) as session:
        row = session.execute(select(CaseAttachmentRow)).scalar_one()
        stored_name = row.stored_name
        row.stored_name = "../outside.jpg"
    assert agent.get(url).status_code == 404
    with session_scope(web_engine) as session:
        session.execute(
            select(CaseAttachmentRow)
        ).scalar_one().stored_name = stored_name
    assert_served(agent.get(url), photo_case["data"])
    # A symbolic link out of the upload directory is refused too.
    stored = web_settings.upload_dir / stored_name
    stored.unlink()
    os.symlink(outside, stored)
    assert agent.get(url).status_code == 404
    # And a missing file is 404, not an error.
    stored.unlink()
    assert agent.get(url).status_code == 404
