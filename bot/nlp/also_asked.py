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
# Where the order is (never where the invoice is: "where is the invoice for
# order ...?" is the invoice question).
_DELIVERY = re.compile(
    r"\b(?:where(?:'?s| is| are) (?:my|the|it|them|that|this)\b(?! (?:invoice|receipt"
    r"|factura|bill|vat|tax)\b)|has (?:it|my \w+) shipped|when (?:will|does|do|is|should)"
    r" [^.?!]{0,30}\b(?:arrive|come|get here|ship|be delivered)|d[oó]nde est[aá] (?:mi|el)"
    r" (?:pedido|paquete)|cu[aá]ndo llega)\b",
    re.IGNORECASE,
)


def with_invoice_too(intent: str | None, text: str | None) -> tuple[str | None, bool]:
    """The intent to serve, and whether the message also asks for an invoice
    (to be told first). An invoice question that also asks where the order is
    is served as that question; an order question that also asks for an
    invoice stays what it is."""
    if not isinstance(text, str) or not _INVOICE.search(text):
        return intent, False
    if intent == INVOICE:
        # a delivery question only: "an invoice for the return of order ..."
        # asks for an invoice, and a return is never authorised unasked
        if _DELIVERY.search(text):
            return DELIVERY_STATUS, True
        return intent, False
    return intent, intent in ORDER_QUESTIONS
