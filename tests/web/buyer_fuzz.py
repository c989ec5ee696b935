"""Hostile requests for the buyer routes fuzz (tests/web/test_buyer_routes_fuzz.py),
made from a fixed seed so that every run sends the same kinds of input in the
same order.

`fuzz_requests(n, seed, targets)` gives `n` requests spread over the five buyer
routes (`ROUTE_SHARES`). Each is one hostile input, ready for a TestClient:
method, URL with a raw query string, header list (values as bytes, so control
and non-ASCII bytes reach the app), and body bytes. The kinds: forged, expired,
tampered, alg-none, oversized and other buyers' tokens, `Bearer` with odd
spacing; control, bidirectional and zero-width characters, lone surrogates (as
WTF-8 bytes or percent escapes, which is what the transport allows), Unicode
normalisation tricks, very long strings (up to 1 MB in bodies); SQL, HTML/JS,
template, format-string, path, CRLF and intent/JSON injection; forged session
cookies; and hostile photo uploads (empty, over 5 MB, PNG with HTML appended,
JPEG header and garbage, GIF/SVG/HTML named .png, polyglots, wrong content
types, malformed multipart).

The valid tokens and CSRF tokens the generator needs come in `Targets`, made by
the test from the real app. Given the same `Targets`, the output is the same.
"""

from __future__ import annotations

import base64
import io
import json
import random
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote_from_bytes

from PIL import Image

SEED = 20261126
ENV_INPUTS = "CSBA_FUZZ_INPUTS"
DEFAULT_INPUTS = 2000

SHOP = "GET /"
SESSION = "POST /chat/session"
TOKEN = "GET /chat/token"
HISTORY = "GET /chat/history"
UPLOAD = "POST /chat/upload"
ROUTE_SHARES = {SHOP: 0.16, SESSION: 0.2, TOKEN: 0.14, HISTORY: 0.26, UPLOAD: 0.24}
PATHS = {
    SHOP: "/",
    SESSION: "/chat/session",
    TOKEN: "/chat/token",
    HISTORY: "/chat/history",
    UPLOAD: "/chat/upload",
}

MB = 1024 * 1024
PHOTO_LIMIT = 5 * MB

# Clients of the test (each its own cookie jar): "stranger" never learns a CSRF
# token; "picker" and "uploader" have one (Targets.csrf).
STRANGER, PICKER, UPLOADER = "stranger", "picker", "uploader"

# httpx refuses a URL over 64 KB: a query string stays below that.
MAX_QUERY_CHARS = 60_000

# A template that gets evaluated shows this number.
TEMPLATE_RESULT = "1337"

INJECTION = (
    "' OR 1=1 --",
    "' OR '1'='1",
    "'; DROP TABLE buyers; --",
    '" OR ""="',
    "1 UNION SELECT email, name FROM buyers --",
    "B-1' --",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    "</textarea><script>alert(document.cookie)</script>",
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">x</a>',
    "{{7*191}}",
    "{{ 7*191 }}",
    "${7*191}",
    "#{7*191}",
    "<%= 7*191 %>",
    "{% raw %}{{ x }}{% endraw %}",
    "{% for x in range(9) %}x{% endfor %}",
    "{{ config }}{{ request.app.state.settings }}",
    "%s%s%s%s%n",
    "%x%x%x%x",
    "%(order_id)s",
    "{0}{1}",
    "{order_id}",
    "{case_number}",
    "{max_mb}",
    "{name.__class__.__mro__}",
    "../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "....//....//etc/passwd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/etc/passwd\x00.png",
    "\r\nSet-Cookie: csba_session=evil",
    "\r\n\r\n<html>injected</html>",
    "%0d%0aSet-Cookie:%20evil=1",
    "\nLocation: https://evil.example/",
    "/restart",
    "/session_start",
    '/EXTERNAL_case_reply{"case_id":1}',
    '/give_order_id{"order_id":"112-0000001-0000001"}',
    '/inform{"buyer_id":"B-1"}',
    '{"$ne":1}',
    '{"$gt":""}',
    '{"buyer":{"$ne":null}}',
    "null",
    "undefined",
    "NaN",
    "-1",
    "1e309",
    "[]",
    "{}",
    "${jndi:ldap://127.0.0.1/a}",
    "__import__('os').system('id')",
    "$(id)",
    "`id`",
)
CONTROL = "".join(chr(c) for c in range(32)) + "\x7f"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u180e"
NORMALISATION = (
    "\uff22-\uff11",  # full width B-1
    "\uff22\uff0d\uff11",
    "B\u20111",  # non-breaking hyphen
    "B\u22121",  # minus sign
    "b-1",
    "B-1\u0301",  # combining accent
    "B-\u0661",  # Arabic-Indic one
    "\u1d2e\u207b\u00b9",  # superscripts
    "\u212a",  # Kelvin sign (NFKC: K)
    "\ufb01",  # fi ligature
    "\u00df",  # sharp s (upper: SS)
    "\u0130",  # dotted capital I (lower: two code points)
    "B-1\u00a0",
    "\u3000B-1",
    "B-1\x00",
    "B-1\n",
    "B-1\x1f",
    "\u2028B-1\u2029",
)
# Encodings of lone surrogates (WTF-8 / CESU-8) and other invalid UTF-8.
BAD_UTF8 = (
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    b"\xed\xa0\xbd\xed\xb2\xa9",
    b"\xff\xfe",
    b"\xc0\xaf",
    b"\xe0\x80\xaf",
    b"\xf4\x90\x80\x80",
    b"\x80",
    b"\xc3",
)
WORDS = ("where is my order", "photo", "B-1", "refund", "broken", "hi", "order")
DEMO_BUYER_IDS = ("B-1", "B-2", "B-3", "B-404", "")
DEMO_ORDER_IDS = ("112-0000001-0000001", "113-0000004-0000004", "114-0000007-0000007")
QUERY_KEYS = (
    "unknown_buyer",
    "buyer",
    "buyer_id",
    "token",
    "cid",
    "conversation_id",
    "sender",
    "order_id",
    "case_id",
    "next",
    "lang",
    "limit",
)


@dataclass(frozen=True)
class Targets:
    """What the generator aims at: the real app's tokens and CSRF tokens."""

    victim_token: str  # buyer B-1's chat, whose history holds B-1's order facts
    victim_cid: str
    victim_sender: str
    other_token: str  # buyer B-2's chat (another buyer)
    anon_token: str  # an anonymous chat
    anon_cid: str
    uploader_token: str  # the chat with an open damaged-item case
    csrf: dict[str, str]  # client name -> that session's CSRF token
    expired_tokens: tuple[str, ...]  # real tokens (B-1's chat...) past `exp`
    early_tokens: tuple[str, ...]  # real tokens whose `iat` is in the future
    wrong_secret_tokens: tuple[str, ...]  # perfect claims, another key


@dataclass
class FuzzRequest:
    route: str
    kind: str  # what kind of hostile input (for the summary and reports)
    client: str
    method: str
    url: str
    headers: list[tuple[str, bytes]] = field(default_factory=list)
    body: bytes | None = None
    chunked: bool = False  # send the body without Content-Length
    # Strings of the request that must never come back unescaped in HTML.
    reflectable: list[str] = field(default_factory=list)

    def header_values(self, name: str) -> list[str]:
        return [
            value.decode("utf-8", "replace")
            for key, value in self.headers
            if key.lower() == name.lower()
        ]

    def describe(self, limit: int = 300) -> str:
        def cut(value: object) -> str:
            text = repr(value)
            return (
                text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"
            )

        headers = ", ".join(f"{k}: {cut(v)}" for k, v in self.headers)
        body = "" if self.body is None else f" body={cut(self.body)}"
        return (
            f"{self.method} {cut(self.url)} [{self.kind}, client={self.client}] "
            f"headers={{{headers}}}{body}"
        )


# -- strings ------------------------------------------------------------------------


def _splice(rng: random.Random, base: str, alphabet: str, rate: float) -> str:
    return "".join(
        ch + (rng.choice(alphabet) if rng.random() < rate else "") for ch in base
    )


def hostile_text(rng: random.Random, targets: Targets, *, limit: int = 4096) -> str:
    """A hostile string (no lone surrogates: see hostile_bytes)."""
    kind = rng.randrange(9)
    if kind == 0:
        text = rng.choice(INJECTION)
    elif kind == 1:
        text = _splice(rng, rng.choice(WORDS + INJECTION), CONTROL, 0.4)
    elif kind == 2:
        base = rng.choice(WORDS + DEMO_BUYER_IDS + INJECTION)
        text = _splice(rng, base, BIDI + ZERO_WIDTH, 0.5) + rng.choice(BIDI)
    elif kind == 3:
        text = rng.choice(NORMALISATION)
    elif kind == 4:
        chunk = rng.choice(WORDS + INJECTION + NORMALISATION)
        text = (chunk * (limit // max(1, len(chunk)) + 1))[
            : rng.randrange(min(256, limit), limit + 1)
        ]
    elif kind == 5:
        alphabet = (
            CONTROL + BIDI + ZERO_WIDTH + "abc/{}\"'<>%$#@!&;=+\\\u00e9\u4e2d\U0001f4e6"
        )
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 80)))
    elif kind == 6:
        text = rng.choice(
            DEMO_BUYER_IDS
            + DEMO_ORDER_IDS
            + (targets.victim_cid, targets.victim_sender, targets.anon_cid)
        )
    elif kind == 7:
        text = rng.choice(BIDI) + rng.choice(INJECTION) + rng.choice(CONTROL)
    else:
        text = "".join(rng.choice(INJECTION) for _ in range(rng.randrange(2, 6)))
    return text[:limit]


def hostile_bytes(rng: random.Random, targets: Targets, *, limit: int = 4096) -> bytes:
    """Hostile bytes: a hostile string's UTF-8, mixed with lone surrogates
    (WTF-8) and other invalid UTF-8."""
    text = hostile_text(rng, targets, limit=limit).encode("utf-8")
    if rng.random() < 0.5:
        cut = rng.randrange(len(text) + 1)
        text = text[:cut] + rng.choice(BAD_UTF8) + text[cut:]
    return text[:limit]


# -- tokens -------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def _claims(targets: Targets, **overrides: object) -> dict[str, object]:
    claims: dict[str, object] = {
        "sub": "B-1",
        "cid": targets.victim_cid,
        "iss": "csba-triage-bot",
        "aud": "csba-chat",
        "iat": 1_700_000_000,
        "exp": 4_102_444_800,  # 2100
    }
    claims.update(overrides)
    return claims


def _unsigned(header: object, claims: object, signature: str = "") -> str:
    return f"{_b64(_json(header))}.{_b64(_json(claims))}.{signature}"


def _segments(token: str) -> list[str]:
    parts = token.split(".")
    return parts if len(parts) == 3 else [token, "", ""]


def forged_token(rng: random.Random, targets: Targets) -> tuple[str, str]:
    """(kind, token): a token that must not open any conversation."""
    victim = targets.victim_token
    head, payload, signature = _segments(victim)
    kind = rng.randrange(14)
    if kind == 0:
        alg = rng.choice(("none", "None", "NONE", "nOnE", "", None, "HS256 ", " HS256"))
        sig = rng.choice(("", signature, "AAAA", "."))
        return "alg-none", _unsigned({"alg": alg, "typ": "JWT"}, _claims(targets), sig)
    if kind == 1:
        alg = rng.choice(
            ("HS512", "HS384", "RS256", "ES256", "PS256", "EdDSA", "hs256")
        )
        return "alg-confusion", _unsigned({"alg": alg}, _claims(targets), signature)
    if kind == 2:
        return "wrong-secret", rng.choice(targets.wrong_secret_tokens)
    if kind == 3:
        return "expired", rng.choice(targets.expired_tokens)
    if kind == 4:
        return "not-yet-valid", rng.choice(targets.early_tokens)
    if kind == 5:
        swap = rng.choice(
            (
                _claims(targets, sub="B-2"),
                _claims(targets, exp=2**40),
                _claims(targets, cid=targets.anon_cid),
                _claims(targets, aud="csba-chat-anonymous", sub="anonymous"),
                _claims(targets, sub={"$ne": 1}),
                _claims(targets, sub="' OR 1=1 --"),
                _claims(targets, cid="../../etc/passwd"),
                _claims(targets, exp="never", iat=[]),
                _claims(targets, exp=1e308, iat=-1e308),
            )
        )
        return "tampered-claims", f"{head}.{_b64(_json(swap))}.{signature}"
    if kind == 6:
        flipped = list(signature or "A")
        at = rng.randrange(len(flipped))
        flipped[at] = "A" if flipped[at] != "A" else "B"
        variant = rng.choice(
            (
                f"{head}.{payload}.{''.join(flipped)}",
                f"{head}.{payload}.",
                f"{head}.{payload}",
                f"{head}..{signature}",
                f"{head}.{payload}.{signature}.{signature}",
                victim[:-1],
                victim[1:],
                victim.swapcase(),
                f"{head}.{_segments(targets.other_token)[1]}.{signature}",
                f"{_segments(targets.anon_token)[0]}.{payload}.{_segments(targets.anon_token)[2]}",
            )
        )
        return "tampered-signature", variant
    if kind == 7:
        size = rng.choice((4097, 8192, 65536, 262144))
        filler = rng.choice(("A", "x", ".", "eyJ"))
        variant = rng.choice(
            (
                (filler * size)[:size],
                f"{head}.{payload}{'A' * size}.{signature}",
                f"{head}.{_b64(_json({'sub': 'B-1', 'pad': 'x' * size}))}.{signature}",
            )
        )
        return "huge", variant
    if kind == 8:
        depth = rng.choice((200, 1000, 1400))
        nested = b"[" * depth + b"]" * depth
        if rng.random() < 0.5:
            return "nested-json", f"{_b64(nested)}.{payload}.{signature}"
        return "nested-json", f"{head}.{_b64(nested)}.{signature}"
    if kind == 9:
        header = rng.choice(
            (
                {"alg": "HS256", "kid": "../../../../dev/null"},
                {"alg": "HS256", "kid": "' OR 1=1 --"},
                {"alg": "HS256", "jku": "https://evil.example/jwks.json"},
                {"alg": "HS256", "x5u": "https://evil.example/x.pem"},
                {"alg": "HS256", "crit": ["exp"], "exp": 1},
                {"alg": "HS256", "b64": False, "crit": ["b64"]},
                {"alg": ["HS256"]},
                {"alg": {"$ne": None}},
                ["HS256"],
                "HS256",
                None,
            )
        )
        return "odd-header", _unsigned(header, _claims(targets), signature)
    if kind == 10:
        body = rng.choice(([], "B-1", 1, None, {"sub": ["B-1"]}, [_claims(targets)]))
        return "odd-payload", _unsigned({"alg": "HS256"}, body, signature)
    if kind == 11:
        junk = rng.choice(
            (
                "a.b.c",
                "..",
                ".",
                "null",
                "undefined",
                "Bearer",
                "eyJhbGciOiJub25lIn0.eyJzdWIiOiJCLTEifQ.",
                "eyJ.eyJ.eyJ",
                "=.=.=",
                "%00.%00.%00",
                "\u202e" + victim,
                victim.replace(".", "\u200b."),
            )
        )
        return "garbage-jwt", junk
    if kind == 12:
        return "hostile-string", hostile_text(rng, targets, limit=2048)
    # a token of the right shape with a random signature
    random_sig = _b64(rng.randbytes(32))
    return "random-signature", f"{head}.{payload}.{random_sig}"


BEARER_FORMS = (
    "Bearer {t}",
    "bearer {t}",
    "BEARER {t}",
    "Bearer  {t}",
    "Bearer   {t}  ",
    "Bearer\t{t}",
    "Bearer \t{t}\t",
    " Bearer {t}",
    "Bearer\x00{t}",
    "Bearer\r\n{t}",
    "Bearer {t}\r\nSet-Cookie: csba_session=evil",
    "Bearer\u00a0{t}",
    "Bearer\u3000{t}",
    "Bearer \x1f{t}\x1f",
    "Bearer {t} {t}",
    "Bearer {t},Bearer {t}",
    "Bearer={t}",
    "Token {t}",
    "JWT {t}",
    "Basic {t}",
    "{t}",
    "Bearer",
    "Bearer ",
    "Bearer \x00",
    "\uff22earer {t}",
)


def authorization(rng: random.Random, token: str) -> bytes:
    form = rng.choice(BEARER_FORMS) if rng.random() < 0.45 else "Bearer {t}"
    return form.replace("{t}", token).encode("utf-8")


# -- headers, cookies, query strings --------------------------------------------------


def forged_session_cookie(rng: random.Random, targets: Targets) -> str:
    """A Starlette session cookie claiming B-1's chat, signed with another key."""
    from itsdangerous import TimestampSigner

    session = rng.choice(
        (
            {"buyer_chat": {"buyer": "B-1", "cid": targets.victim_cid}},
            {"buyer_chat": {"buyer": "B-1", "cid": targets.victim_cid}, "csrf": "x"},
            {"buyer_chat": {"buyer": "' OR 1=1 --", "cid": "../x"}},
            {"buyer_chat": {"buyer": ["B-1"], "cid": 1}},
            {"user_id": 1, "csrf": "x"},
        )
    )
    data = base64.b64encode(json.dumps(session).encode("utf-8"))
    if rng.random() < 0.3:
        return data.decode("ascii")  # unsigned
    key = rng.choice(("", "guess", "test-session-secret-" + "y" * 32))
    return TimestampSigner(key).sign(data).decode("ascii")


def cookie_header(rng: random.Random, targets: Targets) -> tuple[str, bytes]:
    kind = rng.randrange(7)
    if kind == 0:
        value = "csba_session=" + forged_session_cookie(rng, targets)
    elif kind == 6:
        value = rng.choice(
            (
                ";;;=;=; csba_session",
                'csba_session="quo\\"ted"; csba_session=x',
                "csba_session",
                "=csba_session=x",
                "\u00e9=\u00e9; csba_session=\u202e",
                "; ".join(f"c{i}=x" for i in range(2000)),
            )
        )
    elif kind == 1:
        value = "csba_session=" + hostile_text(rng, targets, limit=512)
    elif kind == 2:
        value = "csba_session=; csba_session=" + forged_session_cookie(rng, targets)
    elif kind == 3:
        value = "csba_session=" + "A" * rng.choice((4096, 16384))
    elif kind == 4:
        value = f"token={targets.victim_token}; buyer=B-1; cid={targets.victim_cid}"
    else:
        return "Cookie", b"csba_session=" + hostile_bytes(rng, targets, limit=256)
    return "Cookie", value.encode("utf-8")


def extra_headers(rng: random.Random, targets: Targets) -> list[tuple[str, bytes]]:
    headers: list[tuple[str, bytes]] = []
    for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
        kind = rng.randrange(9)
        if kind == 0:
            accept = rng.choice(
                ("text/html", "text/html,*/*;q=0.8", "application/json", "*/*", "")
            )
            headers.append(("Accept", accept.encode()))
        elif kind == 1:
            headers.append(cookie_header(rng, targets))
        elif kind == 2:
            headers.append(("X-CSRF-Token", hostile_bytes(rng, targets, limit=512)))
        elif kind == 3:
            headers.append(("X-Requested-With", b"XMLHttpRequest"))
        elif kind == 4:
            headers.append(("Referer", hostile_bytes(rng, targets, limit=1024)))
        elif kind == 5:
            headers.append(("X-Forwarded-For", hostile_bytes(rng, targets, limit=256)))
        elif kind == 6:
            host = rng.choice(
                ("evil.example", "[", "[::1", "localhost:99999", "<script>", "a" * 300)
            )
            headers.append(("Host", host.encode()))
        elif kind == 7:
            headers.append(("Accept-Language", hostile_bytes(rng, targets, limit=256)))
        else:
            headers.append(("User-Agent", hostile_bytes(rng, targets, limit=2048)))
    return headers


def query_string(rng: random.Random, targets: Targets) -> tuple[str, list[str]]:
    """A raw (percent-encoded, ASCII) query string and its decoded values."""
    if rng.random() < 0.2:
        return "", []
    if rng.random() < 0.1:
        raw = rng.choice(("?", "?&&&", "?=", "?%", "?a=%zz&b=%", "?;;", "?a=1&a=2&a=<"))
        return raw, []
    pairs: list[str] = []
    values: list[str] = []
    for _ in range(rng.randrange(1, 4)):
        if rng.random() < 0.8:
            key = rng.choice(QUERY_KEYS).encode()
        else:
            key = hostile_bytes(rng, targets, limit=64)
        roll = rng.random()
        if roll < 0.12:
            value = targets.victim_token.encode()
        elif roll < 0.3:  # an exact identity the app must not take from the URL
            key, hint = rng.choice(
                (
                    (b"buyer", "B-1"),
                    (b"buyer", "B-2"),
                    (b"buyer_id", "B-1"),
                    (b"cid", targets.victim_cid),
                    (b"conversation_id", targets.victim_sender),
                    (b"sender", targets.victim_sender),
                )
            )
            value = hint.encode()
        else:
            value = hostile_bytes(rng, targets, limit=rng.choice((64, 1024, 16384)))
        pair = f"{quote_from_bytes(key, safe='')}={quote_from_bytes(value, safe='')}"
        if sum(map(len, pairs)) + len(pair) > MAX_QUERY_CHARS:
            break
        values.append(value.decode("utf-8", "replace"))
        pairs.append(pair)
    return "?" + "&".join(pairs), values


# -- route generators -----------------------------------------------------------------


def _wrong_method(rng: random.Random, route: str) -> str:
    allowed = "GET" if route in (SHOP, TOKEN, HISTORY) else "POST"
    return rng.choice(
        [m for m in ("GET", "POST", "PUT", "DELETE", "PATCH") if m != allowed]
    )


def shop_request(rng: random.Random, targets: Targets) -> FuzzRequest:
    query, values = query_string(rng, targets)
    kind = "query" if query else "headers"
    method = "GET"
    roll = rng.random()
    if roll < 0.04:
        method, kind = _wrong_method(rng, SHOP), "wrong-method"
    elif roll < 0.1:
        method, kind = "HEAD", "head"
    headers = extra_headers(rng, targets)
    if rng.random() < 0.25:
        _, token = forged_token(rng, targets)
        headers.append(("Authorization", authorization(rng, token)))
    if rng.random() < 0.3:
        headers.append(cookie_header(rng, targets))
        kind += "+cookie"
    client = PICKER if rng.random() < 0.2 else STRANGER
    return FuzzRequest(
        SHOP, kind, client, method, "/" + query, headers, reflectable=values
    )


def _form_body(
    rng: random.Random, pairs: list[tuple[str, bytes]]
) -> tuple[bytes, bytes]:
    """(content type, body) for form fields, in one of several envelopes."""
    envelope = rng.randrange(10)
    if envelope <= 5:
        body = "&".join(
            f"{quote_from_bytes(k.encode(), safe='')}={quote_from_bytes(v, safe='')}"
            for k, v in pairs
        ).encode("ascii")
        content_type = b"application/x-www-form-urlencoded"
        if envelope == 5:
            content_type += rng.choice(
                (b"; charset=utf-7", b"; charset=latin-1", b"; charset=\x00", b";;;")
            )
        return content_type, body
    if envelope == 6:  # raw, unescaped bytes
        body = b"&".join(k.encode() + b"=" + v for k, v in pairs)
        return b"application/x-www-form-urlencoded", body
    if envelope == 7:
        boundary = b"fuzz" + str(rng.randrange(10**9)).encode()
        # some fields as file parts: form.get() then gives an UploadFile
        as_files = rng.random() < 0.4
        parts = [
            (
                b'Content-Disposition: form-data; name="'
                + k.encode()
                + b'"'
                + (b'; filename="' + v[:64] + b'.txt"' if as_files else b""),
                v,
            )
            for k, v in pairs
        ]
        return b"multipart/form-data; boundary=" + boundary, multipart(boundary, parts)
    if envelope == 8:
        body = json.dumps({k: v.decode("utf-8", "replace") for k, v in pairs}).encode()
        return b"application/json", body
    content_type = rng.choice((b"", b"text/plain", b"multipart/form-data", b"\r\n"))
    return content_type, b"&".join(k.encode() + b"=" + v for k, v in pairs)


def session_request(rng: random.Random, targets: Targets) -> FuzzRequest:
    client = PICKER if rng.random() < 0.75 else STRANGER
    csrf = targets.csrf.get(client, "")
    headers = extra_headers(rng, targets)
    pairs: list[tuple[str, bytes]] = []
    reflectable: list[str] = []

    roll = rng.randrange(10)
    if roll < 4:
        buyer = hostile_bytes(rng, targets, limit=rng.choice((64, 4096)))
        kind = "buyer-field"
    elif roll < 6:
        buyer = rng.choice(
            NORMALISATION + DEMO_BUYER_IDS + (" B-2 ", "\tB-3\n")
        ).encode()
        kind = "buyer-id-trick"
    elif roll < 7:
        buyer = ("B-1" + "\u202e" * 100 + "x" * rng.choice((1000, MB - 16))).encode()
        kind = "buyer-huge"
    elif roll < 8:
        buyer = rng.choice(INJECTION).encode()
        kind = "buyer-injection"
    else:
        buyer = rng.choice(DEMO_BUYER_IDS).encode()
        kind = "extra-fields"
    reflectable.append(buyer.decode("utf-8", "replace"))
    if rng.random() < 0.9:
        pairs.append(("buyer", buyer))
    if kind == "extra-fields" or rng.random() < 0.2:
        for name in rng.sample(
            ["cid", "conversation", "sender", "buyer_id", "next"], 2
        ):
            value = rng.choice(
                (targets.victim_cid, targets.victim_sender, "B-1", "//evil.example")
            )
            pairs.append((name, value.encode()))
        if rng.random() < 0.3:
            pairs.append(("buyer", b"B-1"))  # a repeated field

    csrf_kind = rng.randrange(8)
    if csrf_kind <= 2:
        pairs.append(("csrf_token", csrf.encode()))
    elif csrf_kind == 3:
        headers.append(("X-CSRF-Token", csrf.encode()))
    elif csrf_kind == 4:
        pairs.append(("csrf_token", hostile_bytes(rng, targets, limit=256)))
    elif csrf_kind == 5:
        variant = rng.choice(
            (csrf.upper(), csrf[:-1], csrf + "x", f" {csrf}", csrf[::-1], "", "null")
        )
        pairs.append(("csrf_token", variant.encode()))
    elif csrf_kind == 6:
        pairs.append(("csrf_token", b"wrong"))
        pairs.append(("csrf_token", csrf.encode()))
    rng.shuffle(pairs)

    if rng.random() < 0.02:  # more fields than the parser takes
        pairs += [(f"f{i}", b"x") for i in range(1100)]
        kind = "too-many-fields"
    method = "POST"
    if rng.random() < 0.03:
        method, kind = _wrong_method(rng, SESSION), "wrong-method"
    content_type, body = _form_body(rng, pairs)
    if content_type:
        headers.append(("Content-Type", content_type))
    query, values = query_string(rng, targets) if rng.random() < 0.2 else ("", [])
    return FuzzRequest(
        SESSION,
        kind,
        client,
        method,
        "/chat/session" + query,
        headers,
        body,
        reflectable=reflectable + values,
    )


def token_request(rng: random.Random, targets: Targets) -> FuzzRequest:
    query, values = query_string(rng, targets)
    headers = extra_headers(rng, targets)
    kind = "query"
    if rng.random() < 0.4:
        token_kind, token = forged_token(rng, targets)
        headers.append(("Authorization", authorization(rng, token)))
        kind = f"authorization:{token_kind}"
    if rng.random() < 0.4:
        headers.append(cookie_header(rng, targets))
        kind += "+cookie"
    method = "GET"
    if rng.random() < 0.03:
        method, kind = _wrong_method(rng, TOKEN), "wrong-method"
    return FuzzRequest(
        TOKEN,
        kind,
        STRANGER,
        method,
        "/chat/token" + query,
        headers,
        reflectable=values,
    )


def _valid_token(rng: random.Random, targets: Targets) -> tuple[str, str]:
    return rng.choice(
        (
            ("victim-token", targets.victim_token),
            ("other-buyer-token", targets.other_token),
            ("anonymous-token", targets.anon_token),
            ("uploader-token", targets.uploader_token),
        )
    )


def history_request(rng: random.Random, targets: Targets) -> FuzzRequest:
    query, values = query_string(rng, targets) if rng.random() < 0.5 else ("", [])
    headers = extra_headers(rng, targets)
    roll = rng.random()
    if roll < 0.7:
        kind, token = forged_token(rng, targets)
        headers.append(("Authorization", authorization(rng, token)))
    elif roll < 0.85:
        kind, token = _valid_token(rng, targets)
        if kind == "victim-token":  # the victim's own token, oddly spaced
            kind, token = "other-buyer-token", targets.other_token
        headers.append(("Authorization", authorization(rng, token)))
        if rng.random() < 0.3:  # and the victim's somewhere the app must ignore
            headers.append(("X-Chat-Token", targets.victim_token.encode()))
    elif roll < 0.9:
        kind = "own-token-odd-spacing"
        form = rng.choice(BEARER_FORMS)
        headers.append(
            ("Authorization", form.replace("{t}", targets.victim_token).encode())
        )
    else:
        kind = "token-elsewhere"
        headers.append(cookie_header(rng, targets))
        if rng.random() < 0.5:
            headers.append(("X-CSRF-Token", targets.victim_token.encode()))
        if not query:
            query = "?token=" + targets.victim_token
    if rng.random() < 0.05:  # two Authorization headers: a forged one first
        _, forged = forged_token(rng, targets)
        headers.insert(0, ("Authorization", authorization(rng, forged)))
        kind += "+second-authorization"
    method = "GET"
    if rng.random() < 0.03:
        method, kind = _wrong_method(rng, HISTORY), "wrong-method"
    return FuzzRequest(
        HISTORY,
        kind,
        STRANGER,
        method,
        "/chat/history" + query,
        headers,
        reflectable=values,
    )


# -- uploads --------------------------------------------------------------------------


def multipart(boundary: bytes, parts: list[tuple[bytes, bytes]]) -> bytes:
    """A multipart body of (part headers, part body) pairs, written by hand so
    that names, file names and content types can hold any bytes."""
    out = bytearray()
    for part_headers, data in parts:
        out += b"--" + boundary + b"\r\n" + part_headers + b"\r\n\r\n" + data + b"\r\n"
    out += b"--" + boundary + b"--\r\n"
    return bytes(out)


def image_bytes(fmt: str, size: tuple[int, int] = (16, 12), **save: object) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (180, 40, 40)).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims `width` x `height` pixels."""
    png = image_bytes("PNG", (4, 4))
    ihdr = png[16:29]
    forged = struct.pack(">II", width, height) + ihdr[8:]
    crc = struct.pack(">I", zlib.crc32(b"IHDR" + forged) & 0xFFFFFFFF)
    return png[:16] + forged + crc + png[33:]


HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"


def photo_payloads() -> dict[str, bytes]:
    """Named hostile (and a few honest) photo bodies, made once."""
    from PIL import PngImagePlugin

    png, jpeg = image_bytes("PNG"), image_bytes("JPEG")
    text_chunk = PngImagePlugin.PngInfo()
    text_chunk.add_text("Comment", "<script>alert(1)</script>{{7*191}}")
    return {
        "valid-png": png,
        "valid-jpeg": jpeg,
        "empty": b"",
        "png+html": png + HTML,
        "jpeg+html": jpeg + HTML,
        "png-text-chunk-script": image_bytes("PNG", pnginfo=text_chunk),
        "jpeg-comment-php": image_bytes(
            "JPEG", comment=b"<?php system($_GET['c']); ?>"
        ),
        "jpeg-header+garbage": b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4,
        "png-magic+html": b"\x89PNG\r\n\x1a\n" + HTML,
        "truncated-png": png[: len(png) // 2],
        "gif-named-png": image_bytes("GIF"),
        "svg-named-png": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "html-named-png": HTML,
        "gif-js-polyglot": b"GIF89a/*\x00\x00*/=alert(document.domain)//;" + HTML,
        "bmp": image_bytes("BMP"),
        "webp": image_bytes("WEBP"),
        "pixel-bomb-header": _png_claiming(60000, 60000),
        "zip-polyglot": png + b"PK\x03\x04" + b"\x00" * 26 + b"evil.html" + HTML,
        "nul-bytes": b"\x00" * 4096,
    }


CONTENT_TYPES = (
    b"image/png",
    b"image/jpeg",
    b"image/gif",
    b"image/svg+xml",
    b"text/html",
    b"application/x-php",
    b"application/octet-stream",
    b"",
    b"image/png\r\nX-Injected: 1",
    b"image/png; charset=<script>",
    b"multipart/form-data; boundary=x",
    b"../../etc/passwd",
)
FILE_NAMES = (
    b"photo.png",
    b"../../etc/passwd",
    b"..\\..\\windows\\win.ini",
    b"/var/www/html/shell.php",
    b"photo.png\x00.html",
    "photo\u202egnp.html".encode(),
    "\u200bphoto.png".encode(),
    b"photo.png\r\nContent-Type: text/html",
    b'pho"to.png',
    b"",
    b".htaccess",
    b"CON",
    b"index.html",
    b"\xed\xa0\x80.png",
    b"%2e%2e%2fphoto.png",
    b"{{7*191}}.png",
    b"<img src=x onerror=alert(1)>.png",
)


def _file_part(
    rng: random.Random, targets: Targets, data: bytes, *, name: bytes = b"photo"
) -> tuple[bytes, bytes]:
    if rng.random() < 0.7:
        filename = rng.choice(FILE_NAMES)
    else:
        filename = hostile_bytes(rng, targets, limit=rng.choice((64, 10000)))
    content_type = rng.choice(CONTENT_TYPES)
    headers = b'Content-Disposition: form-data; name="' + name + b'"; filename="'
    headers += filename + b'"'
    if content_type or rng.random() < 0.5:
        headers += b"\r\nContent-Type: " + content_type
    return headers, data


def upload_request(
    rng: random.Random,
    targets: Targets,
    payloads: dict[str, bytes],
    *,
    huge: int | None = None,
) -> FuzzRequest:
    """A hostile upload. `huge` (the how-many-th over-5-MB one, or None): over
    5 MB, with the uploader's valid token and CSRF token so that the size check
    is what answers; chunked (no Content-Length) every other time."""
    client = UPLOADER if rng.random() < 0.85 or huge is not None else STRANGER
    headers = extra_headers(rng, targets) if rng.random() < 0.3 else []
    roll = rng.random()
    if huge is not None:
        headers = [("Authorization", f"Bearer {targets.uploader_token}".encode())]
        auth, token = "uploader-token", ""
    elif roll < 0.5:
        token_kind, token = forged_token(rng, targets)
        auth = f"forged:{token_kind}"
    elif roll < 0.85:
        auth, token = "uploader-token", targets.uploader_token
    elif roll < 0.95:
        auth, token = _valid_token(rng, targets)
        if auth in ("victim-token", "uploader-token"):
            auth, token = "other-buyer-token", targets.other_token
    else:
        auth, token = "no-token", ""
    if token:
        headers.append(("Authorization", authorization(rng, token)))

    csrf = targets.csrf.get(client, "")
    csrf_roll = rng.random()
    fields: list[tuple[bytes, bytes]] = []
    if csrf_roll < 0.7 or huge is not None:
        headers.append(("X-CSRF-Token", csrf.encode()))
    elif csrf_roll < 0.8:
        fields.append(
            (b'Content-Disposition: form-data; name="csrf_token"', csrf.encode())
        )
    elif csrf_roll < 0.9:
        headers.append(("X-CSRF-Token", hostile_bytes(rng, targets, limit=128)))

    boundary = b"----fuzz" + str(rng.randrange(10**12)).encode()
    chunked = False
    if huge is not None:
        data = payloads["valid-png"] + b"\x00" * (PHOTO_LIMIT + 1024)
        chunked = huge % 2 == 0
        kind = "huge-chunked" if chunked else "huge-declared"
        parts = [_file_part(rng, targets, data)]
    else:
        shape = rng.randrange(12)
        name = rng.choice(list(payloads))
        kind = name
        if shape <= 7:
            parts = [_file_part(rng, targets, payloads[name])]
        elif shape == 8:  # the photo as a plain field, or under another name
            kind = "photo-not-a-file"
            parts = [
                (b'Content-Disposition: form-data; name="photo"', payloads[name][:MB])
                if rng.random() < 0.5
                else _file_part(rng, targets, payloads[name], name=b"image")
            ]
        elif shape == 9:  # two photos
            kind = "two-photos"
            parts = [
                _file_part(rng, targets, payloads[name]),
                _file_part(rng, targets, payloads["valid-png"]),
            ]
        elif shape == 10:  # about 1 MB of hostile bytes
            kind = "1mb-body"
            filler = hostile_bytes(rng, targets, limit=4096) or b"x"
            data = (filler * (MB // len(filler) + 1))[: rng.randrange(MB // 2, MB)]
            parts = [_file_part(rng, targets, data)]
        else:
            kind = "malformed-multipart"
            parts = []
        # fields the app must ignore: a client never names the case
        for field_name, value in rng.sample(
            [
                (b"case_id", b"1"),
                (b"conversation_id", targets.victim_sender.encode()),
                (b"buyer_id", b"B-1"),
                (b"filename", b"../../x.html"),
            ],
            rng.randrange(0, 3),
        ):
            fields.append(
                (b'Content-Disposition: form-data; name="' + field_name + b'"', value)
            )
    all_parts = fields + parts
    rng.shuffle(all_parts)
    body = multipart(boundary, all_parts)
    content_type = b"multipart/form-data; boundary=" + boundary
    if kind == "malformed-multipart":
        body, content_type = rng.choice(
            (
                (body[: len(body) // 2], content_type),
                (body.replace(b"\r\n", b"\n"), content_type),
                (body, b"multipart/form-data"),
                (body, b"multipart/form-data; boundary="),
                (body, b"multipart/form-data; boundary=" + b"x" * 5000),
                (
                    body,
                    b'multipart/form-data; boundary="' + boundary + b"; charset=\xff",
                ),
                (
                    b"--" + boundary + b"\r\nContent-Disposition: form-data\r\n\r\nx",
                    content_type,
                ),
                (
                    b"--" + boundary + b"\r\n" + b"X: y\r\n" * 5000 + b"\r\n",
                    content_type,
                ),
                (b"photo=" + HTML, b"application/x-www-form-urlencoded"),
                (json.dumps({"photo": "x"}).encode(), b"application/json"),
                (b"", content_type),
            )
        )
    headers.append(("Content-Type", content_type))
    if huge is None and rng.random() < 0.04:
        kind += "+forged-length"
        headers.append(
            (
                "Content-Length",
                rng.choice((b"0", b"-1", b"1e9", b"99999999999", b" 12")),
            )
        )
    method = "POST"
    if rng.random() < 0.02 and huge is None:
        method, kind = _wrong_method(rng, UPLOAD), "wrong-method"
    return FuzzRequest(
        UPLOAD,
        f"{auth}/{kind}",
        client,
        method,
        "/chat/upload",
        headers,
        body,
        chunked=chunked,
    )


# -- the plan -------------------------------------------------------------------------


def route_counts(n: int) -> dict[str, int]:
    counts = {route: int(n * share) for route, share in ROUTE_SHARES.items()}
    counts[HISTORY] += n - sum(counts.values())
    return counts


def fuzz_requests(n: int, seed: int, targets: Targets) -> Iterator[FuzzRequest]:
    """`n` hostile requests over the five routes, in a seeded mixed order."""
    rng = random.Random(seed)
    order = [route for route, count in route_counts(n).items() for _ in range(count)]
    rng.shuffle(order)
    uploads = [i for i, route in enumerate(order) if route == UPLOAD]
    huge_count = max(2, min(6, n // 2500)) if uploads else 0
    huge_at = sorted(rng.sample(uploads, min(huge_count, len(uploads))))
    payloads = photo_payloads()
    for i, route in enumerate(order):
        if route == SHOP:
            request = shop_request(rng, targets)
        elif route == SESSION:
            request = session_request(rng, targets)
        elif route == TOKEN:
            request = token_request(rng, targets)
        elif route == HISTORY:
            request = history_request(rng, targets)
        else:
            huge = huge_at.index(i) if i in huge_at else None
            request = upload_request(rng, targets, payloads, huge=huge)
        if request.header_values("cookie"):
            # its own session cookie: sent by the stranger, so that the answer's
            # new session does not replace the picker's or the uploader's
            request.client = STRANGER
        yield request
