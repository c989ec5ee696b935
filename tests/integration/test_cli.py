"""The `csba` command end to end, over a real database (SQLite, then PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from bot.domain.policy import REASON_CODES
from bot.entrypoints.cli import DEMO_EXAMPLES, main

AT = "2026-11-26T10:00:00-08:00"


@pytest.fixture
def csba(db_url, monkeypatch, capsys):
    """Run `csba ARGS` in-process against the test database; returns (code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", db_url)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def seeded(csba):
    code, out, err = csba("db", "seed")
    assert code == 0, err
    return csba


def triage(csba, *args: str) -> dict:
    code, out, err = csba("triage", "--at", AT, *args)
    assert code == 0, err
    return json.loads(out)


def test_seed_twice_changes_nothing_the_second_time(seeded):
    code, out, err = seeded("db", "seed")
    assert code == 0, err
    assert "16 unchanged" in out  # the summary counts the demo orders
    code, out, _ = seeded("cases", "list", "--json")
    assert json.loads(out) == []


def test_every_demo_example_routes_as_documented(seeded):
    spec = json.loads(DEMO_EXAMPLES.read_text())
    seen = set()
    for example in spec["examples"]:
        args = ["--intent", example["intent"]]
        if example.get("order"):
            args += ["--order", example["order"]]
        if example.get("buyer"):
            args += ["--buyer", example["buyer"]]
        if example.get("text"):
            args += ["--text", example["text"]]
        code, out, err = seeded(
            "triage", "--at", example.get("at") or spec["at"], *args
        )
        assert code == 0, err
        decision = json.loads(out)
        assert [decision["route"], decision["reason_code"]] == example["expect"], (
            example
        )
        assert decision["reason"]
        seen.add(decision["reason_code"])
    assert sorted(set(REASON_CODES) - seen) == []


def test_triage_answers_for_every_demo_order(seeded):
    data = json.loads((DEMO_EXAMPLES.parent / "demo.json").read_text())
    for order in data["orders"]:
        decision = triage(seeded, "--order", order["id"], "--intent", "delivery_status")
        assert decision["order_id"] == order["id"]
        assert decision["route"] in {"bot", "seller_case", "buyer_seller_messaging"}


def test_triage_reads_only(seeded):
    decision = triage(
        seeded, "--order", "113-0000004-0000004", "--intent", "delivery_status"
    )
    assert decision["reason_code"] == "late_delivery"
    code, out, _ = seeded("cases", "list", "--json")
    assert json.loads(out) == []


def test_triage_accepts_order_numbers_without_dashes(seeded):
    decision = triage(
        seeded, "--order", "11300000040000004", "--intent", "delivery_status"
    )
    assert decision["order_id"] == "113-0000004-0000004"


def test_not_your_order_reveals_nothing(seeded):
    decision = triage(
        seeded,
        "--order",
        "112-0000001-0000001",
        "--intent",
        "delivery_status",
        "--buyer",
        "B-2",
    )
    assert decision["reason_code"] == "not_your_order"
    text = json.dumps(decision)
    for secret in ("1Z999AA10123456784", "UPS", "B-1", "S-100", "98101"):
        assert secret not in text


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (
            ["triage", "--order", "12-34", "--intent", "delivery_status"],
            "not an order number",
        ),
        (
            ["triage", "--order", "112-0000001-0000001", "--intent", "greet"],
            "unknown intent",
        ),
        (["triage", "--intent", "delivery_status"], "needs an order"),
        (
            [
                "triage",
                "--intent",
                "delivery_status",
                "--order",
                "112-0000001-0000001",
                "--at",
                "yesterday",
            ],
            "not a time",
        ),
        (["enroll", "S-300"], "S-300"),
        (["enroll", "S-500"], "S-500"),
        (["enroll", "S-100"], "S-100"),
        (["opt-out", "S-300"], "S-300"),
        (["cases", "show", "999"], "999"),
        (["cases", "reply", "999", "--seller", "S-100", "hi"], "999"),
        (["cases", "list", "--seller", "S-999"], "no seller S-999"),
        (["cases", "reply", "1", "--seller", "S-999", "hi"], "no seller S-999"),
        (["opt-out", "S-999"], "S-999"),
        (["token", "B-999"], "B-999"),
        (
            [
                "triage",
                "--intent",
                "delivery_status",
                "--order",
                "112-0000001-0000001",
                "--buyer",
                "B-999",
            ],
            "no buyer B-999",
        ),
        (["cases", "sweep", "--at", "2026-03-08T02:30"], "skip that hour"),
        (["db", "load", "/nonexistent/file.json"], "/nonexistent/file.json"),
        (["triage"], "--intent"),
    ],
)
def test_user_errors_are_one_line_and_exit_1(seeded, args, fragment):
    code, out, err = seeded(*args)
    assert code == 1
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert fragment in err
    assert "Traceback" not in err


def test_invalid_import_names_the_path_and_writes_nothing(seeded, tmp_path, db_url):
    data = json.loads((DEMO_EXAMPLES.parent / "demo.json").read_text())
    data["orders"][3]["id"] = "113-0000004"
    data["buyers"].append(
        {
            "id": "B-9",
            "name": "New Buyer",
            "email": "n@example.com",
            "postal_code": "60601",
            "language": "en",
        }
    )
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    code, out, err = seeded("db", "load", str(bad))
    assert code == 1
    assert "orders[3].id" in err
    # nothing of the document was written: not the new buyer ...
    from bot.adapters.db import make_engine, session_scope
    from bot.adapters.repository import SqlRepository

    engine = make_engine(db_url)
    with session_scope(engine) as session:
        assert SqlRepository(session).get_buyer("B-9") is None
    engine.dispose()
    # ... and the valid order is untouched
    decision = triage(
        seeded,
        "--order",
        "113-0000004-0000004",
        "--intent",
        "delivery_status",
        "--buyer",
        "B-2",
    )
    assert decision["reason_code"] == "late_delivery"


def test_enroll_and_opt_out_change_coverage(seeded):
    code, out, err = seeded("opt-out", "S-100", "--at", "2026-11-03T00:00:00Z")
    assert code == 0, err
    # placed before the opt-out: still covered
    assert (
        triage(seeded, "--order", "114-0000008-0000008", "--intent", "delivery_status")[
            "covered"
        ]
        is True
    )
    # placed after: the seller handles it
    late = triage(
        seeded, "--order", "113-0000004-0000004", "--intent", "delivery_status"
    )
    assert late["reason_code"] == "placed_after_opt_out"
    code, out, err = seeded("enroll", "S-100", "--at", "2026-11-05T00:00:00Z")
    assert code == 0, err
    assert "2026-11-04 17:00" in out  # opt-in 00:00Z shown in Los Angeles time
    # placed 2026-11-05T20:00Z, after the new coverage start (opt-in + 1 h)
    again = triage(
        seeded, "--order", "113-0000004-0000004", "--intent", "delivery_status"
    )
    assert again["reason_code"] == "late_delivery"


def test_case_log_reply_and_sweep(seeded, db_url):
    from bot.adapters.clock import parse_instant
    from bot.adapters.db import make_engine, session_scope
    from bot.services.triage import record_decision
    from bot.services.triage import triage as triage_service

    engine = make_engine(db_url)
    opened_at = parse_instant(AT)
    with session_scope(engine) as session:
        result = triage_service(
            session,
            intent="delivery_status",
            order_id="113-0000004-0000004",
            now=opened_at,
            buyer_id="B-2",
        )
        opened = record_decision(
            session,
            result,
            conversation_id="conv-1",
            question="Where is my kettle??",
            now=opened_at,
        )
        case_id = opened.case.id
    engine.dispose()

    code, out, _ = seeded("cases", "list", "--json")
    [case] = json.loads(out)
    assert case["id"] == case_id and case["status"] == "awaiting_seller"
    assert case["seller_due_at"].startswith("2026-11-27T18:00")  # +24 h, in UTC

    code, out, err = seeded(
        "cases", "reply", str(case_id), "--seller", "S-400", "Not mine"
    )
    assert code == 1 and "S-400" in err
    code, out, err = seeded("cases", "sweep", "--at", "2026-11-27T09:59:00-08:00")
    assert code == 0 and "0" in out
    code, out, err = seeded("cases", "sweep", "--at", "2026-11-27T10:00:00-08:00")
    assert code == 0, err
    assert str(case_id) in out
    code, out, _ = seeded("cases", "show", str(case_id))
    shown = json.loads(out)
    assert shown["status"] == "escalated"
    assert [m["author"] for m in shown["messages"]] == ["buyer", "system"]
    code, out, err = seeded(
        "cases",
        "reply",
        str(case_id),
        "--seller",
        "S-100",
        "Re-shipped today",
        "--at",
        "2026-11-27T11:00:00-08:00",
    )
    assert code == 0, err
    code, out, _ = seeded("cases", "show", str(case_id))
    assert json.loads(out)["messages"][-1]["text"] == "Re-shipped today"


def test_examples_command_prints_every_example(seeded):
    code, out, err = seeded("examples")
    assert code == 0, err
    spec = json.loads(DEMO_EXAMPLES.read_text())
    assert out.count("->") == len(spec["examples"])


def test_outdated_schema_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    assert main(["cases", "list"]) == 1
    err = capsys.readouterr().err
    assert "csba db upgrade" in err and len(err.strip().splitlines()) == 1


def test_console_script_runs_as_a_process(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}", "PATH": "/usr/bin:/bin"}
    csba = [sys.executable, "-m", "bot.entrypoints.cli"]
    assert (
        subprocess.run(
            [*csba, "db", "upgrade"], env=env, capture_output=True
        ).returncode
        == 0
    )
    done = subprocess.run(
        [*csba, "triage", "--intent", "nope", "--order", "1"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr


def test_token_is_issued_only_for_known_buyers(seeded):
    from bot.services.identity import verify_buyer_token

    code, out, err = seeded("token", "B-2", "--ttl", "5")
    assert code == 0, err
    assert verify_buyer_token(out.strip()).buyer_id == "B-2"
    code, out, err = seeded("token", "B-404")
    assert code == 1 and "B-404" in err and out == ""


def test_at_without_an_offset_is_marketplace_time_and_says_so(seeded):
    with_offset = triage(
        seeded, "--order", "113-0000004-0000004", "--intent", "delivery_status"
    )
    code, out, err = seeded(
        "triage",
        "--order",
        "113-0000004-0000004",
        "--intent",
        "delivery_status",
        "--at",
        "2026-11-26T10:00:00",  # AT, on the marketplace's wall clock
    )
    assert code == 0, err
    assert json.loads(out) == with_offset  # stdout stays the JSON decision
    [note] = err.strip().splitlines()
    assert "America/Los_Angeles" in note and "2026-11-26T10:00:00-08:00" in note

    code, out, err = seeded("cases", "sweep", "--at", "2026-07-01T09:00")
    assert code == 0, err
    assert "2026-07-01 09:00 PDT" in out  # summer: UTC-7
    assert "2026-07-01T09:00:00-07:00" in err and len(err.strip().splitlines()) == 1


def test_at_local_time_note_is_in_chinese_too(seeded, monkeypatch):
    monkeypatch.setenv("CSBA_LANG", "zh")
    code, _, err = seeded("cases", "sweep", "--at", "2026-11-26T10:00")
    assert code == 0, err
    assert "市场当地时间" in err and "2026-11-26T10:00:00-08:00" in err


def test_commands_without_a_model_never_import_tensorflow_or_rasa_nlu(seeded, db_url):
    """`csba triage` (a product question, whose matcher uses spaCy) and `csba
    examples` run in a fresh interpreter that then lists what it imported."""
    import os

    probe = (
        "import sys\n"
        "from bot.entrypoints.cli import main\n"
        "codes = [main(sys.argv[1:]), main(['examples'])]\n"
        "loaded = sorted(m for m in sys.modules\n"
        "    if m.split('.')[0] in ('tensorflow', 'keras') or m.startswith('rasa.nlu'))\n"
        "print(codes, loaded, file=sys.stderr)\n"
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            "triage",
            "--at",
            AT,
            "--intent",
            "product_question",
            "--order",
            "112-0000001-0000001",
            "--text",
            "Is it waterproof?",
        ],
        env={**os.environ, "DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.split("\nDemo")[0])["intent"] == "product_question"
    assert done.stderr.strip().splitlines()[-1] == "[0, 0] []", done.stderr
