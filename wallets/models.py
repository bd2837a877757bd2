"""A customer's joint wallet key, the wallets derived from it, and the pending CREATE_WALLET requests."""

import uuid

from django.db import models

from customers.models import Challenge, Customer, Organization

from .keys import EVM_BLOCKCHAINS, SCHEME_VERSION


class Blockchain(models.TextChoices):
    ETH = "ETH"
    ETH_SEPOLIA = "ETH-SEPOLIA"
    MATIC = "MATIC"
    MATIC_AMOY = "MATIC-AMOY"
    BASE = "BASE"
    BASE_SEPOLIA = "BASE-SEPOLIA"
    ARB = "ARB"
    ARB_SEPOLIA = "ARB-SEPOLIA"
    OP = "OP"
    OP_SEPOLIA = "OP-SEPOLIA"
    AVAX = "AVAX"
    AVAX_FUJI = "AVAX-FUJI"
    BSC = "BSC"
    BSC_TESTNET = "BSC-TESTNET"


assert tuple(Blockchain.values) == EVM_BLOCKCHAINS  # noqa: S101 - one list, two spellings


class AccountType(models.TextChoices):
    EOA = "EOA"


class CustomerKey(models.Model):
    """The server's half of a customer's key: U from the page, v encrypted, P = U + v·G.

    One per customer (the primary key is the customer): a second server share cannot exist.
    """

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="wallet_key"
    )
    scheme_version = models.PositiveSmallIntegerField(default=SCHEME_VERSION)
    user_public_key = models.BinaryField(max_length=33)
    public_key = models.BinaryField(max_length=33)
    server_share_enc = models.BinaryField()
    # The next wallet index to hand out; only ever increases, under this row's lock.
    next_index = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Wallet key of {self.customer_id}"


class Wallet(models.Model):
    class State(models.TextChoices):
        LIVE = "LIVE"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No single-column indexes: the composite indexes below start with these columns.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="wallets", db_index=False
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="wallets", db_index=False)
    challenge = models.ForeignKey(
        Challenge, on_delete=models.SET_NULL, null=True, blank=True, related_name="wallets"
    )
    blockchain = models.CharField(max_length=32, choices=Blockchain.choices)
    address = models.CharField(max_length=42)
    account_type = models.CharField(max_length=8, choices=AccountType.choices, default=AccountType.EOA)
    state = models.CharField(max_length=16, choices=State.choices, default=State.LIVE)
    name = models.CharField(max_length=255, blank=True, default="")
    ref_id = models.CharField(max_length=255, blank=True, default="")
    key_index = models.PositiveIntegerField()
    exported = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "key_index", "blockchain"], name="uniq_wallet_customer_index_chain"
            ),
        ]
        indexes = [
            # The list's orders: the whole organization, a few customers, one chain.
            models.Index(fields=["organization", "created_at", "id"], name="wallet_org_created"),
            models.Index(fields=["customer", "created_at", "id"], name="wallet_customer_created"),
            models.Index(fields=["organization", "blockchain", "created_at", "id"], name="wallet_org_chain"),
            models.Index(fields=["organization", "address"], name="wallet_org_address"),
            models.Index(fields=["organization", "ref_id"], name="wallet_org_ref_id"),
        ]

    def __str__(self) -> str:
        return f"{self.blockchain} {self.address}"


class WalletTally(models.Model):
    """An organization's wallet count, kept in the creating transaction: the list's `total`
    without a COUNT(*) over millions of rows."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="wallet_tally"
    )
    wallet_count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.wallet_count} wallets of {self.organization_id}"


class WalletRequest(models.Model):
    """What a CREATE_WALLET challenge asked for, and the key index it reserved once the page unlocked."""

    challenge = models.OneToOneField(
        Challenge, on_delete=models.CASCADE, primary_key=True, related_name="wallet_request"
    )
    blockchains = models.JSONField(default=list)
    account_type = models.CharField(max_length=8, choices=AccountType.choices, default=AccountType.EOA)
    metadata = models.JSONField(default=list, blank=True)
    key_index = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Wallet request of {self.challenge_id}"


class SignRequest(models.Model):
    """What a SIGN_* challenge signs: the parsed payload, its digest, the page's summary, the result.

    Written with the challenge (so nothing is stored for a payload that cannot be parsed);
    `result` is set once, when the page's signature recovered to the wallet's address.
    """

    class Kind(models.TextChoices):
        MESSAGE = "message"
        TYPED_DATA = "typed_data"
        TRANSACTION = "transaction"

    challenge = models.OneToOneField(
        Challenge, on_delete=models.CASCADE, primary_key=True, related_name="sign_request"
    )
    wallet = models.ForeignKey(Wallet, on_delete=models.CASCADE, related_name="sign_requests")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    payload = models.JSONField()
    digest = models.BinaryField(max_length=32)
    summary = models.JSONField(default=dict)
    memo = models.CharField(max_length=500, blank=True, default="")
    result = models.JSONField(null=True, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} signature of {self.challenge_id}"
