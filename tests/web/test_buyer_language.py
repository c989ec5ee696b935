"""The buyer's language in the web app (issue 16): the shop page and the
widget's labels start in the account's, the page's or the browser's language;
the widget's answers (photos, "Was this helpful?"), an agent's arrival in the
chat and the rating page follow the conversation's `language` slot, read from
the tracker store. Real app (Starlette's TestClient), real databases (SQLite,
then PostgreSQL), conversations written by Rasa's own SQL tracker store."""

from __future__ import annotations

import json
import re

from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from sqlalchemy import update

from bot.adapters.db import get_engine, session_scope
from bot.adapters.orm import BuyerRow
from bot.entrypoints.web.buyer_language import accepted_language, joined_text
from bot.services import rating_links
from bot.services.chat_access import resolve_chat_token
from bot.services.conversation_language import conversation_language
from tests.factories import BUYER_1, BUYER_2
from tests.web.conftest import csrf_from, utc_now
from tests.web.test_buyer import (
    STRINGS,
    _open_damaged_case,
    bearer,
    chat_token,
    photo_bytes,
    pick,
)
from tests.web.test_inquiry_rating_route import rate, record

LANGUAGES = re.compile(r"data-strings-by-language='([^']*)'")


def _set_language(web_engine, buyer_id: str, language: str) -> None:
    with session_scope(web_engine) as session:
        session.execute(
            update(BuyerRow).where(BuyerRow.id == buyer_id).values(language=language)
        )


def _upload(client, token: str, lang: str | None = None):  # noqa: ANN202
    """A photo from the widget, which says which language it shows."""
    return client.post(
        "/chat/upload" + (f"?lang={lang}" if lang else ""),
        headers={**bearer(token), "X-CSRF-Token": csrf_from(client, "/")},
        files={"photo": ("photo.png", photo_bytes(), "image/png")},
    )


def _labels(html: str) -> dict[str, str]:
    return json.loads(STRINGS.search(html).group(1))


# -- the page's first language ------------------------------------------------------


def test_a_spanish_account_buyer_gets_the_widget_in_spanish(client, web_engine):
    _set_language(web_engine, BUYER_1, "es")
    pick(client, BUYER_1)
    page = client.get("/", headers={"Accept-Language": "en-US"})  # the account wins
    html = page.text
    assert page.status_code == 200
    assert '<html lang="es">' in html
    assert 'data-language="es"' in html
    labels = _labels(html)
    assert labels["placeholder"] == "Escribe tu mensaje…"
    assert labels["attach"] == "Adjuntar una foto"
    assert labels["status_online"] == "Conectado"
    assert 'placeholder="Escribe tu mensaje…"' in html
    assert '<span class="csba-attach-text">Adjuntar una foto</span>' in html
    assert ">Enviar</button>" in html and ">Chatea con nosotros</button>" in html
    assert "Estás chateando como" in html
    # both label sets, for a switch of the conversation's language
    both = json.loads(LANGUAGES.search(html).group(1))
    assert both["en"]["placeholder"] == "Type your message…"
    assert both["es"] == labels
    assert "Accept-Language" in page.headers["vary"]


def test_an_account_language_tag_counts_by_its_language(client, web_engine):
    _set_language(web_engine, BUYER_1, "es-MX")
    pick(client, BUYER_1)
    assert _labels(client.get("/").text)["send"] == "Enviar"


def test_an_english_account_stays_english_whatever_the_browser(client):
    pick(client, BUYER_1)  # B-1's account is in English
    html = client.get("/?lang=es", headers={"Accept-Language": "es-MX"}).text
    assert _labels(html)["send"] == "Send" and 'data-language="en"' in html


def test_anonymous_buyers_get_the_page_or_the_browser_language(client):
    assert _labels(client.get("/?lang=es").text)["send"] == "Enviar"
    spanish_browser = {"Accept-Language": "es-419,es;q=0.9,en;q=0.8"}
    assert _labels(client.get("/", headers=spanish_browser).text)["send"] == "Enviar"
    assert _labels(client.get("/?lang=fr").text)["send"] == "Send"
    assert _labels(client.get("/").text)["send"] == "Send"


def test_a_buyer_whose_account_language_is_no_buyer_language(client):
    pick(client, BUYER_2)  # zh: sellers' and agents' only, so the browser's
    html = client.get("/", headers={"Accept-Language": "es"}).text
    assert _labels(html)["send"] == "Enviar"


def test_accept_language_is_read_by_weight():
    assert accepted_language("es-MX") == "es"
    assert accepted_language("fr-FR, es;q=0.5, en;q=0.7") == "en"
    assert accepted_language("en;q=0.2, ES-ar;q=0.9") == "es"
    assert accepted_language("es;q=0, en;q=0.1") == "en"
    assert accepted_language("de, fr") is None
    assert accepted_language("") is None and accepted_language(None) is None
    assert accepted_language("es;q=abc, en") == "en"


# -- the conversation's language ------------------------------------------------------


def test_the_conversations_language_is_its_current_slot(writer, web_settings):
    url = web_settings.tracker_store_url
    writer.save(
        "c-1", [SessionStarted(), UserUttered("hola"), SlotSet("language", "es")]
    )
    assert conversation_language(url, "c-1") == "es"
    writer.append("c-1", [SlotSet("language", "en")])
    assert conversation_language(url, "c-1") == "en"
    # a new session clears the slots (domain.yml: no carry-over)
    writer.append("c-1", [SessionStarted()])
    assert conversation_language(url, "c-1") is None
    writer.save("c-2", [SlotSet("language", "fr")])  # not a buyer language
    assert conversation_language(url, "c-2") is None
    assert conversation_language(url, "nobody") is None


def test_without_a_tracker_store_the_language_is_unknown(tmp_path):
    missing = f"sqlite:///{tmp_path / 'no-tracker.db'}"
    assert conversation_language(missing, "c-1") is None
    get_engine(missing).dispose()


def test_photo_answers_follow_the_conversation(client, web_engine, writer):
    pick(client, BUYER_1)
    token = chat_token(client)
    conversation = resolve_chat_token(token).sender_id
    # no slot yet: the language the widget shows
    refused = _upload(client, token, "es")
    assert refused.status_code == 409
    assert refused.json()["message"].startswith("Podrás adjuntar una foto")
    writer.save(conversation, [UserUttered("hola"), SlotSet("language", "es")])
    case_id = _open_damaged_case(web_engine, conversation)
    attached = _upload(client, token)  # no ?lang: the slot says es
    assert attached.status_code == 201
    assert attached.json()["message"] == (
        f"Gracias, tu foto se adjuntó al caso {case_id}. El vendedor podrá verla."
    )
    history = client.get("/chat/history", headers=bearer(token)).json()
    assert history["language"] == "es"
    [notice] = [m for m in history["messages"] if m["sender"] == "notice"]
    assert notice["text"].startswith("Gracias, tu foto se adjuntó")
    # the conversation's language wins over what the widget said it shows
    writer.append(conversation, [SlotSet("language", "en")])
    again = _upload(client, token, "es")
    assert again.json()["message"].startswith("Thanks, your photo is attached")


def test_an_invalid_token_is_answered_in_the_language_the_widget_shows(client):
    refused = client.get("/chat/history?lang=es", headers=bearer("not-a-token"))
    assert refused.status_code == 401
    assert refused.json()["message"] == (
        "Tu sesión de chat expiró. Vuelve a cargar la página."
    )


def test_the_widgets_rating_answer_is_in_the_conversations_language(
    client, web_engine, writer
):
    token = chat_token(client)
    conversation = resolve_chat_token(token).sender_id
    writer.save(conversation, [UserUttered("hola"), SlotSet("language", "es")])
    inquiry = record(web_engine, conversation)
    answer = rate(client, token, "yes", inquiry)
    assert answer.status_code == 200
    assert answer.json()["message"] == "¡Gracias! Nos alegra haberte ayudado."


def test_an_agent_joining_is_announced_in_the_buyers_language(writer, web_settings):
    url = web_settings.tracker_store_url
    writer.save("c-es", [UserUttered("hola"), SlotSet("language", "es")])
    assert joined_text(url, "c-es", "ana") == (
        "ana, de nuestro equipo de atención al cliente, se unió al chat."
    )
    assert joined_text(url, "c-none", "ana") == (
        "ana from our customer service team has joined the chat."
    )


# -- the rating page ------------------------------------------------------------------


def _link(web_engine, conversation: str, language: str = "en") -> str:
    from bot.services import ratings

    with session_scope(web_engine) as session:
        view = ratings.record_inquiry(
            session, conversation_id=conversation, route="bot",
            reason_code="delivered", order_id=None, case_id=None, now=utc_now(),
        )  # fmt: skip
    url = rating_links.rating_urls(view, language=language, now=utc_now())["yes"]
    return url.split("localhost:8000", 1)[1]


def test_the_rating_page_speaks_the_conversations_language(client, web_engine, writer):
    writer.save("buyer-conv-es", [UserUttered("hola"), SlotSet("language", "es")])
    page = client.get(_link(web_engine, "buyer-conv-es", language="en"))
    assert page.status_code == 200
    assert '<html lang="es">' in page.text
    assert "¡Gracias! Nos alegra haberte ayudado." in page.text
    assert "Tu respuesta: Sí, me resultó útil." in page.text


def test_without_a_stored_language_the_link_then_the_browser_decide(client, web_engine):
    link = _link(web_engine, "buyer-conv-none", language="en")
    assert "Thank you!" in client.get(link).text  # the link's lang=en
    bare = link.split("&lang=", 1)[0]
    spanish = client.get(bare, headers={"Accept-Language": "es-ES,es;q=0.9"})
    assert "¡Gracias!" in spanish.text
    assert "Thank you!" in client.get(bare).text
    invalid = client.get(
        "/rate/not-a-token?helpful=yes", headers={"Accept-Language": "es"}
    )
    assert invalid.status_code == 404
    assert "Este enlace de calificación no es válido" in invalid.text
