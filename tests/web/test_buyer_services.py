"""The services behind the buyer chat: chat tokens (bot.services.chat_access),
live push (bot.services.push) and photo checks (bot.services.attachments).

Rasa's HTTP API is outside the project: the push tests answer it with
httpx.MockTransport and check what was asked of it (the real push runs in
tests/browser). The case comes from a real database (SQLite, then PostgreSQL).
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone

import httpx
import jwt
import pytest
from PIL import Image

from bot.adapters.db import session_scope
from bot.services import cases
from bot.services.attachments import AttachmentRejected, check_photo
from bot.services.case_views import CaseView
from bot.services.chat_access import resolve_chat_token
from bot.services.identity import (
    BuyerIdentity,
    InvalidToken,
    anonymous_conversation_id,
    conversation_id_for,
    issue_anonymous_token,
    issue_buyer_token,
    verify_anonymous_token,
)
from bot.services.push import CASE_REPLY_INTENT, push_case_reply
from tests.factories import BUYER_1, ORDER_SHIPPED

NOW = datetime.now(timezone.utc)


# -- chat tokens ------------------------------------------------------------------------


def test_anonymous_token_opens_its_own_signed_conversation():
    token = issue_anonymous_token(conversation="c" * 32)
    assert verify_anonymous_token(token) == "c" * 32
    resolved = resolve_chat_token(token)
    assert resolved.sender_id == anonymous_conversation_id("c" * 32)
    assert resolved.sender_id.startswith("anon-") and len(resolved.sender_id) == 37
    assert "c" * 32 not in resolved.sender_id  # opaque: a keyed hash
    assert resolved.metadata == {"csba": {"auth": "anonymous"}}
    assert resolved.identity is None
    other = resolve_chat_token(issue_anonymous_token())
    assert other.sender_id != resolved.sender_id


def test_anonymous_conversation_never_equals_a_buyers():
    identity = BuyerIdentity(BUYER_1, "c" * 32, NOW)
    assert (
        conversation_id_for(identity)[len("buyer-") :]
        != anonymous_conversation_id("c" * 32)[len("anon-") :]
    )


def test_buyer_token_resolves_as_in_the_rest_channel():
    token = issue_buyer_token(BUYER_1, conversation="chat-1")
    resolved = resolve_chat_token(token)
    assert resolved.sender_id == conversation_id_for(resolved.identity)
    assert resolved.metadata == {
        "csba": {"token": token, "buyer_id": BUYER_1, "auth": "token"}
    }


@pytest.mark.parametrize(
    "token",
    [
        "",
        "garbage",
        "a.b.c",
        jwt.encode(
            {
                "sub": "anonymous",
                "cid": "c" * 32,
                "aud": "csba-chat-anonymous",
                "iss": "csba-triage-bot",
                "iat": 1,
                "exp": 2**40,
            },
            "another-secret-" + "y" * 40,
            algorithm="HS256",
        ),
    ],
)
def test_bad_chat_tokens_are_refused(token):
    with pytest.raises(InvalidToken):
        resolve_chat_token(token)


def test_expired_tokens_are_refused():
    past = NOW - timedelta(hours=3)
    with pytest.raises(InvalidToken) as anonymous:
        resolve_chat_token(issue_anonymous_token(now=past))
    assert anonymous.value.reason == "expired"
    with pytest.raises(InvalidToken) as buyer:
        resolve_chat_token(issue_buyer_token(BUYER_1, now=past))
    assert buyer.value.reason == "expired"


def test_an_anonymous_token_cannot_claim_a_buyer():
    # the `sub` of an anonymous token never becomes a buyer id
    with pytest.raises(InvalidToken):
        verify_anonymous_token(issue_buyer_token(BUYER_1))


# -- photos -------------------------------------------------------------------------------


def _image(fmt: str, size=(20, 10), mode: str = "RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size).save(buffer, format=fmt)
    return buffer.getvalue()


def test_jpeg_and_png_pass_with_their_real_type():
    assert check_photo(_image("JPEG")).content_type == "image/jpeg"
    png = check_photo(_image("PNG"))
    assert (png.content_type, png.extension, png.width, png.height) == (
        "image/png",
        ".png",
        20,
        10,
    )


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "WEBP"])
def test_other_image_formats_are_refused(fmt):
    with pytest.raises(AttachmentRejected) as rejected:
        check_photo(_image(fmt))
    assert rejected.value.code == "wrong_type"


def test_a_truncated_png_is_refused():
    data = _image("PNG", (300, 300))
    with pytest.raises(AttachmentRejected) as rejected:
        check_photo(data[: len(data) // 2])
    assert rejected.value.code == "unreadable"


def test_a_decompression_bomb_is_refused():
    # a tiny file that claims 10,000 x 10,000 pixels
    data = _image("PNG", (10_000, 10_000), mode="1")  # 1 bit a pixel: 12 MB in memory
    assert len(data) < 5 * 1024 * 1024
    with pytest.raises(AttachmentRejected) as rejected:
        check_photo(data)
    assert rejected.value.code == "too_large"


def test_rejections_have_a_catalogue_message_in_both_languages():
    for code in (
        "too_large",
        "empty",
        "missing",
        "wrong_type",
        "unreadable",
        "no_case",
    ):
        rejected = AttachmentRejected(code)
        assert rejected.message("en") and rejected.message("zh")
        assert rejected.message("en") != rejected.message("zh")


# -- live push ----------------------------------------------------------------------------


@pytest.fixture
def case_id(web_engine) -> CaseView:
    """The case a reply was written in (a view: its id and conversation)."""
    with session_scope(web_engine) as session:
        return cases.open_case(
            session,
            conversation_id="buyer-0123456789abcdef",
            category="delivery_status",
            question="Where is it?",
            order_id=ORDER_SHIPPED,
            reason_code="late_delivery",
            now=NOW,
        ).case


def _rasa(latest_channel: str | None, trigger_status: int = 200):
    calls: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.url.path.endswith("/tracker"):
            return httpx.Response(200, json={"latest_input_channel": latest_channel})
        if request.url.path.endswith("/trigger_intent"):
            return httpx.Response(trigger_status, json={"tracker": {}})
        return httpx.Response(404)

    return calls, httpx.Client(transport=httpx.MockTransport(handle))


def test_push_triggers_the_external_intent_on_the_latest_channel(case_id, web_settings):
    calls, client = _rasa("csba_socketio")
    assert push_case_reply(case_id, settings=web_settings, client=client) is True
    trigger = calls[-1]
    assert trigger.method == "POST"
    assert trigger.url.path == "/conversations/buyer-0123456789abcdef/trigger_intent"
    assert trigger.url.params["output_channel"] == "latest"
    assert trigger.url.params["token"] == "test-rasa-token"
    assert b'"name":"EXTERNAL_case_reply"' in trigger.content.replace(b" ", b"")
    assert CASE_REPLY_INTENT == "EXTERNAL_case_reply"


def test_no_push_into_a_rest_conversation(case_id, web_settings):
    # REST cannot receive it; the buyer gets the reply at their next message
    calls, client = _rasa("csba_rest")
    assert push_case_reply(case_id, settings=web_settings, client=client) is False
    assert [c.url.path.rsplit("/", 1)[-1] for c in calls] == ["tracker"]


def test_push_failures_return_false_and_never_raise(case_id, web_settings):
    from dataclasses import replace

    _, failing = _rasa("csba_socketio", trigger_status=500)
    assert push_case_reply(case_id, settings=web_settings, client=failing) is False
    # nothing listens on the configured Rasa URL (port 9)
    assert push_case_reply(case_id, settings=web_settings) is False
    calls, client = _rasa("csba_socketio")
    no_conversation = replace(case_id, conversation_id="")
    assert push_case_reply(no_conversation, settings=web_settings, client=client) is False
    assert calls == []


def test_push_without_an_api_token_does_nothing(case_id, web_settings):
    from dataclasses import replace

    calls, client = _rasa("csba_socketio")
    no_token = replace(web_settings, rasa_token=None)
    assert push_case_reply(case_id, settings=no_token, client=client) is False
    assert calls == []


def test_a_png_with_a_broken_exif_chunk_is_refused_not_a_500():
    """Review of issue 10: an eXIf chunk holding only `MM\\x00*` made Pillow's
    exif_transpose raise struct.error, which escaped as a 500."""
    import struct
    import zlib

    png = _image("PNG")
    body = b"MM\x00*"
    chunk = struct.pack(">I", len(body)) + b"eXIf" + body
    chunk += struct.pack(">I", zlib.crc32(b"eXIf" + body))
    iend = png.rindex(b"IEND") - 4
    with pytest.raises(AttachmentRejected) as rejected:
        check_photo(png[:iend] + chunk + png[iend:])
    assert rejected.value.code == "unreadable"
