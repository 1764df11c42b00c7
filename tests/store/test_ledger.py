"""The ledger as a member experiences it: holds, captures, refunds, limits and allowances."""

from __future__ import annotations

import asyncio

import pytest

from bot.ledger import (
    Banned,
    CoolingDown,
    DailyCapReached,
    Defaults,
    HoldAlreadyResolved,
    InsufficientCredits,
    Ledger,
    OperationDisabled,
    PoolExhausted,
    RequestConflict,
    TooManyJobs,
    day_start,
)
from bot.moderation import Moderation
from bot.store import Store
from tests.ledger_fixtures import ALICE, BOB, DAY, GUILD, MOD, Clock


async def test_a_new_member_starts_with_credits_shown_as_songs(ledger: Ledger) -> None:
    balance = await ledger.balance(ALICE)
    assert (balance.available, balance.songs) == (50, 3)
    assert balance.describe() == "You have 50 credits: enough for 3 songs."


async def test_hold_then_capture_spends_and_release_refunds(ledger: Ledger) -> None:
    spent = await ledger.hold(ALICE, 14, job_id="song-1")
    assert spent.available_after == 36
    assert "reserved" in (await ledger.balance(ALICE)).describe()
    await ledger.capture(spent.hold_id)
    refunded = await ledger.hold(ALICE, 14, job_id="song-2")
    await ledger.release(refunded.hold_id, reason="vendor failed")
    balance = await ledger.balance(ALICE)
    assert (balance.balance, balance.held, balance.available) == (36, 0, 36)
    await ledger.reconcile()


async def test_a_partial_capture_returns_the_rest(ledger: Ledger) -> None:
    hold = await ledger.hold(ALICE, 20)
    resolution = await ledger.capture(hold.hold_id, 12)
    assert resolution.amount == 12
    assert (await ledger.balance(ALICE)).available == 38


async def test_a_hold_resolves_once_and_retries_are_harmless(ledger: Ledger) -> None:
    hold = await ledger.hold(ALICE, 10)
    await ledger.capture(hold.hold_id)
    again = await ledger.capture(hold.hold_id)
    assert again.already and again.amount == 10
    with pytest.raises(HoldAlreadyResolved):
        await ledger.release(hold.hold_id, reason="too late")
    assert (await ledger.balance(ALICE)).available == 40


async def test_not_enough_credits_is_refused_with_the_numbers(ledger: Ledger) -> None:
    with pytest.raises(InsufficientCredits, match="costs 60 credits but you have 50"):
        await ledger.hold(ALICE, 60)
    assert (await ledger.balance(ALICE)).held == 0


async def test_open_holds_count_as_spent(ledger: Ledger) -> None:
    await ledger.hold(ALICE, 30)
    with pytest.raises(InsufficientCredits):
        await ledger.hold(ALICE, 30)


async def test_the_same_request_key_never_charges_twice(ledger: Ledger) -> None:
    payload = {"op": "create", "prompt": "rain"}
    first = await ledger.hold(ALICE, 14, request_key="interaction-1", payload=payload)
    again = await ledger.hold(ALICE, 14, request_key="interaction-1", payload=payload)
    assert again.replayed and again.hold_id == first.hold_id
    assert (await ledger.balance(ALICE)).available == 36
    with pytest.raises(RequestConflict):
        await ledger.hold(
            ALICE, 14, request_key="interaction-1", payload={"op": "create", "prompt": "sun"}
        )


async def test_expired_holds_are_released_by_the_sweeper(ledger: Ledger, clock: Clock) -> None:
    hold = await ledger.hold(ALICE, 14)
    clock.advance(ledger.defaults.hold_ttl_seconds - 1)
    assert await ledger.sweep_expired() == 0
    clock.advance(2)
    assert await ledger.sweep_expired() == 1
    assert (await ledger.balance(ALICE)).available == 50
    with pytest.raises(HoldAlreadyResolved):
        await ledger.capture(hold.hold_id)


async def test_limits_refuse_with_specific_reasons(ledger: Ledger, clock: Clock) -> None:
    moderation = Moderation(ledger)
    await ledger.balance(ALICE)
    await moderation.set_limits(
        MOD, ALICE, {"max_concurrent": 1, "cooldown_seconds": 60, "daily_spend_cap": 20}
    )
    first = await ledger.hold(ALICE, 10)
    with pytest.raises(CoolingDown, match="you can run another command in 60 s"):
        await ledger.hold(ALICE, 10)
    clock.advance(61)
    with pytest.raises(TooManyJobs, match="1 job in progress; wait for one to finish"):
        await ledger.hold(ALICE, 10)
    await ledger.capture(first.hold_id)
    with pytest.raises(DailyCapReached, match="10 credits left today"):
        await ledger.hold(ALICE, 14)
    assert (await ledger.hold(ALICE, 10)).amount == 10
    await moderation.ban(MOD, ALICE, "spamming")
    with pytest.raises(Banned, match="spamming"):
        await ledger.hold(ALICE, 1)
    assert (await ledger.balance(ALICE)).available == 30


async def test_disabled_operations_and_the_scope_pool(ledger: Ledger) -> None:
    moderation = Moderation(ledger)
    await moderation.update_settings(
        MOD, GUILD, {"disabled_ops": ["stemsfull"], "pool_daily_budget": 40}
    )
    with pytest.raises(OperationDisabled, match="/stemsfull"):
        await ledger.hold(ALICE, 14, op="stemsfull")
    await ledger.hold(ALICE, 30, op="create")
    with pytest.raises(PoolExhausted, match="daily budget of 40"):
        await ledger.hold(BOB, 14, op="create")


async def test_the_daily_allowance_is_shared_by_concurrent_holds_and_renews_daily(
    store: Store, clock: Clock
) -> None:
    defaults = Defaults(starting_credits=0, daily_allowance=30, max_concurrent=10)
    ledger = Ledger(store, defaults, clock)
    balances = await asyncio.gather(*(ledger.balance(ALICE) for _ in range(20)))
    assert {b.available for b in balances} == {30}
    placed = await asyncio.gather(
        *(ledger.hold(ALICE, 10) for _ in range(6)), return_exceptions=True
    )
    assert sum(not isinstance(p, Exception) for p in placed) == 3
    assert all(isinstance(p, InsufficientCredits) for p in placed if isinstance(p, Exception))
    hold = await ledger.hold(BOB, 25)
    await ledger.capture(hold.hold_id)
    assert (await ledger.balance(BOB)).available == 5  # the day's allowance is not given twice
    clock.advance(DAY)
    assert (await ledger.balance(BOB)).available == 30  # renewed, and the 5 unspent lapsed
    await ledger.reconcile()


async def test_a_granted_credit_is_never_absorbed_by_the_daily_allowance(
    store: Store, clock: Clock
) -> None:
    ledger = Ledger(store, Defaults(starting_credits=200, daily_allowance=300), clock)
    granted = await Moderation(ledger).grant(MOD, ALICE, 10, "prize")
    assert (granted.balance, granted.allowance, granted.available) == (210, 300, 510)
    hold = await ledger.hold(ALICE, 300)
    await ledger.capture(hold.hold_id)
    spent = await ledger.balance(ALICE)
    assert (spent.balance, spent.allowance) == (210, 0)  # the allowance went first
    clock.advance(DAY)
    renewed = await ledger.balance(ALICE)
    assert (renewed.balance, renewed.allowance, renewed.available) == (210, 300, 510)
    assert "300 credits of that are today's allowance" in renewed.describe()
    await ledger.reconcile()


async def test_a_hold_takes_the_allowance_first_and_own_credits_for_the_rest(
    store: Store, clock: Clock
) -> None:
    ledger = Ledger(store, Defaults(starting_credits=50, daily_allowance=30), clock)
    hold = await ledger.hold(ALICE, 40)
    assert hold.available_after == 40
    during = await ledger.balance(ALICE)
    assert (during.balance, during.allowance, during.held, during.available) == (50, 0, 40, 40)
    await ledger.capture(hold.hold_id)
    after = await ledger.balance(ALICE)
    assert (after.balance, after.allowance, after.available) == (40, 0, 40)
    await ledger.reconcile()


async def test_the_unspent_part_of_a_capture_goes_back_to_own_credits_first(
    store: Store, clock: Clock
) -> None:
    ledger = Ledger(store, Defaults(starting_credits=50, daily_allowance=30), clock)
    hold = await ledger.hold(ALICE, 40)  # 30 from the allowance, 10 own
    await ledger.capture(hold.hold_id, 20)  # charged as if only 20 had been held
    after = await ledger.balance(ALICE)
    assert (after.balance, after.allowance, after.available) == (50, 10, 60)
    await ledger.reconcile()


async def test_a_release_returns_the_allowance_the_same_day_and_lets_it_lapse_after(
    store: Store, clock: Clock
) -> None:
    ledger = Ledger(store, Defaults(starting_credits=50, daily_allowance=30), clock)
    same_day = await ledger.hold(ALICE, 40)
    await ledger.release(same_day.hold_id, reason="failed")
    back = await ledger.balance(ALICE)
    assert (back.balance, back.allowance, back.available) == (50, 30, 80)
    clock.now = day_start(clock.now) + DAY - 60  # a minute to midnight UTC
    late = await ledger.hold(ALICE, 40)
    clock.advance(120)
    await ledger.release(late.hold_id, reason="failed")
    next_day = await ledger.balance(ALICE)
    # The own 10 come back; yesterday's 30 lapsed with yesterday, and today's 30 are whole.
    assert (next_day.balance, next_day.allowance, next_day.available) == (50, 30, 80)
    await ledger.reconcile()


async def test_scope_prices_scale_the_song_count(ledger: Ledger) -> None:
    await Moderation(ledger).update_settings(MOD, GUILD, {"price_multiplier": 0.5})
    assert (await ledger.balance(ALICE)).songs == 7  # 50 // round(14 * 0.5)
