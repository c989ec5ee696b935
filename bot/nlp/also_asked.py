"""Two questions in one message, one of them about an invoice: "where's my
kettle and also can I get an invoice for it?", "can I return the tumbler and
get a receipt". English and Spanish, the languages buyers write to the bot in.

The NLU gives one intent, and the invoice wins: the delivery question was
dropped. An invoice needs no order and is always the seller's (Buyer-Seller
Messaging), so the bot tells the buyer that first, in one sentence, and then
answers the order question (`with_invoice_too`).
"""

from __future__ import annotations

import re

INVOICE = "invoice"
DELIVERY_STATUS = "delivery_status"
RETURN_REFUND = "return_refund"
# The order questions an invoice question may come with.
ORDER_QUESTIONS = frozenset({DELIVERY_STATUS, RETURN_REFUND, "damaged_item",
                             "cancel_order", "change_address", "product_question"})  # fmt: skip

_INVOICE = re.compile(
    r"\b(?:invoices?|receipts?|factura|facturas|recibo|vat|tax (?:invoice|document))\b",
    re.IGNORECASE,
)
_DELIVERY = re.compile(
    r"\b(?:where(?:'?s| is| are)|has (?:it|my \w+) shipped|track(?:ing)?|when (?:will|does|do"
    r"|is|should) [^.?!]{0,30}\b(?:arrive|come|get here|ship|be delivered)|d[oó]nde est[aá]"
    r"|cu[aá]ndo llega)\b",
    re.IGNORECASE,
)
_RETURN = re.compile(
    r"\b(?:return|send (?:it|them) back|refund|devolver|devoluci[oó]n|reembolso)\b",
    re.IGNORECASE,
)


def with_invoice_too(intent: str | None, text: str | None) -> tuple[str | None, bool]:
    """The intent to serve, and whether the message also asks for an invoice
    (to be told first). An invoice question that also asks where the order is,
    or to return it, is served as that question; an order question that also
    asks for an invoice stays what it is."""
    if not isinstance(text, str) or not _INVOICE.search(text):
        return intent, False
    if intent == INVOICE:
        if _DELIVERY.search(text):
            return DELIVERY_STATUS, True
        if _RETURN.search(text):
            return RETURN_REFUND, True
        return intent, False
    return intent, intent in ORDER_QUESTIONS
