"""The wallet_create step of the gateway's CREATE_WALLET flow (gateway/flows.py).

It runs after pin_enter, so the server releases v and t_i only to a page that proved the PIN
in this challenge; the flows table refuses these actions at any other step. `wallet_keys`
may be called again (a page that retries gets the same index and material); `wallet_confirm`
creates the wallets and moves the challenge to `ready`, where `complete` verifies it with the
wallets as its result.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from customers.models import Challenge
from gateway.services.steps import step_challenge, step_done

from . import services
from .models import Wallet
from .serializers import wallet_data


@transaction.atomic
def wallet_keys_step(
    *, challenge_id: uuid.UUID, session: SessionBase, user_public: bytes | None, proof: bytes | None
) -> services.KeyRelease:
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="wallet_keys", lock=True)
    return services.wallet_keys_release(challenge=challenge, user_public=user_public, proof=proof)


@transaction.atomic
def wallet_confirm_step(
    *, challenge_id: uuid.UUID, session: SessionBase, confirmations: dict[str, bytes]
) -> list[Wallet]:
    challenge = step_challenge(challenge_id=challenge_id, session=session, action="wallet_confirm", lock=True)
    wallets = services.wallets_confirm(challenge=challenge, confirmations=confirmations)
    step_done(challenge=challenge)
    return wallets


def wallet_challenge_result(challenge: Challenge) -> dict[str, Any]:
    """The CREATE_WALLET row's completion result: the wallets the challenge created."""
    wallets = Wallet.objects.filter(challenge=challenge).order_by("created_at", "blockchain")
    return {"wallets": [wallet_data(wallet) for wallet in wallets]}


def wallet_page_context(challenge: Challenge) -> dict[str, Any]:
    """The wallet page names the app and the chains, and knows whether U must be sent."""
    from .models import CustomerKey, WalletRequest

    request = WalletRequest.objects.filter(challenge=challenge).first()
    return {
        "blockchains": list(request.blockchains) if request else [],
        "has_wallet_key": CustomerKey.objects.filter(customer_id=challenge.customer_id).exists(),
    }
