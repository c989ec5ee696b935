"""bot.services.identity and bot.entrypoints.rasa.channels.identity_resolution: tokens,
conversation ids, ZIP verification, and identity from message metadata."""

from __future__ import annotations

import base64
import json
import stat
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from bot.adapters.tokens import SecretError, jwt_secret
from bot.entrypoints.rasa.channels.identity_resolution import resolve_identity
from bot.services.identity import (
    MAX_ZIP_ATTEMPTS,
    BuyerIdentity,
    InvalidToken,
    conversation_id_for,
    identity_from_metadata,
    issue_anonymous_token,
    issue_buyer_token,
    verify_buyer_token,
    verify_order_zip,
)

SECRET = "s" * 40
OTHER_SECRET = "o" * 40
NOW = datetime(2026, 11, 26, 12, 0, 0, tzinfo=timezone.utc)


@pytest.fixture(autouse=True)
def _secret_env(monkeypatch):
    monkeypatch.setenv("CSBA_JWT_SECRET", SECRET)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims(**overrides) -> dict:
    base = {
        "sub": "B-1",
        "cid": "c0ffee",
        "iss": "csba-triage-bot",
        "aud": "csba-chat",
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + timedelta(minutes=30)).timestamp()),
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def reason(token: str, **kwargs) -> str:
    kwargs.setdefault("now", NOW)
    with pytest.raises(InvalidToken) as info:
        verify_buyer_token(token, **kwargs)
    if isinstance(token, str) and len(token) > 3:
        assert token not in str(info.value)
    return info.value.reason


# --- tokens ---------------------------------------------------------------------


def test_round_trip():
    token = issue_buyer_token("B-1", now=NOW, conversation="chat-1")
    who = verify_buyer_token(token, now=NOW + timedelta(minutes=29))
    assert who == BuyerIdentity("B-1", "chat-1", NOW + timedelta(minutes=30))
    payload = jwt.decode(
        token,
        SECRET,
        algorithms=["HS256"],
        audience="csba-chat",
        options={"verify_exp": False, "verify_iat": False},
    )
    assert payload["iss"] == "csba-triage-bot"
    assert payload["iat"] == int(NOW.timestamp())
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_default_conversation_is_random_and_ttl_configurable():
    one = verify_buyer_token(issue_buyer_token("B-1", now=NOW), now=NOW)
    two = verify_buyer_token(issue_buyer_token("B-1", now=NOW), now=NOW)
    assert one.conversation_id != two.conversation_id
    assert len(one.conversation_id) == 32
    short = issue_buyer_token("B-1", now=NOW, ttl=timedelta(seconds=5))
    assert verify_buyer_token(short, now=NOW).expires_at == NOW + timedelta(seconds=5)


def test_expired_one_second_past_exp():
    token = issue_buyer_token("B-1", now=NOW, ttl=timedelta(minutes=30))
    exp = NOW + timedelta(minutes=30)
    assert verify_buyer_token(token, now=exp - timedelta(seconds=1)).buyer_id == "B-1"
    assert reason(token, now=exp + timedelta(seconds=1)) == "expired"
    assert reason(token, now=exp) == "expired"


def test_expired_with_real_clock():
    token = issue_buyer_token(
        "B-1", now=datetime.now(timezone.utc) - timedelta(hours=1)
    )
    with pytest.raises(InvalidToken, match="expired"):
        verify_buyer_token(token)


def test_issued_in_the_future_is_not_yet_valid():
    token = issue_buyer_token("B-1", now=NOW + timedelta(minutes=5))
    assert reason(token) == "not_yet_valid"
    skewed = issue_buyer_token("B-1", now=NOW + timedelta(seconds=20))
    assert verify_buyer_token(skewed, now=NOW).buyer_id == "B-1"


def test_wrong_secret():
    token = issue_buyer_token("B-1", now=NOW, secret=OTHER_SECRET)
    assert reason(token) == "bad_signature"
    assert verify_buyer_token(token, now=NOW, secret=OTHER_SECRET).buyer_id == "B-1"


def test_tampered_payload():
    token = issue_buyer_token("B-1", now=NOW)
    header, _, signature = token.split(".")
    forged = b64(json.dumps(claims(sub="B-2")).encode())
    assert reason(f"{header}.{forged}.{signature}") == "bad_signature"


def test_alg_none_built_by_hand():
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    payload = b64(json.dumps(claims()).encode())
    assert reason(f"{header}.{payload}.") == "wrong_algorithm"
    none_upper = b64(json.dumps({"alg": "None", "typ": "JWT"}).encode())
    assert reason(f"{none_upper}.{payload}.") == "wrong_algorithm"


def test_hs512_rejected_even_with_right_secret():
    token = jwt.encode(claims(), SECRET * 2, algorithm="HS512")
    assert reason(token, secret=SECRET * 2) == "wrong_algorithm"


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "iss", "aud", "cid"])
def test_missing_claims(missing):
    token = jwt.encode(claims(**{missing: None}), SECRET, algorithm="HS256")
    assert reason(token) == "missing_claim"


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"iss": "someone-else"}, "wrong_issuer"),
        ({"aud": "csba-agent"}, "wrong_audience"),
        ({"aud": ["csba-chat", "other"]}, "wrong_audience"),
        ({"sub": ""}, "bad_claim"),
        ({"sub": 42}, "bad_claim"),
        ({"cid": ""}, "bad_claim"),
        ({"cid": ["x"]}, "bad_claim"),
        ({"cid": "x" * 500}, "bad_claim"),
        ({"exp": "tomorrow"}, "bad_claim"),
        ({"nbf": int((NOW + timedelta(minutes=1)).timestamp())}, "not_yet_valid"),
    ],
)
def test_bad_claims(override, code):
    token = jwt.encode(claims(**override), SECRET, algorithm="HS256")
    assert reason(token) == code


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "x" * 10_000, None, 42])
def test_garbage_tokens(garbage):
    assert reason(garbage) == "malformed"


def test_issue_rejects_bad_arguments():
    with pytest.raises(ValueError):
        issue_buyer_token("", now=NOW)
    with pytest.raises(ValueError):
        issue_buyer_token("B-1", ttl=timedelta(0), now=NOW)
    with pytest.raises(ValueError):
        issue_buyer_token("B-1", now=datetime(2026, 1, 1))  # naive


# --- the secret -----------------------------------------------------------------


def test_secret_from_environment():
    assert jwt_secret() == SECRET


def test_short_secret_refused(monkeypatch):
    monkeypatch.setenv("CSBA_JWT_SECRET", "too-short")
    with pytest.raises(SecretError, match="32 bytes"):
        jwt_secret()
    with pytest.raises(SecretError):
        issue_buyer_token("B-1", now=NOW)
    with pytest.raises(SecretError):
        issue_buyer_token("B-1", now=NOW, secret="short")


def test_secret_persisted_once_with_mode_0600(monkeypatch, tmp_path):
    monkeypatch.delenv("CSBA_JWT_SECRET")
    var = tmp_path / "fresh-var"
    monkeypatch.setenv("CSBA_VAR_DIR", str(var))
    first = jwt_secret()
    path = var / "jwt-secret"
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first.encode()) >= 32
    mtime = path.stat().st_mtime_ns
    assert jwt_secret() == first
    assert path.stat().st_mtime_ns == mtime
    assert [p.name for p in var.iterdir()] == ["jwt-secret"]  # no temp files left
    token = issue_buyer_token("B-1", now=NOW)
    assert verify_buyer_token(token, now=NOW).buyer_id == "B-1"


def test_existing_secret_file_is_used_and_checked(monkeypatch, tmp_path):
    monkeypatch.delenv("CSBA_JWT_SECRET")
    monkeypatch.setenv("CSBA_VAR_DIR", str(tmp_path))
    (tmp_path / "jwt-secret").write_text("k" * 48 + "\n")
    assert jwt_secret() == "k" * 48
    (tmp_path / "jwt-secret").write_text("short\n")
    with pytest.raises(SecretError):
        jwt_secret()


# --- conversation ids -----------------------------------------------------------


def test_conversation_ids():
    a1 = conversation_id_for(BuyerIdentity("B-1", "chat-1", NOW))
    assert a1 == conversation_id_for(BuyerIdentity("B-1", "chat-1", NOW + timedelta(1)))
    assert a1.startswith("buyer-") and len(a1) == len("buyer-") + 32
    others = {
        conversation_id_for(BuyerIdentity("B-2", "chat-1", NOW)),
        conversation_id_for(BuyerIdentity("B-1", "chat-2", NOW)),
        # no ambiguity when ids contain the separator
        conversation_id_for(BuyerIdentity("B-1:chat", "1", NOW)),
        conversation_id_for(BuyerIdentity("B-1", "chat-1", NOW), secret=OTHER_SECRET),
    }
    assert a1 not in others and len(others) == 4
    for buyer in ("B-1", "buyer7", "AZ9X"):
        cid = conversation_id_for(BuyerIdentity(buyer, "chat-1", NOW))
        assert buyer.lower() not in cid.lower()


def test_conversation_id_same_for_reissued_token_of_same_chat():
    first = verify_buyer_token(
        issue_buyer_token("B-1", now=NOW, conversation="c"), now=NOW
    )
    later = NOW + timedelta(minutes=25)
    second = verify_buyer_token(
        issue_buyer_token("B-1", now=later, conversation="c"), now=later
    )
    assert conversation_id_for(first) == conversation_id_for(second)


# --- ZIP verification ----------------------------------------------------------


@dataclass(frozen=True)
class FakeOrder:
    ship_to_postal_code: str
    ship_to_country: str = "US"


@pytest.mark.parametrize(
    ("on_order", "typed", "ok"),
    [
        ("98101", "98101", True),
        ("98101", " 98101 ", True),
        ("98101", "981 01", True),
        ("98101", "98101-1234", True),
        ("98101-1234", "98101", True),
        ("98101-1234", "98101-1234", True),
        ("98101-1234", "981011234", True),
        ("98101-1234", "98101-9999", False),
        ("98101", "９８１０１", True),  # full-width digits
        ("98101", "98101–1234", True),  # en dash
        ("98101", "98102", False),
        ("98101", "9810", False),
        ("98101", "", False),
        ("98101", "   ", False),
        ("", "", False),
        ("", "98101", False),
        ("SW1A 1AA", "sw1a1aa", True),
        ("SW1A 1AA", "SW1A 1AB", False),
        ("98101", "98101'; DROP TABLE orders;--", False),
        ("98101", "x" * 20_000, False),
    ],
)
def test_verify_order_zip(on_order, typed, ok):
    assert verify_order_zip(FakeOrder(on_order), typed) is ok


def test_verify_order_zip_with_domain_order_and_nones():
    from bot.domain.model import Fulfillment, Order, OrderStatus

    order = Order(
        id="112-4455667-8899001",
        buyer_id="B-1",
        seller_id="S-1",
        fulfillment=list(Fulfillment)[0],
        placed_at=NOW,
        status=list(OrderStatus)[0],
        ship_to_postal_code="98101-1234",
    )
    assert verify_order_zip(order, "98101")
    assert not verify_order_zip(order, None)
    assert not verify_order_zip(None, "98101")
    assert MAX_ZIP_ATTEMPTS == 3


# --- identity from metadata --------------------------------------------------


def token_and_sender(buyer="B-1", cid="chat-1", now=NOW):
    token = issue_buyer_token(buyer, now=now, conversation=cid)
    return token, conversation_id_for(verify_buyer_token(token, now=now))


def test_identity_from_metadata_valid_token_right_sender():
    token, sender = token_and_sender()
    meta = {"csba": {"token": token, "buyer_id": "B-1", "auth": "token"}}
    who = identity_from_metadata(meta, sender, now=NOW)
    assert who is not None and who.buyer_id == "B-1"


def test_identity_from_metadata_valid_token_wrong_sender():
    token, _ = token_and_sender()
    _, other_sender = token_and_sender(buyer="B-2")
    meta = {"csba": {"token": token, "buyer_id": "B-1"}}
    assert identity_from_metadata(meta, other_sender, now=NOW) is None
    assert identity_from_metadata(meta, "anon-x", now=NOW) is None
    assert identity_from_metadata(meta, "B-1", now=NOW) is None


def test_identity_from_metadata_buyer_id_disagreeing_with_token():
    token, sender = token_and_sender()
    meta = {"csba": {"token": token, "buyer_id": "B-2"}}
    assert identity_from_metadata(meta, sender, now=NOW) is None


def test_identity_from_metadata_forged_without_token():
    _, sender = token_and_sender()
    meta = {"csba": {"buyer_id": "B-1", "auth": "token"}}
    assert identity_from_metadata(meta, sender, now=NOW) is None


def test_identity_from_metadata_expired_token():
    token, sender = token_and_sender()
    meta = {"csba": {"token": token}}
    assert identity_from_metadata(meta, sender, now=NOW + timedelta(hours=1)) is None


@pytest.mark.parametrize(
    "metadata",
    [
        None,
        {},
        "csba",
        [1, 2],
        {"csba": None},
        {"csba": "token"},
        {"csba": {"token": None}},
        {"csba": {"token": 12345}},
        {"csba": {"token": "not.a.jwt"}},
        {"csba": {"token": "x" * 100_000}},
        {"csba": {"auth": "anonymous"}},
    ],
)
def test_identity_from_metadata_garbage(metadata):
    assert identity_from_metadata(metadata, "buyer-whatever", now=NOW) is None


def test_identity_from_metadata_never_raises_on_bad_secret(monkeypatch):
    token, sender = token_and_sender()
    monkeypatch.setenv("CSBA_JWT_SECRET", "short")
    assert identity_from_metadata({"csba": {"token": token}}, sender) is None
    assert identity_from_metadata({"csba": {"token": token}}, None) is None  # type: ignore[arg-type]


# --- resolve_identity (the channels' shared logic) -------------------------------


def test_resolve_with_bearer_header_ignores_client_sender_and_csba():
    token, sender = token_and_sender(now=datetime.now(timezone.utc))
    body = {
        "sender": "buyer-xyz",
        "metadata": {"csba": {"buyer_id": "B-2"}, "CSBA": 1, "locale": "en"},
    }
    got = resolve_identity({"authorization": f"Bearer {token}"}, body)
    assert got.sender_id == sender
    assert got.metadata == {  # client metadata is dropped, "locale" included
        "csba": {"token": token, "buyer_id": "B-1", "auth": "token"},
    }
    assert got.identity is not None and got.identity.buyer_id == "B-1"
    assert body["metadata"]["csba"] == {"buyer_id": "B-2"}  # input not mutated


def test_resolve_with_body_token_and_header_precedence():
    now = datetime.now(timezone.utc)
    token, sender = token_and_sender(now=now)
    other, _ = token_and_sender(buyer="B-2", now=now)
    assert resolve_identity({}, {"token": token}).sender_id == sender
    header_wins = resolve_identity(
        {"Authorization": f"Bearer {token}"}, {"token": other}
    )
    assert header_wins.sender_id == sender


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        ({"Authorization": "Bearer garbage"}, {}),
        ({"Authorization": "Bearer "}, {}),
        ({}, {"token": "garbage"}),
        ({}, {"token": 12}),
        ({"Authorization": "bearer a.b.c"}, {"sender": "x"}),
    ],
)
def test_resolve_invalid_token_raises(headers, body):
    with pytest.raises(InvalidToken):
        resolve_identity(headers, body)


def test_resolve_anonymous_issues_the_conversation_and_ignores_the_sender():
    """Defect 4 of issue 10: `anon-` + the client's `sender` let a client choose,
    and so join, any anonymous conversation. Now the server issues it."""
    got = resolve_identity(
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"sender": "web1234", "metadata": {"csba": {"buyer_id": "B-2"}, "x": 1}},
        client_key="k" * 32,
    )
    assert got.sender_id.startswith("anon-")
    assert "web1234" not in got.sender_id
    assert got.metadata == {"csba": {"auth": "anonymous", "client": "k" * 32}}
    assert got.identity is None
    # The same sender twice: two different conversations.
    again = resolve_identity(None, {"sender": "web1234"})
    assert again.sender_id != got.sender_id
    # The issued token continues the conversation; it is renewed each time.
    resumed = resolve_identity({"Authorization": f"Bearer {got.anonymous_token}"}, {})
    assert resumed.sender_id == got.sender_id
    assert resumed.anonymous_token and resumed.identity is None
    assert (
        resolve_identity({}, {"token": resumed.anonymous_token}).sender_id
        == got.sender_id
    )


def test_anonymous_conversation_needs_a_valid_anonymous_token():
    other_secret = "another-secret-" + "z" * 40
    forged = issue_anonymous_token(secret=other_secret)
    with pytest.raises(InvalidToken):
        resolve_identity({"Authorization": f"Bearer {forged}"}, {})
    expired = issue_anonymous_token(now=datetime.now(timezone.utc) - timedelta(hours=2))
    with pytest.raises(InvalidToken):
        resolve_identity({"Authorization": f"Bearer {expired}"}, {})


def test_buyer_token_metadata_carries_the_client_key():
    token, sender = token_and_sender(now=datetime.now(timezone.utc))
    got = resolve_identity({"Authorization": f"Bearer {token}"}, {}, client_key="abc")
    assert got.sender_id == sender and got.anonymous_token is None
    assert got.metadata["csba"]["client"] == "abc"


def test_no_rasa_import():
    """The web app imports these modules; they must not pull in Rasa."""
    code = (
        "import sys, bot.services.identity, bot.entrypoints.rasa.channels.identity_resolution; "
        "sys.exit(any(m == 'rasa' or m.startswith('rasa.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("98101", "98101"),
        ("zip is 98101", "98101"),
        ("oops sorry 94103", "94103"),
        ("98101-1234 thx", "98101-1234"),
        ("９８１０１", "98101"),  # full-width digits
        ("SW1A 1AA", "SW1A 1AA"),  # not a US ZIP: whole
        ("98101 or 98102", "98101 or 98102"),  # two: whole, so it does not match
        ("112-0000001-0000001", "112-0000001-0000001"),  # an order number is no ZIP
        ("call 206-555-0100", "call 206-555-0100"),
    ],
)
def test_the_zip_code_is_taken_out_of_a_sentence(answer, expected):
    from bot.services.identity import postal_code_in

    assert postal_code_in(answer) == expected


def test_a_zip_in_a_sentence_verifies():
    from bot.services.identity import postal_code_in

    order = FakeOrder("98101")
    assert verify_order_zip(order, postal_code_in("my zip is 98101 i think"))
    assert not verify_order_zip(order, postal_code_in("98101 or 94103"))
