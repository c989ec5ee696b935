"""What an inbound mail says (bot.services.email_parsing) and the email
channel's settings (bot.config.imap_settings)."""

from __future__ import annotations

import subprocess

import pytest

from bot import config
from bot.services.email_parsing import buyer_words, clean_subject, parse
from tools.devstack import PROJECT_ROOT, command
from tools.maildev import buyer_mail

OWN = frozenset({"support@shop.example"})


def raw(sender="bob@example.com", text="where is my order?", **headers) -> bytes:
    mail = buyer_mail(sender, text, to="support@shop.example",
                      headers={k.replace("_", "-"): v for k, v in headers.items()})  # fmt: skip
    return bytes(mail)


def test_a_plain_buyer_mail():
    mail = parse(raw("Bob <BOB@Example.com>", "Hi,\nwhere is my order?\n"), own_addresses=OWN)
    assert mail.sender == "bob@example.com"
    assert mail.text == "Hi, where is my order?"
    assert mail.no_reply_reason is None
    assert mail.message_id and mail.message_id.startswith("<")
    assert len(mail.message_key) == 64


def test_the_same_mail_twice_has_the_same_key_and_another_mail_another():
    one = raw()
    assert parse(one, own_addresses=OWN).message_key == parse(one, own_addresses=OWN).message_key
    assert parse(raw(), own_addresses=OWN).message_key != parse(one, own_addresses=OWN).message_key


@pytest.mark.parametrize(
    "sender,headers,reason",
    [
        ("bob@example.com", {"Auto_Submitted": "auto-replied"}, "auto_submitted"),
        ("bob@example.com", {"Auto_Submitted": "auto-generated"}, "auto_submitted"),
        ("bob@example.com", {"Precedence": "junk"}, "bulk"),
        ("bob@example.com", {"List_Unsubscribe": "<mailto:x@y>"}, "mailing_list"),
        ("bob@example.com", {"X_Autoreply": "yes"}, "auto_submitted"),
        ("mailer-daemon@mx.example.com", {}, "bounce"),
        ("postmaster@mx.example.com", {}, "bounce"),
        ("no-reply@shop.example", {}, "no_reply_sender"),
        ("support@shop.example", {}, "own_mail"),
        ("bob@example.com", {"Return_Path": "<>"}, "bounce"),
    ],
)
def test_no_answer_to_machines_and_to_ourselves(sender, headers, reason):
    assert parse(raw(sender, **headers), own_addresses=OWN).no_reply_reason == reason


def test_auto_submitted_no_is_a_person():
    assert parse(raw(Auto_Submitted="no"), own_addresses=OWN).no_reply_reason is None


def test_a_bounce_report_gets_no_answer():
    report = (
        b"From: bob@example.com\r\nTo: support@shop.example\r\nSubject: x\r\n"
        b"Message-ID: <b1@mx>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nDelivery failed\r\n--b--\r\n"
    )
    assert parse(report, own_addresses=OWN).no_reply_reason == "bounce"


def test_the_buyers_words_stop_at_the_quote_and_the_signature():
    assert buyer_words("yes the blue one\n\nOn Fri, CSBA <s@x> wrote:\n> Which one?") == (
        "yes the blue one"
    )
    assert buyer_words("thanks\n> quoted\nmore") == "thanks"
    assert buyer_words("order 112-0000001-0000001\n-- \nAlice\n555-1234") == (
        "order 112-0000001-0000001"
    )
    assert buyer_words("ok\nSent from my iPhone") == "ok"
    assert len(buyer_words("x" * 5000)) <= 2000


def test_a_long_mail_keeps_its_end_and_its_order_numbers():
    story = "My order 112-0000003-0000003 was a gift. " + "We waited a long time. " * 150
    words = buyer_words(story + "Where is it?")
    assert len(words) <= 2000
    assert words.startswith("112-0000003-0000003 … ")
    assert words.endswith("Where is it?")


def test_the_subject_leads_when_the_body_lacks_its_order_number_or_is_empty():
    mail = parse(raw(text="Please cancel it, thanks"), own_addresses=OWN)
    assert mail.text == "Please cancel it, thanks"
    msg = buyer_mail("bob@example.com", "Please cancel it",
                     subject="Cancel order 112-0000002-0000002")  # fmt: skip
    assert parse(bytes(msg), own_addresses=OWN).text == (
        "Cancel order 112-0000002-0000002. Please cancel it"
    )
    msg = buyer_mail("bob@example.com", "", subject="Where is my order 112-0000001-0000001?")
    assert parse(bytes(msg), own_addresses=OWN).text == (
        "Where is my order 112-0000001-0000001?"
    )
    msg = buyer_mail("bob@example.com", "yes", subject="Re: Cancel order 112-0000002-0000002")
    assert parse(bytes(msg), own_addresses=OWN).text == "yes"


def test_an_html_only_mail_is_read_as_text():
    mail = buyer_mail("bob@example.com", "")
    mail.set_content("<p>Where is <b>my</b> order?</p><script>x()</script>", subtype="html")
    assert parse(bytes(mail), own_addresses=OWN).text == "Where is my order?"


def test_the_thread_and_the_subject():
    mail = parse(
        raw(In_Reply_To="<r1@shop.example>", References="<a@b> <r1@shop.example>"),
        own_addresses=OWN,
    )
    assert mail.references == ("<a@b>", "<r1@shop.example>")
    assert clean_subject("Re: RE: Fwd: Dented kettle [Case 4] [Case 4]") == "Dented kettle"
    assert clean_subject("回复：水壶") == "水壶"


def test_photos_are_taken_and_other_files_are_said_to_be_left_out():
    mail = buyer_mail("bob@example.com", "photo attached")
    for n in range(6):
        mail.add_attachment(b"\x89PNG fake", maintype="image", subtype="png",
                            filename=f"{n}.png")  # fmt: skip
    mail.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename="b.pdf")
    mail.add_attachment(b"x" * (11 * 2**20), maintype="image", subtype="png",
                        filename="huge.png")  # fmt: skip
    parsed = parse(bytes(mail), own_addresses=OWN)
    assert [p.filename for p in parsed.photos] == [f"{n}.png" for n in range(5)]
    assert [(f.filename, f.why) for f in parsed.skipped] == [
        ("5.png", "too_many"), ("b.pdf", "not_a_photo"), ("huge.png", "too_large"),
    ]  # fmt: skip
    assert parsed.text == "photo attached"


def test_an_inline_image_of_an_html_mail_is_no_photo():
    mail = buyer_mail("bob@example.com", "where is my order?")
    mail.add_alternative("<p>where is my order?</p><img src='cid:logo'>", subtype="html")
    html = mail.get_payload()[1]
    html.add_related(b"\x89PNG logo", maintype="image", subtype="png", cid="<logo>")
    parsed = parse(bytes(mail), own_addresses=OWN)
    assert (parsed.photos, parsed.skipped) == ((), ())


def test_imap_url(monkeypatch):
    monkeypatch.setenv("IMAP_URL", "imaps://help%40shop:p%40ss@mail.shop:9993/Support")
    s = config.imap_settings()
    assert (s.host, s.port, s.username, s.password, s.mailbox, s.tls) == (
        "mail.shop", 9993, "help@shop", "p@ss", "Support", True,
    )  # fmt: skip
    monkeypatch.setenv("IMAP_URL", "imap://u:p@localhost")
    assert (config.imap_settings().port, config.imap_settings().mailbox) == (143, "INBOX")
    monkeypatch.setenv("IMAP_URL", "pop3://u:p@localhost")
    with pytest.raises(ValueError, match="imap://"):
        config.imap_settings()
    monkeypatch.delenv("IMAP_URL")
    assert config.imap_settings() is None


def test_poll_once_without_a_mailbox_is_a_one_line_error(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "CSBA_VAR_DIR": str(tmp_path), "CSBA_LANG": "en"}
    result = subprocess.run(
        [*command("csba"), "mail", "poll", "--once"], cwd=PROJECT_ROOT, env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    lines = (result.stdout + result.stderr).strip().splitlines()
    assert lines == [
        "csba: IMAP_URL is not set: there is no mailbox to poll"
        " (imap://user:password@host:port/INBOX)."
    ], lines


def test_the_buyers_words_of_a_forwarded_mail_and_its_order_number():
    from bot.services.email_transfer import forwarded_words, order_number_in

    text = (
        "Can you take this?\n\n---------- Forwarded message ---------\n"
        "From: Alice <alice@example.com>\nDate: Fri, 4 Dec 2026\nSubject: kettle\n"
        "To: shop@example.com\n\n> the kettle leaks\n> order 112-0000001-0000001\n"
        "-- \nAlice\n"
    )
    assert forwarded_words(text) == "the kettle leaks order 112-0000001-0000001"
    assert forwarded_words("the lid is cracked") == "the lid is cracked"
    assert order_number_in("Fwd: 113-0000004-0000004", text) == "113-0000004-0000004"
    assert order_number_in("Fwd: kettle", text) == "112-0000001-0000001"
    assert order_number_in("", "no number") == ""


def test_recipients_are_read_from_to_and_cc():
    mail = buyer_mail("cs@shop.example", "x", to="Transfers <Transfers@Shop.example>",
                      headers={"Cc": "a@b.c"})  # fmt: skip
    assert parse(bytes(mail), own_addresses=OWN).recipients == (
        "transfers@shop.example", "a@b.c",
    )  # fmt: skip


@pytest.mark.parametrize(
    "marker,headers",
    [
        ("________________________________", "From: Chen Wei <c@x>\nSent: Friday\n"),
        ("------------------ 原始邮件 ------------------",
         '发件人: "Chen Wei" <c@x>\n发送时间: 2026年12月4日\n主题: return\n'),
        ("-----Original Message-----", "From: c@x\nSent: Friday\nSubject: return\n"),
    ],
)
def test_forwards_of_outlook_and_qq_mail_keep_the_buyers_words_only(marker, headers):
    from bot.services.email_transfer import forwarded_words

    text = f"Can CSBA take this?\nJohn\n{marker}\n{headers}\nI want to return it\n"
    assert forwarded_words(text) == "I want to return it"


def test_a_reply_picks_a_choice_by_its_number_or_its_words():
    from bot.services.email_replies import choice_payload, encode_choices, written_out

    text, choices = written_out(
        [{"text": "Would you like a replacement?", "buttons": [
            {"title": "Yes, send a replacement", "payload": "/affirm"},
            {"title": "No, refund me", "payload": "/deny"}]}],
        "en", [],
    )  # fmt: skip
    assert "  1. Yes, send a replacement\n  2. No, refund me" in text
    encoded = encode_choices(choices)
    assert choice_payload("2", encoded) == "/deny"
    assert choice_payload("1.", encoded) == "/affirm"
    assert choice_payload("Yes, send a replacement please", encoded) == "/affirm"
    assert choice_payload("yes", encoded) is None  # the NLU reads that one
    assert choice_payload("3", encoded) is None
    assert choice_payload("No", None) is None
