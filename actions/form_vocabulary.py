"""The order form's vocabulary: its answers, why it asks a question again
(`form_notice`), why it stops early (`inquiry_halt`, read by action_triage),
and the intents that leave it. Shared by actions/orders.py, order_form.py,
order_questions.py and triage.py."""

from __future__ import annotations

from bot.domain.model import Intent
from bot.services.verification import Verdict

YES = "yes"
NO = "no"
PRODUCT_QUESTION = Intent.PRODUCT_QUESTION.value
PRE_ORDER = Intent.PRE_ORDER.value

# Why the form asks again (the `form_notice` slot picks the wording).
NOTICE_YES_NO = "yes_no"
NOTICE_INVALID_ORDER_ID = "invalid_order_id"
NOTICE_ZIP_MISMATCH = "zip_mismatch"
NOTICE_ZIP_NEEDED = "zip_needed"
NOTICE_UNKNOWN_ITEM = "unknown_item"
NOTICE_ORDER_NUMBER_HELP = "order_number_help"  # "i dont know the order number"
NOTICE_ADDRESS_NEEDED = "address_needed"  # no address in the answer
NOTICE_SEVERAL_ORDERS = "several_orders"  # the request named two orders or more

# The new delivery address of an address change (asked when the request has none).
NEW_ADDRESS = "new_address"
CHANGE_ADDRESS = Intent.CHANGE_ADDRESS.value
CANCEL_ORDER = Intent.CANCEL_ORDER.value
DELIVERY_STATUS = Intent.DELIVERY_STATUS.value
RETURN_REFUND = Intent.RETURN_REFUND.value
DAMAGED_ITEM = Intent.DAMAGED_ITEM.value

# Why the form stopped early (the `inquiry_halt` slot, read by action_triage).
HALT_VERIFICATION_FAILED = "verification_failed"
HALT_SERVICE_UNAVAILABLE = "service_unavailable"
HALT_CANCELLED = "cancelled"
HALT_ORDER_LOCKED = "verification_locked"
HALT_CLIENT_LIMITED = "verification_rate_limited"

# Why a verification limit stopped the form, by the limits' verdict.
HALTS = {
    Verdict.ORDER_LOCKED: HALT_ORDER_LOCKED,
    Verdict.CLIENT_LIMITED: HALT_CLIENT_LIMITED,
}

# Intents that leave the form when the message does not answer the question.
ASK_FOR_PERSON = Intent.HUMAN_AGENT.value
STOP_INTENTS = frozenset({"deny", "goodbye", "thanks"})

# How many orders a "which order?" question offers.
MAX_ORDER_CHOICES = 4
