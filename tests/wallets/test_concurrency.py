"""Concurrent key set-up and completions on real PostgreSQL: one server share, no duplicate index."""

import threading

import pytest
from django.db import connections

from core.errors import DomainError
from wallets import services
from wallets.models import CustomerKey, Wallet, WalletRequest

from . import key_mirror as km
from .conftest import ORIGIN

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SHARD = bytes(range(32))


def together(*calls):
    """Run each call on its own thread and connection, released at once; results or exceptions."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # returned for the assertions
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results


def open_challenge(customer, chains=("ETH",)):
    return services.wallet_challenge_create(
        organization=customer.organization,
        customer_id=customer.pk,
        blockchains=list(chains),
        redirect_url=f"{ORIGIN}/done",
    )


def release(challenge, customer):
    u = km.user_share(SHARD)
    public, proof = km.pok(u, challenge_id=challenge.id, customer_id=customer.id)
    return services.wallet_keys_release(challenge=challenge, user_public=public, proof=proof)


def confirm(challenge, r):
    k = km.wallet_key(km.user_share(SHARD), r.server_share, r.index)
    sig = km.confirm(k, challenge_id=challenge.id, address=r.address)
    return services.wallets_confirm(challenge=challenge, confirmations={r.address: sig})


def test_two_first_wallet_setups_make_one_server_share(customer):
    first, second = open_challenge(customer), None
    second = open_challenge(customer)  # supersedes `first` for the page; the services still race
    results = together(lambda: release(first, customer), lambda: release(second, customer))
    assert all(not isinstance(r, Exception) for r in results), results
    assert CustomerKey.objects.filter(customer=customer).count() == 1
    key = CustomerKey.objects.get(customer=customer)
    # both pages were given the same v and P, and different indexes
    assert results[0].server_share == results[1].server_share
    assert results[0].public_key == results[1].public_key == bytes(key.public_key)
    assert {results[0].index, results[1].index} == {0, 1} and key.next_index == 2
    assert sum(r.created_key for r in results) == 1


def test_two_completions_of_one_challenge_create_its_wallets_once(customer):
    challenge = open_challenge(customer, ("ETH-SEPOLIA", "MATIC-AMOY"))
    r = release(challenge, customer)
    results = together(lambda: confirm(challenge, r), lambda: confirm(challenge, r))
    wins = [x for x in results if isinstance(x, list)]
    losses = [x for x in results if isinstance(x, DomainError)]
    assert len(wins) == 1 and len(losses) == 1, results
    assert losses[0].status_code == 409
    assert Wallet.objects.filter(customer=customer).count() == 2


def test_two_challenges_completed_together_get_distinct_indexes(customer):
    a, b = open_challenge(customer), open_challenge(customer)
    results = together(lambda: confirm(a, release(a, customer)), lambda: confirm(b, release(b, customer)))
    assert all(isinstance(x, list) for x in results), results
    indexes = sorted(Wallet.objects.filter(customer=customer).values_list("key_index", flat=True))
    assert indexes == [0, 1]
    assert len(set(Wallet.objects.values_list("address", flat=True))) == 2
    assert WalletRequest.objects.filter(key_index__isnull=False).count() == 2
