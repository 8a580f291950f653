"""The store keeps data and applies changes atomically; it holds no rule."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from layers_mock.models import ApiKey, Container, Org, Project
from layers_mock.store import DuplicateId, IdempotencyRecord, Store, open_store


@pytest.fixture
def store(store_url: str) -> Store:
    s = open_store(store_url, journal_size=5, prefix=f"test-{uuid.uuid4().hex}")
    s.add([Org("org_a")], [ApiKey("lp_test_aaaaaaaaaaaa_secret0000000000000", "org_a", ("content:read",))],
          [Project("prj_a", "org_a")], [Container("cnt_1", "org_a", "prj_a"), Container("cnt_2", "org_a", "prj_a")])
    return s


def test_lookup(store: Store) -> None:
    assert store.key("lp_test_aaaaaaaaaaaa_secret0000000000000").org_id == "org_a"
    assert store.key("nope") is None
    assert store.project("prj_a").org_id == "org_a"
    assert store.container("cnt_1").approval_status == "pending"
    assert store.container("missing") is None


def test_add_is_all_or_nothing(store: Store) -> None:
    with pytest.raises(DuplicateId, match="cnt_1"):
        store.add(orgs=[Org("org_b")], containers=[Container("cnt_3", "org_b", "prj_a"), Container("cnt_1", "org_b", "prj_a")])
    assert store.container("cnt_3") is None
    with pytest.raises(DuplicateId):
        store.add(containers=[Container("cnt_9", "org_a", "prj_a"), Container("cnt_9", "org_a", "prj_a")])
    assert store.container("cnt_9") is None


def test_update_applies_only_while_expectation_holds(store: Store) -> None:
    updated = store.update_container("cnt_1", {"approval_status": "pending"}, {"approval_status": "rejected", "rejection_reason": "r"})
    assert updated is not None and updated.rejection_reason == "r"
    assert store.container("cnt_1").approval_status == "rejected"
    assert store.update_container("cnt_1", {"approval_status": "pending"}, {"approval_status": "approved"}) is None
    assert store.container("cnt_1").approval_status == "rejected"
    assert store.update_container("missing", {}, {"status": "failed"}) is None


def test_counts_follow_transitions(store: Store) -> None:
    assert store.approval_counts("prj_a") == {"pending": 2}
    store.update_container("cnt_1", {"approval_status": "pending"}, {"approval_status": "rejected"})
    assert store.approval_counts("prj_a") == {"pending": 1, "rejected": 1}
    assert store.approval_counts("prj_unknown") == {}


def test_concurrent_updates_have_one_winner(store: Store) -> None:
    barrier = threading.Barrier(50)

    def attempt(i: int) -> bool:
        barrier.wait()
        return store.update_container("cnt_2", {"approval_status": "pending"}, {"approval_status": "rejected", "rejected_by": str(i)}) is not None

    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(attempt, range(50)))
    assert results.count(True) == 1
    assert store.approval_counts("prj_a") == {"pending": 1, "rejected": 1}


def test_idempotency_claim_save_release(store: Store) -> None:
    assert store.idempotency_claim("k1", "fp", 60) is None
    held = store.idempotency_claim("k1", "fp", 60)
    assert held is not None and held.status is None  # still running
    store.idempotency_save("k1", IdempotencyRecord("fp", 200, "{}", "req_1"), 60)
    assert store.idempotency_claim("k1", "other", 60).request_id == "req_1"
    store.idempotency_release("k1")
    assert store.idempotency_claim("k1", "fp", 60) is None


def test_idempotency_records_expire(store: Store) -> None:
    store.idempotency_save("k2", IdempotencyRecord("fp", 200, "{}", "req_1"), 0)
    assert store.idempotency_claim("k2", "fp", 60) is None


def test_journal_is_bounded_newest_first(store: Store) -> None:
    for i in range(8):
        store.log({"n": i})
    assert [e["n"] for e in store.journal(100)] == [7, 6, 5, 4, 3]
    assert [e["n"] for e in store.journal(2)] == [7, 6]


def test_faults_count_down(store: Store) -> None:
    assert store.take_fault() is None
    store.set_faults({"failWith": 429, "failCount": 2, "retryAfter": 3})
    assert store.take_fault()["failWith"] == 429
    assert store.take_fault()["failWith"] == 429
    assert store.take_fault() is None
    store.set_faults({"latencyMs": 5})
    assert store.take_fault() == {"latencyMs": 5}
    assert store.faults() == {"latencyMs": 5}


def test_rate_window(store: Store) -> None:
    assert store.count_hit("b", 60)[0] == 1
    hits, reset_in = store.count_hit("b", 60)
    assert hits == 2 and 0 < reset_in <= 60
    assert store.count_hit("other", 60)[0] == 1


def test_reset_empties(store: Store) -> None:
    store.log({"n": 1})
    store.reset()
    assert store.container("cnt_1") is None and store.journal(10) == [] and store.approval_counts("prj_a") == {}
