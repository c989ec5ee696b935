"""The one-click "Was this helpful?" links in the buyer's answer email (issue
17, item 5).

A link carries a rating token: an HS256 JWT signed with the project's secret
(bot.adapters.tokens, `CSBA_JWT_SECRET`), for its own audience `csba-rating`,
whose `sub` is the inquiry's id and whose `cid` is its conversation. It lives
as long as the inquiry may be rated (ratings.INQUIRY_RATING_WINDOW). Whoever
holds the link may rate that one inquiry, Yes or No, and change the answer;
no other: a token for another inquiry or conversation does not verify, and an
inquiry is rated only from its own conversation (ratings.rate_inquiry).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode

from sqlalchemy.orm import Session

from bot import config
from bot.adapters import tokens
from bot.adapters.tokens import InvalidToken
from bot.services import ratings
from bot.services.ratings import InquiryView, RatingError, RatingView

RATING_AUDIENCE = "csba-rating"
ANSWERS = {"yes": True, "no": False}


class RatingLinkInvalid(RatingError):
    """A link whose token is not ours, was altered, or has expired."""

    key = "rating.error.link_invalid"


def rating_token(
    inquiry: InquiryView, *, now: datetime, secret: str | None = None
) -> str:
    return tokens.sign(
        subject=str(inquiry.id),
        cid=inquiry.conversation_id,
        audience=RATING_AUDIENCE,
        ttl=ratings.INQUIRY_RATING_WINDOW,
        now=now,
        secret=secret,
    )


def rating_urls(
    inquiry: InquiryView,
    *,
    language: str,
    now: datetime,
    secret: str | None = None,
) -> dict[str, str]:
    """{"yes": url, "no": url}: the email's two one-click answers (the page
    they open speaks `language`)."""
    token = rating_token(inquiry, now=now, secret=secret)
    base = config.rating_url().rstrip("/") + "/" + quote(token, safe="")
    return {
        answer: f"{base}?{urlencode({'helpful': answer, 'lang': language})}"
        for answer in ANSWERS
    }


def link_conversation(
    token: str, *, now: datetime, secret: str | None = None
) -> str | None:
    """The conversation a valid rating token names (its `cid`), else None."""
    try:
        claims = tokens.verified_claims(
            token, audience=RATING_AUDIENCE, now=now, secret=secret
        )
        return tokens.str_claim(claims, "cid")
    except InvalidToken:
        return None


def rate_by_link(
    session: Session,
    token: str,
    *,
    helpful: bool,
    now: datetime,
    secret: str | None = None,
) -> RatingView:
    """Keep (or change) the answer about the token's inquiry. RatingLinkInvalid
    for a token that does not verify; NothingToRate when the inquiry is not
    the token's conversation's, or no longer rateable."""
    try:
        claims = tokens.verified_claims(
            token, audience=RATING_AUDIENCE, now=now, secret=secret
        )
        subject = tokens.str_claim(claims, "sub")
        conversation_id = tokens.str_claim(claims, "cid")
    except InvalidToken:
        raise RatingLinkInvalid() from None
    if not subject.isdigit():
        raise RatingLinkInvalid()
    return ratings.rate_inquiry(
        session,
        inquiry_id=int(subject),
        conversation_id=conversation_id,
        helpful=helpful,
        now=now,
    )
