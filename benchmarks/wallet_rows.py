"""The wallets rows of the benchmark (kept apart from run.py so both change without conflicts).

seed_wallets() bulk-loads two wallets (ETH and MATIC, one address) for each seeded customer, so
an organization of 1,000,000 customers holds 2,000,000 wallets, and sets the organization's
wallet tally as the creating service would. wallet_rows() are the list rows: a page of
GET /v2/wallets?customerIds=... with 1 and with 10 customers, each on one connection, where p50
is what one page costs; their SQL/req must be the same (a constant query count).

challenge_rows() are the wallet and signing challenge creations, `POST .../wallet/create` and
`POST .../sign/message`, on the customers of the second page (positions 101-200 from the newest),
which seed_wallets() marks as having a PIN and recovery (the first page stays without, for
`initialize`). A signing row names one of the customer's seeded wallets.
"""

from __future__ import annotations

import hashlib
import json
import random
import tempfile
import uuid

# Seeded customers with a PIN and recovery: positions 101-200 from the newest (the list's page 2).
READY_FROM_NEWEST = range(100, 200)


def _md5_uuid(text: str) -> str:
    """md5(text)::uuid as PostgreSQL computes it in the seeding SQL."""
    return str(uuid.UUID(hashlib.md5(text.encode()).hexdigest()))  # noqa: S324 (an id, not a hash)


def seed_wallets(database_url: str, org_id: str, customers: int) -> None:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            """
            INSERT INTO wallets_wallet
                (id, organization_id, customer_id, challenge_id, blockchain, address, account_type,
                 state, name, ref_id, key_index, exported, created_at, updated_at)
            SELECT md5('wallet' || g || chain)::uuid, %(org)s, md5('bench' || g)::uuid, NULL, chain,
                   '0x' || substr(md5('address' || g), 1, 32) || substr(md5('more' || g), 1, 8),
                   'EOA', 'LIVE', '', 'wallet-' || g || '-' || chain, 0, false,
                   now() - make_interval(secs => %(n)s - g), now()
            FROM generate_series(1, %(n)s) AS g, unnest(ARRAY['ETH', 'MATIC']) AS chain
            """,
            {"org": org_id, "n": customers},
        )
        conn.execute(
            "INSERT INTO wallets_wallettally (organization_id, wallet_count) VALUES (%s, %s)",
            (org_id, 2 * customers),
        )
        conn.execute("VACUUM (ANALYZE) wallets_wallet")
        ready = [customers - k for k in READY_FROM_NEWEST if customers - k >= 1]
        conn.execute(
            """
            UPDATE customers_customer
            SET has_pin = true, has_recovery = true, recovery_methods = '["SECURITY_QUESTIONS"]'::jsonb
            WHERE id = ANY(ARRAY(SELECT md5('bench' || g)::uuid FROM unnest(%(g)s::int[]) AS g))
            """,
            {"g": ready},
        )


def challenge_rows(row_class, key_headers: dict[str, str], customers: int) -> list:
    """Rows for run.py's Row class: challenge creations for customers with a PIN and recovery."""
    pairs = tempfile.NamedTemporaryFile("w", delete=False, suffix=".ids")
    for k in READY_FROM_NEWEST:
        g = customers - k
        if g >= 1:
            pairs.write(f"{_md5_uuid(f'bench{g}')}\t{_md5_uuid(f'wallet{g}ETH')}\n")
    pairs.close()
    redirect = "https://bench.example.com/done?u={n}"
    return [
        row_class(
            "POST /v2/customers/{id}/wallet/create",
            "POST",
            "/v2/customers/{id}/wallet/create",
            key_headers,
            body=json.dumps({"blockchains": ["ETH"], "accountType": "EOA", "redirectUrl": redirect}),
            ids=pairs.name,
        ),
        row_class(
            "POST /v2/customers/{id}/sign/message",
            "POST",
            "/v2/customers/{id}/sign/message",
            key_headers,
            body=json.dumps({"walletId": "{id2}", "message": "Bench {n}", "redirectUrl": redirect}),
            ids=pairs.name,
        ),
    ]


def wallet_rows(row_class, key_headers: dict[str, str], customer_ids: list[str]) -> list:
    """Rows for run.py's Row class; customer_ids are ids of seeded customers (the first page)."""
    rng = random.Random(7)
    groups = tempfile.NamedTemporaryFile("w", delete=False, suffix=".ids")
    groups.write("\n".join(",".join(rng.sample(customer_ids, 10)) for _ in range(200)) + "\n")
    groups.close()
    singles = tempfile.NamedTemporaryFile("w", delete=False, suffix=".ids")
    singles.write("\n".join(customer_ids) + "\n")
    singles.close()
    return [
        row_class(
            "GET /v2/wallets?customerIds=1 id (1 connection)",
            "GET",
            "/v2/wallets?customerIds={id}&limit=10",
            key_headers,
            ids=singles.name,
            connections=1,
            threads=1,
            target="p50<30ms",
        ),
        row_class(
            "GET /v2/wallets?customerIds=10 ids (1 connection)",
            "GET",
            "/v2/wallets?customerIds={id}&limit=10",
            key_headers,
            ids=groups.name,
            connections=1,
            threads=1,
            target="p50<30ms",
        ),
    ]
