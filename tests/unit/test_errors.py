"""The errors a person reads share bot.services.errors.CatalogueError: a catalogue key and
its parameters, the message in any language, and the same `str()` as before."""

from __future__ import annotations

import pytest

from bot.adapters.catalogue import t
from bot.services.attachments import MAX_PHOTO_BYTES, AttachmentRejected
from bot.services.cases import CaseAccessDenied, CaseError, CaseNotFound
from bot.services.enrollment import EnrollmentError
from bot.services.errors import CatalogueError
from bot.services.triage import TriageError
from bot.services.users import UserError


@pytest.mark.parametrize(
    ("error", "key", "params"),
    [
        (
            EnrollmentError("enrollment.error.not_invited", seller_id="S-1"),
            "enrollment.error.not_invited",
            {"seller_id": "S-1"},
        ),
        (
            UserError("web.users.error.bad_username", username="x"),
            "web.users.error.bad_username",
            {"username": "x"},
        ),
        (CaseNotFound(case_id=7), "case.error.not_found", {"case_id": 7}),
        (
            CaseAccessDenied(case_id=7, seller_id="S-1"),
            "case.error.access_denied",
            {"case_id": 7, "seller_id": "S-1"},
        ),
        (CaseError(), "case.error.invalid", {}),
    ],
)
def test_str_is_the_english_message(error, key, params):
    assert isinstance(error, CatalogueError)
    assert (error.key, error.params) == (key, params)
    assert (
        str(error) == t(key, "en", **params) == error.message() == error.message("en")
    )
    assert error.message(None) == error.message("en")
    assert error.message("zh") == t(key, "zh", **params) != error.message("en")


def test_enrollment_and_triage_errors_are_still_value_errors():
    assert isinstance(
        EnrollmentError("enrollment.error.not_enrolled", seller_id="S"), ValueError
    )
    assert isinstance(TriageError("cli.error.order_required", intent="x"), ValueError)


def test_triage_error_str_is_its_key():
    error = TriageError("cli.error.bad_order_id", order_id="12")
    assert str(error) == "cli.error.bad_order_id"
    assert error.params == {"order_id": "12"}
    assert error.message("en") == t("cli.error.bad_order_id", "en", order_id="12")


def test_attachment_rejected_keeps_code_status_and_str():
    rejected = AttachmentRejected("too_large", 413)
    assert (rejected.code, rejected.status, str(rejected)) == (
        "too_large",
        413,
        "too_large",
    )
    assert AttachmentRejected("empty").status == 400
    max_mb = MAX_PHOTO_BYTES // 2**20
    assert rejected.message("zh") == t("widget.upload.too_large", "zh", max_mb=max_mb)
    assert rejected.message() == t("widget.upload.too_large", "en", max_mb=max_mb)
