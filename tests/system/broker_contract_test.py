# SPDX-License-Identifier: Apache-2.0
"""What real brokers send, driven through the simulator's broker modes (docs/SIMULATOR.md): prices
with more than 8 decimals, session-level Rejects of order messages, a BusinessMessageReject without
BusinessRejectRefID, the broker's own cancel-reject text, status reports with ExecID 0, an ExecID
repeated with other content. Each scenario checks the order's book in fixgate against what the
simulator did; run one with `broker_contract_test.py test_name`.
"""

from decimal import Decimal

from harness import (Client, Fixgate, Simulator, Workdir, check, check_accepted, event_about, order_snapshot, run_tests,
                     running, write_config)

# QuickFIX's text for SessionRejectReason 5, which --session-reject makes it send.
SESSION_REJECT_TEXT = "Value is incorrect (out of range) for this tag"


def resting(client, cloid, symbol, qty="100", price="10"):
    """A new order the simulator acknowledges and never fills (HOLD symbols), once it is `new`."""
    client.new(cloid, symbol=symbol, qty=qty, price=price)
    check_accepted(client, cloid)
    client.wait_status(cloid, "new")


def events_of(client, cloid, kinds):
    client.drain(0.3)
    return [e for e in client.events if e.get("client_order_id") == cloid and e.get("event") in kinds]


def test_a_fill_whose_avg_px_has_14_decimals_is_applied_and_the_books_agree():
    # Fills 10 @ 9.9, 10 @ 10, 10 @ 10 in doubles: the last report says 6=9.96666666666667.
    with running("bc-long-decimals", ["--fill", "partial:3", "--fill-price", "9.9,10", "--price-text", "quickfix"]) as (
            wd, sim, gate):
        c = Client(gate.port)
        c.new("d1", qty="30", price="10.1")
        check_accepted(c, "d1")
        filled = c.wait_status("d1", "filled")
        check(filled["cum_qty"] == "30", f"bad cum qty: {filled}")
        check(Decimal(filled["avg_px"]) == Decimal("9.96666666666667"), f"AvgPx not the broker's: {filled}")
        trades = [e for e in events_of(c, "d1", ["execution"]) if e.get("exec_type") == "trade"] + [filled]
        sim_fills = sim.fills_when(lambda f: len(f) >= 3)
        ours = {e["exec_id"]: (Decimal(e["last_qty"]), Decimal(e["last_px"])) for e in trades}
        theirs = {f["exec_id"]: (Decimal(f["qty"]), Decimal(f["price"])) for f in sim_fills}
        check(ours == theirs, f"fixgate applied {ours}, the simulator sent {theirs}")
        snap = order_snapshot(c, "d1")
        check(snap["status"] == "filled" and snap["cum_qty"] == "30" and snap["leaves_qty"] == "0",
              f"book differs from the broker's: {snap}")


def test_a_new_order_refused_by_a_session_reject_ends_rejected_with_the_brokers_text():
    with running("bc-reject-new", ["--session-reject", "new:SREJ"]) as (wd, sim, gate):
        c = Client(gate.port)
        c.new("n1", symbol="SREJ1", qty="10")
        check_accepted(c, "n1")
        told = event_about(c, "n1", lambda e: e.get("client_order_id") == "n1" and e.get("event") in (
            "execution", "rejected") and SESSION_REJECT_TEXT in (e.get("text") or ""), "event with the broker's text")
        check(told.get("status", "rejected") == "rejected", f"client told something else: {told}")
        snap = order_snapshot(c, "n1")
        check(snap["status"] == "rejected" and snap["leaves_qty"] == "0", f"order not rejected: {snap}")


def check_request_refused(client, request_cloid, orig, status="new"):
    """The cancel/replace `request_cloid` was refused with the broker's text; `orig` stands as it was."""
    refused = event_about(client, orig, lambda e: e.get("event") == "cancel_rejected"
                          and e.get("client_order_id") == request_cloid, f"cancel_rejected for {request_cloid}")
    check(SESSION_REJECT_TEXT in (refused.get("text") or ""), f"broker's text not passed on: {refused}")
    snap = order_snapshot(client, orig)
    check(snap["status"] == status and not snap.get("pending"), f"order not back to {status}: {snap}")
    return snap


def test_a_cancel_refused_by_a_session_reject_is_refused_with_the_brokers_text():
    with running("bc-reject-cancel", ["--session-reject", "cancel:HOLDC"]) as (wd, sim, gate):
        c = Client(gate.port)
        resting(c, "c1", "HOLDC1")
        c.send({"op": "cancel", "client_order_id": "c1-x", "orig_client_order_id": "c1"})
        check_accepted(c, "c1-x")
        snap = check_request_refused(c, "c1-x", "c1")
        check(snap["leaves_qty"] == "100", f"order changed: {snap}")


def test_a_replace_refused_by_a_session_reject_is_refused_and_the_order_keeps_its_terms():
    with running("bc-reject-replace", ["--session-reject", "replace:HOLDR"]) as (wd, sim, gate):
        c = Client(gate.port)
        resting(c, "r1", "HOLDR1")
        c.send({"op": "replace", "client_order_id": "r1-x", "orig_client_order_id": "r1", "qty": "50"})
        check_accepted(c, "r1-x")
        snap = check_request_refused(c, "r1-x", "r1")
        # fix_chain keeps every ClOrdID sent, the refused one too; the order still goes by its first.
        check(snap["order_qty"] == "100" and snap["cl_ord_id"] == snap["fix_chain"][0], f"replace took effect: {snap}")


def test_a_business_reject_without_379_refuses_the_replace_and_a_later_cancel_works():
    with running("bc-bmr", ["--business-reject", "replace"]) as (wd, sim, gate):
        c = Client(gate.port)
        resting(c, "b1", "HOLDB1")
        c.send({"op": "replace", "client_order_id": "b1-x", "orig_client_order_id": "b1", "qty": "50"})
        check_accepted(c, "b1-x")
        refused = event_about(c, "b1", lambda e: e.get("event") == "cancel_rejected" and e.get("client_order_id") == "b1-x",
                              "cancel_rejected for b1-x")
        check("Unsupported Message Type" in (refused.get("text") or ""), f"broker's text not passed on: {refused}")
        c.send({"op": "cancel", "client_order_id": "b1-c", "orig_client_order_id": "b1"})
        check_accepted(c, "b1-c")
        canceled = event_about(c, "b1", lambda e: e.get("event") == "execution" and e.get("status") == "canceled",
                               "cancel of b1")
        check(canceled["leaves_qty"] == "0", f"cancel did not take effect: {canceled}")


def test_a_cancel_reject_passes_the_brokers_text_and_reason_on_unchanged():
    text = "Order in auction: cancels refused until 09:00"
    with running("bc-cxl-text", ["--cancel-reject", f"cancel:2:{text}"]) as (wd, sim, gate):
        c = Client(gate.port)
        resting(c, "t1", "HOLDT1")
        c.send({"op": "cancel", "client_order_id": "t1-x", "orig_client_order_id": "t1"})
        check_accepted(c, "t1-x")
        refused = c.next_event(lambda e: e.get("event") == "cancel_rejected" and e.get("client_order_id") == "t1-x")
        check(refused.get("text") == text, f"text not the broker's: {refused}")
        check(str(refused.get("cxl_rej_reason")) == "2", f"CxlRejReason 2 not passed on as cxl_rej_reason: {refused}")
        snap = order_snapshot(c, "t1")
        check(snap["status"] == "new" and not snap.get("pending"), f"order not back to new: {snap}")


def test_status_reports_with_exec_id_0_after_each_logon_are_all_applied():
    # After every logon fixgate asks for each live order's status; this venue answers with ExecID 0
    # each time, so the second answer for the same order repeats an ExecID with other content.
    with Workdir("bc-status-0") as wd:
        sim = Simulator(wd, ["--status-exec-id", "0"])
        config = write_config(wd, sim.port)
        gate = Fixgate(wd, config)
        try:
            c = Client(gate.port)
            resting(c, "s1", "HOLDS1")
            for restart in (1, 2):
                check(gate.terminate() == 0, "fixgate did not stop cleanly")
                gate = Fixgate(wd, config, name=f"fixgate-{restart + 1}")
                c = Client(gate.port, resume_from=0)
                # Replayed from the journal: one per earlier logon; then this logon's own.
                for _ in range(restart):
                    answer = event_about(c, "s1", lambda e: e.get("event") == "execution"
                                         and e.get("client_order_id") == "s1" and e.get("exec_id") == "0",
                                         f"execution with ExecID 0 (the status report) after logon {restart + 1}")
                    check(answer["status"] == "new", f"status report after logon {restart + 1}: {answer}")
            check("ignored: duplicate" not in gate.text(), "a status report was dropped as a duplicate:\n" +
                  "\n".join(line for line in gate.text().splitlines() if "ignored" in line))
        finally:
            gate.terminate()
            sim.terminate()


def check_repeat_not_applied(c, cloid, cum_qty):
    brk = event_about(c, cloid, lambda e: e.get("event") == "break" and e.get("client_order_id") == cloid,
                      f"break for {cloid}")
    snap = order_snapshot(c, cloid)
    check(snap["cum_qty"] == cum_qty, f"a repeated ExecID was applied: {snap} (break {brk})")


def test_a_fill_repeating_the_acks_exec_id_is_not_applied_and_raises_a_break():
    with running("bc-repeat-ack", ["--repeat-exec-id", "ack"]) as (wd, sim, gate):
        c = Client(gate.port)
        c.new("e1", qty="100")
        check_accepted(c, "e1")
        c.wait_status("e1", "new")
        check_repeat_not_applied(c, "e1", "0")


def test_a_fill_repeating_an_earlier_fills_exec_id_at_another_price_is_not_applied_and_raises_a_break():
    with running("bc-repeat-fill", ["--repeat-exec-id", "fill", "--fill", "partial:2", "--fill-price", "5,6"]) as (
            wd, sim, gate):
        c = Client(gate.port)
        c.new("e2", qty="100", price="6")
        check_accepted(c, "e2")
        c.wait_status("e2", "partially_filled")
        check_repeat_not_applied(c, "e2", "50")


TESTS = [
    test_a_fill_whose_avg_px_has_14_decimals_is_applied_and_the_books_agree,
    test_a_new_order_refused_by_a_session_reject_ends_rejected_with_the_brokers_text,
    test_a_cancel_refused_by_a_session_reject_is_refused_with_the_brokers_text,
    test_a_replace_refused_by_a_session_reject_is_refused_and_the_order_keeps_its_terms,
    test_a_business_reject_without_379_refuses_the_replace_and_a_later_cancel_works,
    test_a_cancel_reject_passes_the_brokers_text_and_reason_on_unchanged,
    test_status_reports_with_exec_id_0_after_each_logon_are_all_applied,
    test_a_fill_repeating_the_acks_exec_id_is_not_applied_and_raises_a_break,
    test_a_fill_repeating_an_earlier_fills_exec_id_at_another_price_is_not_applied_and_raises_a_break,
]

if __name__ == "__main__":
    run_tests(TESTS)
