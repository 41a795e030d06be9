# SPDX-License-Identifier: Apache-2.0
"""fixgate against counterparties nobody here wrote: QuickFIX's example acceptors, ordermatch (a FIX
4.2 matching engine) and executor (tests/counterparties, counterparties.py). Each scenario checks
fixgate's books against what the counterparty itself logged that it sent.
"""

import time
from decimal import Decimal

from counterparties import executor, ordermatch
from harness import Client, Fixgate, Workdir, check, check_accepted, event_about, order_snapshot, run_tests, write_config

STATUS = {"0": "new", "1": "partially_filled", "2": "filled", "4": "canceled", "8": "rejected"}


def counterparty_books(reports):
    """ClOrdID -> (OrdStatus, CumQty, AvgPx) of the last ExecutionReport for each order."""
    return {r["11"]: (STATUS.get(r["39"], r["39"]), Decimal(r["14"]), Decimal(r["6"])) for r in reports}


def fixgate_books(client, cloids):
    """ClOrdID at the broker -> (status, cum_qty, avg_px) of fixgate's snapshot of each order."""
    books = {}
    for cloid in cloids:
        snap = order_snapshot(client, cloid)
        books[snap["fix_chain"][-1]] = (snap["status"], Decimal(snap["cum_qty"]), Decimal(snap["avg_px"]))
    return books


class Pair:
    """fixgate logged on to one of the example acceptors over FIX 4.2, in a workdir of their own."""

    def __init__(self, wd, acceptor):
        self.acceptor = acceptor
        self.gate = Fixgate(wd, write_config(wd, acceptor.port, sessions=[("QF", acceptor.port, "4.2")]))
        self.client = Client(self.gate.port)

    def stop(self):
        self.gate.terminate()
        self.acceptor.terminate()


def cross_on_ordermatch(name, orders, reports_expected):
    """Sends `orders` [(cloid, side, qty, price)] through fixgate to ordermatch, in turn, and
    returns (fixgate's books, ordermatch's books) once ordermatch sent `reports_expected` reports and
    fixgate's books agree with them (or 10 s later, for the caller to show the difference)."""
    with Workdir(name) as wd:
        pair = Pair(wd, ordermatch(wd))
        try:
            c = pair.client
            for cloid, side, qty, price in orders:
                c.new(cloid, side=side, qty=qty, price=price, symbol="XYZ")
                check_accepted(c, cloid)
            theirs = counterparty_books(pair.acceptor.sent_when(lambda r: len(r) >= reports_expected, msg_type="8"))
            cloids = [o[0] for o in orders]
            deadline = time.monotonic() + 10  # fixgate may still be applying the last reports
            while True:
                ours = fixgate_books(c, cloids)
                if ours == theirs or time.monotonic() > deadline:
                    return ours, theirs
                time.sleep(0.2)
        finally:
            pair.stop()


def check_books_equal(ours, theirs):
    differ = {k: (ours.get(k), theirs[k]) for k in theirs if ours.get(k) != theirs[k]}
    check(not differ, f"fixgate's books differ from ordermatch's (ours, theirs): {differ}")


def test_ordermatch_crossing_at_prices_whose_averages_are_short_leaves_books_equal():
    # Partial fills on both sides at two prices; every AvgPx ordermatch computes is short (10.025, 10.05).
    orders = [("s1", "sell", "20", "10"), ("s2", "sell", "20", "10.05"), ("b1", "buy", "40", "10.1"),
              ("b2", "buy", "30", "10"), ("s3", "sell", "10", "9.9")]
    # 5 acks; b1 against s1 then s2 (4 fills), s3 against b2 (2 fills).
    ours, theirs = cross_on_ordermatch("tp-ordermatch-short", orders, 5 + 6)
    check(theirs["test-3"] == ("filled", Decimal(40), Decimal("10.025")), f"ordermatch's b1 not as expected: {theirs}")
    check_books_equal(ours, theirs)


def test_ordermatch_crossing_orders_leave_both_sides_books_equal_to_its_own():
    # Asks rest, bids cross them: partial fills at several prices on both sides, AvgPx computed in
    # doubles by ordermatch (b1: 10 @ 9.9 + 20 @ 10 = 9.96666666666667; b4: 7 @ 9.93 + 6 @ 9.94).
    orders = [("s1", "sell", "10", "9.9"), ("s2", "sell", "20", "10"), ("b1", "buy", "30", "10"),
              ("s3", "sell", "25", "10.05"), ("b2", "buy", "10", "10.1"), ("b3", "buy", "15", "10.2"),
              ("b4", "buy", "20", "9.95"), ("s4", "sell", "7", "9.93"), ("s5", "sell", "6", "9.94")]
    # 9 acks and 12 fills: b1 2, s1 1, s2 1, s3 2, b2 1, b3 1, b4 2, s4 1, s5 1.
    ours, theirs = cross_on_ordermatch("tp-ordermatch", orders, 9 + 12)
    check(theirs["test-3"][2] == Decimal("9.96666666666667"), f"ordermatch's b1 not as expected: {theirs}")
    check_books_equal(ours, theirs)


def test_ordermatch_refuses_a_replace_with_a_business_reject_and_a_later_cancel_works():
    # ordermatch serves no OrderCancelReplaceRequest: QuickFIX answers 35=j 372=G without 379.
    with Workdir("tp-ordermatch-replace") as wd:
        pair = Pair(wd, ordermatch(wd))
        try:
            c = pair.client
            c.new("r1", side="buy", qty="10", price="5", symbol="XYZ")
            check_accepted(c, "r1")
            c.wait_status("r1", "new")
            c.send({"op": "replace", "client_order_id": "r1-x", "orig_client_order_id": "r1", "qty": "5"})
            check_accepted(c, "r1-x")
            pair.acceptor.sent_when(lambda r: len(r) >= 1, msg_type="j")
            refused = event_about(c, "r1", lambda e: e.get("event") == "cancel_rejected"
                                  and e.get("client_order_id") == "r1-x", "cancel_rejected for r1-x")
            check("Unsupported Message Type" in (refused.get("text") or ""), f"broker's text not passed on: {refused}")
            c.send({"op": "cancel", "client_order_id": "r1-c", "orig_client_order_id": "r1"})
            check_accepted(c, "r1-c")
            canceled = event_about(c, "r1", lambda e: e.get("event") == "execution" and e.get("status") == "canceled",
                                   "cancel of r1")
            check(canceled["leaves_qty"] == "0", f"cancel did not take effect: {canceled}")
        finally:
            pair.stop()


def test_executor_fills_limit_orders_over_fix42_and_fix44():
    with Workdir("tp-executor-limit") as wd:
        ex = executor(wd, sessions=(("FIX.4.2", "SIM", "FIXGATE"), ("FIX.4.4", "SIM", "FIXGATE")))
        gate = Fixgate(wd, write_config(wd, ex.port, sessions=[("QF42", ex.port, "4.2"), ("QF44", ex.port, "4.4")]))
        try:
            gate.wait_for_count(r"session \S+ logged on", 2)
            c = Client(gate.port)
            for cloid, session in (("l42", "QF42"), ("l44", "QF44")):
                c.new(cloid, qty="25", price="101.25", symbol="IBM", session=session)
                check_accepted(c, cloid)
                filled = c.wait_status(cloid, "filled")
                check(filled["cum_qty"] == "25" and filled["avg_px"] == "101.25", f"{cloid} not filled: {filled}")
            reports = ex.sent_when(lambda r: len(r) >= 2, msg_type="8")
            check(sorted(r["8"] for r in reports) == ["FIX.4.2", "FIX.4.4"], f"executor answered: {reports}")
        finally:
            gate.terminate()
            ex.terminate()


def test_executor_rejects_a_market_order_at_the_session_level_and_it_ends_rejected():
    with Workdir("tp-executor") as wd:
        pair = Pair(wd, executor(wd))
        try:
            c = pair.client
            c.send({"op": "new", "id": "m1", "client_order_id": "m1", "account": "ACC1", "symbol": "IBM", "side": "buy",
                    "type": "market", "tif": "day", "qty": "100"})
            check_accepted(c, "m1")
            reject = pair.acceptor.sent_when(lambda r: len(r) >= 1, msg_type="3")[0]
            check(reject.get("372") == "D" and reject.get("371") == "40", f"executor's Reject not as expected: {reject}")
            told = event_about(c, "m1", lambda e: e.get("client_order_id") == "m1" and e.get("event") in (
                "execution", "rejected") and reject["58"] in (e.get("text") or ""), "event with the broker's text")
            check(told.get("status", "rejected") == "rejected", f"client told something else: {told}")
            snap = order_snapshot(c, "m1")
            check(snap["status"] == "rejected", f"market order not rejected: {snap}")
            # A limit order on the same session is still filled by the executor.
            c.new("l1", qty="10", price="12.5", symbol="IBM")
            check_accepted(c, "l1")
            filled = c.wait_status("l1", "filled")
            check(filled["avg_px"] == "12.5", f"limit order not filled at its price: {filled}")
        finally:
            pair.stop()


TESTS = [
    test_ordermatch_crossing_at_prices_whose_averages_are_short_leaves_books_equal,
    test_ordermatch_crossing_orders_leave_both_sides_books_equal_to_its_own,
    test_ordermatch_refuses_a_replace_with_a_business_reject_and_a_later_cancel_works,
    test_executor_fills_limit_orders_over_fix42_and_fix44,
    test_executor_rejects_a_market_order_at_the_session_level_and_it_ends_rejected,
]

if __name__ == "__main__":
    run_tests(TESTS)
