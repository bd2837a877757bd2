"""The wallets rows of the benchmark (kept apart from run.py so both change without conflicts).

seed_wallets() bulk-loads two wallets (ETH and MATIC, one address) for each seeded customer, so
an organization of 1,000,000 customers holds 2,000,000 wallets, and sets the organization's
wallet tally as the creating service would. wallet_rows() are the list rows: a page of
GET /v2/wallets?customerIds=... with 1 and with 10 customers, each on one connection, where p50
is what one page costs; their SQL/req must be the same (a constant query count).
"""

from __future__ import annotations

import random
import tempfile


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
