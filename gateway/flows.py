"""The gateway's challenge flows in one table: for each challenge type, its steps, which step
may follow which, and its completion rule.

How a challenge moves
    A challenge's progress is its ``step`` column. Opening the link sets the flow's entry
    step (``challenge_bind``); each step handler that finishes moves it to the step that
    follows in the table (``customers.services.challenge_transition``); ``complete`` is
    accepted only at ``ready``, the last step of every flow, and writes the row's result
    (``challenge_finish``). The browser session keeps only its binding to the challenge and
    the pending secrets of a copy being made, never the progress. Loading the page again
    puts the challenge back at its entry step: the shard lives only in the page's memory,
    so a reloaded page must unlock it again (a flow that needs the shard enters at its
    unlock step). A request for an action
    the current step does not serve is refused (409) with the message of the table: the
    current step's ``todo`` when the action lies ahead, the action's step ``closed``
    otherwise.

Steps (a step = the JSON actions under /gateway/api/<challenge>/ that serve it, their
handlers in gateway/services/, and one handler in static/gateway/js/steps.js that runs the
step's part of the page)
    pin_choose      pin/start, pin/setup            choose a PIN, wrap the shard under it
    pin_enter       pin/evaluate, pin/verify,       unlock: the PIN releases the shard (scheme v2:
                    pin/upgrade                     a counted OPRF evaluation first; a v1 copy or
                                                    an older OPRF key is moved on, gateway/services/oprf.py)
    recovery_setup  recovery/questions[/start],     wrap the shard for recovery
                    recovery/email/{start,confirm}
    recovery_open   restore/questions[/evaluate,    unlock: recovery releases the shard
                    /upgrade], restore/email/{start,confirm}
    wallet_create   wallet/keys, wallet/confirm     after the PIN: v and t_i for this challenge
                                                    (wallets/steps.py), then the page proves k_i
    wallet_sign     sign/keys, sign/submit          after the PIN: v, t_i and the digest; the page
                                                    signs with k_i (wallets/signing_services.py)
    wallet_export   export/keys                     after the PIN and a confirmation: v and every t_i
    ready           complete                        the challenge verifies
    done            (none)                          nothing left to do: the page says so
    (any step)      /gateway/s/<challenge>/cancel   the user cancels (a form, not a JSON step): the
                                                    challenge fails with reason "cancelled", in every
                                                    flow (gateway/services/completion.py)

Flows
    INITIALIZE   pin_choose -> recovery_setup -> ready     (no PIN yet, or resetPin: a PIN set
                                                            without recovery is chosen anew)
                 pin_enter  -> recovery_setup -> ready     (PIN set, recovery missing)
    RESET_PIN    recovery_open -> pin_choose -> ready
    CREATE_WALLET  pin_enter -> wallet_create -> ready     (result: the wallets)
    CHANGE_PIN     pin_enter -> pin_choose -> ready        (same shard, so the same wallets)
    SET_RECOVERY   pin_enter -> recovery_setup -> ready    (the new copy replaces the old one)
    SIGN_MESSAGE, SIGN_TYPED_DATA, SIGN_TRANSACTION
                   pin_enter -> wallet_sign -> ready       (result: signature, or signed tx + hash)
    EXPORT_PRIVATE_KEYS
                   pin_enter -> wallet_export -> ready     (result: the exported wallets)
    A row with ``declinable=True`` also serves ``decline`` at any step: the challenge fails
    with result.reason ``declined``.

Adding a challenge type (CREATE_WALLET as the example)
    1. Server steps: add a ``Step("wallet_create", actions=..., section=..., todo=...,
       closed=...)`` to STEPS, and its handlers in gateway/services/wallets.py. Each handler
       starts with ``steps.step_challenge(challenge_id=..., session=..., action="...",
       lock=True)`` (the table refuses an action out of order) and, when the step is
       finished, calls ``steps.step_done(challenge=...)`` (the challenge moves to the step
       that follows in the row). Map each action to a URL in
       gateway/urls.py and a thin method in views.GatewayApiViewSet.
    2. The row: set ``built=True`` on the CREATE_WALLET row, with ``next`` =
       ``{"pin_enter": ("wallet_create",), "wallet_create": (READY,)}``, ``entry`` = the
       first step for a customer, ``start_refusal`` (e.g. "recovery must be completed
       first"), ``result(challenge)`` (what the challenge's result lists), ``template``,
       ``page_context(challenge)`` (what that template shows beyond the shared context) and,
       if starting one spends attempts at a secret, ``starts_per_hour_setting``.
       ``pin_enter`` is the unlock step shared by every flow that needs the shard: after it,
       the server may release per-challenge material to the next step's handler, which
       checks it runs at its own step through ``step_challenge``.
    3. The page: a template with one ``<section class="step">`` per step, and a handler in
       static/gateway/js/steps.js: ``wallet_create: (ctx) => ...`` that uses ``ctx.shard``
       (set by the unlock step through static/gateway/js/unlock.js) and calls
       ``ctx.done()`` when finished; flow.js, the driver, shows the next step from the
       table the page is given (``data-flow``) and calls ``complete`` at ``ready``.
    4. The API: a customers service that opens a challenge of the type
       (``customers.services.challenge_open``) and its endpoint. No ``type ==`` branch is
       needed anywhere: the row says everything type-specific.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from customers.lockout import customer_pin_locked_until, customer_recovery_locked_until
from customers.models import Challenge, Customer

from .errors import GatewayErrorCode as Code

READY = "ready"
DONE = "done"
# The unlock step shared by every flow that needs the shard (a locked PIN stops it up front).
PIN_ENTER = "pin_enter"


@dataclass(frozen=True)
class Refusal:
    message: str | Promise  # lazy: read in the language of the request that is refused
    code: str


@dataclass(frozen=True)
class Step:
    """A step of a flow: the JSON actions it serves and the page section that runs it."""

    name: str
    actions: frozenset[str]
    section: str
    # Said when an action of a later step arrives while the user is still at this step.
    todo: Refusal
    # Said when this step's action arrives and the flow is past it or on another branch.
    closed: Refusal


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            "pin_choose",
            frozenset({"pin_start", "pin_setup"}),
            "step-pin",
            todo=Refusal(_("Choose your PIN first."), Code.PIN_FIRST),
            closed=Refusal("A PIN is already set. Enter it to continue.", Code.PIN_ALREADY_SET),
        ),
        Step(
            "pin_enter",
            frozenset({"pin_evaluate", "pin_verify", "pin_upgrade"}),
            "step-unlock",
            todo=Refusal(_("Enter your PIN first."), Code.PIN_FIRST),
            closed=Refusal(_("Your PIN is not asked for at this point."), Code.PIN_NOT_NEEDED),
        ),
        Step(
            "recovery_setup",
            frozenset({"questions_start", "questions_setup", "email_start", "email_confirm"}),
            "step-recovery",
            todo=Refusal(_("Set up recovery before finishing."), Code.RECOVERY_FIRST),
            closed=Refusal(_("Recovery is already set up."), Code.RECOVERY_ALREADY_SET),
        ),
        Step(
            "recovery_open",
            frozenset(
                {
                    "restore_questions_evaluate",
                    "restore_questions",
                    "restore_questions_upgrade",
                    "restore_email_start",
                    "restore_email_confirm",
                }
            ),
            "step-restore",
            todo=Refusal(_("Open your backup with your recovery first."), Code.RESTORE_FIRST),
            closed=Refusal(_("Your backup is already open."), Code.RESTORE_DONE),
        ),
        Step(
            "wallet_create",
            frozenset({"wallet_keys", "wallet_confirm"}),
            "step-wallet",
            todo=Refusal(_("Create and confirm the wallet keys first."), Code.WALLET_FIRST),
            closed=Refusal(_("The wallets of this session are already created."), Code.WALLET_DONE),
        ),
        Step(
            "wallet_sign",
            frozenset({"sign_keys", "sign_submit"}),
            "step-sign",
            todo=Refusal(_("Approve and sign first."), Code.SIGN_FIRST),
            closed=Refusal(_("This request is already signed."), Code.SIGN_DONE),
        ),
        Step(
            "wallet_export",
            frozenset({"export_keys"}),
            "step-export",
            todo=Refusal(_("Confirm the export first."), Code.EXPORT_FIRST),
            closed=Refusal(_("Your keys were already shown in this session."), Code.EXPORT_DONE),
        ),
        Step(
            READY,
            frozenset({"complete"}),
            "",
            todo=Refusal(_("Finish the last step first."), Code.STEP_OUT_OF_ORDER),
            closed=Refusal(_("This session is already complete."), Code.STEP_OUT_OF_ORDER),
        ),
        Step(
            DONE,
            frozenset(),
            "step-ended",
            todo=Refusal(_("There is nothing left to do here."), Code.STEP_OUT_OF_ORDER),
            closed=Refusal(_("There is nothing left to do here."), Code.STEP_OUT_OF_ORDER),
        ),
    )
}


def _customer_state(customer: Customer) -> dict[str, Any]:
    """What a verified challenge reports back about the customer."""
    return {
        "hasPin": customer.has_pin,
        "hasRecovery": customer.has_recovery,
        "recoveryMethods": list(customer.recovery_methods or []),
        "pinStatus": customer.pin_status,
    }


def _customer_result(challenge: Challenge) -> dict[str, Any]:
    return _customer_state(challenge.customer)


def _no_page_context(challenge: Challenge) -> dict[str, Any]:
    return {}


def _wallet_result(challenge: Challenge) -> dict[str, Any]:
    from wallets.steps import wallet_challenge_result  # the wallets app builds on this module

    return wallet_challenge_result(challenge)


def _wallet_page_context(challenge: Challenge) -> dict[str, Any]:
    from wallets.steps import wallet_page_context

    return wallet_page_context(challenge)


def _sign_result(challenge: Challenge) -> dict[str, Any]:
    from wallets.signing_services import sign_challenge_result

    return sign_challenge_result(challenge)


def _sign_page_context(challenge: Challenge) -> dict[str, Any]:
    from wallets.signing_services import sign_page_context

    return sign_page_context(challenge)


def _export_result(challenge: Challenge) -> dict[str, Any]:
    from wallets.signing_services import export_challenge_result

    return export_challenge_result(challenge)


def _export_page_context(challenge: Challenge) -> dict[str, Any]:
    from wallets.signing_services import export_page_context

    return export_page_context(challenge)


def _recovery_change_context(challenge: Challenge) -> dict[str, Any]:
    return {"recovery_change": True}


def _refuse_unless(condition: Callable[[Customer], bool], message: str) -> Callable[[Customer], str | None]:
    return lambda customer: None if condition(customer) else message


def _not_built(customer: Customer) -> str | None:
    return "This challenge type is not available yet."


@dataclass(frozen=True)
class Flow:
    """One row of the table: everything type-specific about a challenge type."""

    type: str
    label: str | Promise
    built: bool
    # step -> the steps that may follow it; READY ends every flow.
    next: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # The first step of this challenge (for its customer), set when the link is opened.
    entry: Callable[[Challenge], str] = lambda challenge: DONE
    # Why this customer may not start a challenge of this type (a 409), or None.
    start_refusal: Callable[[Customer], str | None] = _not_built
    # Until when a lock keeps this customer from getting through the entry step (a 409 with
    # lockedExpiryDate rather than a page that cannot work), or None.
    locked_until: Callable[[Customer], datetime | None] = lambda customer: None
    # The completion rule: `complete` at READY marks the challenge verified with this result.
    result: Callable[[Challenge], dict[str, Any]] = _customer_result
    template: str = "gateway/setup.html"
    # What the row's template needs beyond the shared context (no secret in it).
    page_context: Callable[[Challenge], dict[str, Any]] = _no_page_context
    # The page may decline the challenge at any step (it then fails with reason "declined").
    declinable: bool = False
    # The app setting (core.conf) capping how many of these one customer may start per hour.
    starts_per_hour_setting: str = ""

    def steps(self) -> list[str]:
        """The flow's steps, entry steps first, in the order they can be reached."""
        order: list[str] = []
        for step, following in self.next.items():
            for name in (step, *following):
                if name not in order:
                    order.append(name)
        return order

    def serves(self, action: str) -> Step | None:
        for name in self.steps():
            if action in STEPS[name].actions:
                return STEPS[name]
        return None

    def ahead_of(self, current: str) -> set[str]:
        """Every step reachable from `current`, not counting itself."""
        seen: set[str] = set()
        stack = list(self.next.get(current, ()))
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(self.next.get(name, ()))
        return seen

    def refusal(self, *, current: str, action: str) -> Refusal | None:
        """None when `action` is served at `current`; otherwise what to tell the page."""
        step = self.serves(action)
        if step is None:
            return Refusal(
                _("This step is not part of the %(flow)s.") % {"flow": self.label}, Code.STEP_OUT_OF_ORDER
            )
        if step.name == current:
            return None
        if step.name in self.ahead_of(current):
            return STEPS[current].todo
        return step.closed

    def following(self, step: str) -> str:
        """The step after `step`. A step with several possible successors would need its
        handler to choose; none has one today."""
        successors = self.next.get(step, ())
        if len(successors) != 1:
            raise ValueError(f"{self.type}: step {step!r} has no single successor")
        return successors[0]

    def page_steps(self) -> list[dict[str, Any]]:
        """The table as the page's flow driver reads it (data-flow): name, section, next."""
        return [
            {"name": name, "section": STEPS[name].section, "next": list(self.next.get(name, ()))}
            for name in self.steps()
        ]


def _initialize_entry(challenge: Challenge) -> str:
    customer = challenge.customer
    # resetPin: the PIN set before recovery is chosen anew (reloading the page chooses again:
    # the new shard lived only in the page, and nothing depends on it before recovery).
    if not customer.has_pin or challenge.reset_pin:
        return "pin_choose"
    if not customer.has_recovery:
        return "pin_enter"
    return DONE


_T = Challenge.Type
_KEY_WORK_REFUSAL = (
    "Recovery must be completed first: the customer needs a PIN and a recovery method "
    "(an initialize challenge) before this challenge"
)

FLOWS: dict[str, Flow] = {
    flow.type: flow
    for flow in (
        Flow(
            _T.INITIALIZE,
            label=_("setup"),
            built=True,
            next={
                "pin_choose": ("recovery_setup",),
                "pin_enter": ("recovery_setup",),
                "recovery_setup": (READY,),
            },
            entry=_initialize_entry,
            start_refusal=_refuse_unless(
                lambda c: not (c.has_pin and c.has_recovery), "Customer is already initialized"
            ),
            # A PIN set before recovery is asked for first (unless resetPin replaces it).
            locked_until=lambda c: None if c.has_recovery else customer_pin_locked_until(c),
        ),
        Flow(
            _T.RESET_PIN,
            label=_("PIN reset"),
            built=True,
            next={"recovery_open": ("pin_choose",), "pin_choose": (READY,)},
            entry=lambda challenge: "recovery_open",
            start_refusal=_refuse_unless(
                lambda c: c.has_pin and c.has_recovery,
                "Customer has no PIN and recovery to reset yet; initialize it first",
            ),
            # Recovery opens the backup: refused while every method the customer has is locked.
            locked_until=customer_recovery_locked_until,
            template="gateway/restore.html",
            # Each reset-pin challenge is a fresh round of recovery attempts: capped per hour.
            starts_per_hour_setting="RESET_PIN_CHALLENGES_PER_CUSTOMER_HOUR",
        ),
        Flow(
            _T.CHANGE_PIN,
            label=_("PIN change"),
            built=True,
            next={"pin_enter": ("pin_choose",), "pin_choose": (READY,)},
            entry=lambda challenge: "pin_enter",
            start_refusal=_refuse_unless(lambda c: c.has_pin and c.has_recovery, _KEY_WORK_REFUSAL),
            template="gateway/change_pin.html",
        ),
        Flow(
            _T.SET_RECOVERY,
            label=_("recovery change"),
            built=True,
            next={"pin_enter": ("recovery_setup",), "recovery_setup": (READY,)},
            entry=lambda challenge: "pin_enter",
            start_refusal=_refuse_unless(lambda c: c.has_pin, "Customer has no PIN yet; initialize it first"),
            page_context=_recovery_change_context,
        ),
        Flow(
            _T.CREATE_WALLET,
            label=_("wallet creation"),
            built=True,
            next={"pin_enter": ("wallet_create",), "wallet_create": (READY,)},
            entry=lambda challenge: "pin_enter",
            start_refusal=_refuse_unless(
                lambda c: c.has_pin and c.has_recovery,
                "Recovery must be completed first: the customer needs a PIN and a recovery method "
                "(an initialize challenge) before wallets can be provisioned",
            ),
            result=_wallet_result,
            template="gateway/wallet.html",
            page_context=_wallet_page_context,
        ),
        *(
            Flow(
                sign_type,
                label=label,
                built=True,
                next={"pin_enter": ("wallet_sign",), "wallet_sign": (READY,)},
                entry=lambda challenge: "pin_enter",
                start_refusal=_refuse_unless(lambda c: c.has_pin and c.has_recovery, _KEY_WORK_REFUSAL),
                result=_sign_result,
                template="gateway/sign.html",
                page_context=_sign_page_context,
                declinable=True,
            )
            for sign_type, label in (
                (_T.SIGN_MESSAGE, _("message signature")),
                (_T.SIGN_TYPED_DATA, _("typed-data signature")),
                (_T.SIGN_TRANSACTION, _("transaction signature")),
            )
        ),
        Flow(
            _T.EXPORT_PRIVATE_KEYS,
            label=_("key export"),
            built=True,
            next={"pin_enter": ("wallet_export",), "wallet_export": (READY,)},
            entry=lambda challenge: "pin_enter",
            start_refusal=_refuse_unless(lambda c: c.has_pin and c.has_recovery, _KEY_WORK_REFUSAL),
            result=_export_result,
            template="gateway/export.html",
            page_context=_export_page_context,
            declinable=True,
        ),
    )
}


def flow_for(challenge_type: str) -> Flow:
    return FLOWS[challenge_type]


def built_types() -> list[str]:
    """The types the API serves, in Challenge.Type's order."""
    return [value for value in Challenge.Type.values if FLOWS[value].built]


def current_step(*, challenge: Challenge) -> str:
    """The stored step; a challenge opened before steps were stored starts at its entry."""
    return challenge.step or FLOWS[challenge.type].entry(challenge)
