#!/usr/bin/env python
"""Server-side cost of one signing challenge beside a bare eth-account recover, in one run.

For a personal message, an EIP-712 permit and an EIP-1559 transaction: `prepare` is what opening
the challenge does to the payload (parse, hash with eth-account, the page's summary) and `verify`
is what accepting the page's signature does (low-s check, recovery by eth-account, and for a
transaction the signed encoding and its hash). The baseline is `Account.recover_message` of one
signature, measured in the same process: the figures are ratios to it, so they compare across
machines. Database writes (one challenge row, one SignRequest row) are not included.

    .venv/bin/python benchmarks/signing_cost.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(fn, rounds: int) -> float:
    """Median seconds of one call over `rounds` calls (after a few warm-up calls)."""
    for _ in range(5):
        fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from coincurve import PrivateKey
    from eth_account import Account
    from eth_account.messages import encode_defunct

    from tests.wallets.test_signing_steps import TX, permit
    from wallets import signing
    from wallets.chains import CHAINS

    key = PrivateKey()
    address = Account.from_key(key.secret).address
    chain = CHAINS["ETH-SEPOLIA"]
    cases = {
        "personal message": lambda: signing.message_prepare(message="Sign in to Demo Wallet\nnonce: 8c1f02"),
        "EIP-712 permit": lambda: signing.typed_data_prepare(
            typed_data=json.dumps(permit(address)), chain=chain
        ),
        "EIP-1559 transaction": lambda: signing.transaction_prepare(
            transaction={**TX, "data": "0xa9059cbb" + "00" * 64},
            raw_transaction=None,
            chain=chain,
            address=address,
        ),
    }
    baseline_message = encode_defunct(text="Sign in to Demo Wallet")
    baseline_signature = Account.sign_message(baseline_message, key.secret).signature
    baseline = timed(
        lambda: Account.recover_message(baseline_message, signature=baseline_signature), args.rounds
    )

    print(f"baseline: eth-account recover_message   {baseline * 1e6:9.1f} µs   1.00x")
    print(
        f"{'challenge':24} {'prepare µs':>11} {'ratio':>7} {'verify µs':>10} {'ratio':>7} {'total ratio':>12}"
    )
    for name, prepare in cases.items():
        prepared = prepare()
        signature = key.sign_recoverable(prepared.digest, hasher=None)

        def verify(prepared=prepared, signature=signature) -> None:
            signing.signature_accept(
                kind=prepared.kind, payload=prepared.payload, signature=signature, address=address
            )

        verify()  # it must accept before it is timed
        p = timed(prepare, args.rounds)
        v = timed(verify, args.rounds)
        print(
            f"{name:24} {p * 1e6:11.1f} {p / baseline:6.2f}x {v * 1e6:10.1f} {v / baseline:6.2f}x "
            f"{(p + v) / baseline:11.2f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
