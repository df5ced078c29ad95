"""The rate-budget planner against a model of the production per-IP limiter."""

from __future__ import annotations

import random

import pytest

from softphone.sync.budget import BudgetConfig, RateBudget, RequestKind, kind_of_path


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class LimiterModel:
    """The production limiter as crm-api.md describes it: the limit-th counted request of a run
    is refused; each counted request restarts a window-long expiry; refusals are not counted."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit, self.window = limit, window
        self.count = 0
        self.expires = 0.0
        self.refused = 0

    def arrive(self, now: float) -> int:
        if now >= self.expires:
            self.count = 0
        if self.count + 1 >= self.limit:
            self.refused += 1
            return 429
        self.count += 1
        self.expires = now + self.window
        return 200


def test_results_may_use_the_whole_run_but_pulls_stop_earlier() -> None:
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(limit=60, window_s=60), clock)
    for _ in range(budget.config.pull_ceiling):
        assert budget.delay(RequestKind.PULL) == 0
        budget.note_sent(RequestKind.PULL)
        budget.note_answered(204)
    assert budget.delay(RequestKind.PULL) > 0
    assert budget.delay(RequestKind.HEARTBEAT) > 0
    assert budget.delay(RequestKind.RESULT) == 0
    for _ in range(budget.config.result_reserve):
        budget.note_sent(RequestKind.RESULT)
        budget.note_answered(200)
    assert budget.used() == budget.config.ceiling < 59
    assert budget.delay(RequestKind.RESULT) == pytest.approx(budget.config.quiet_s)


def test_a_window_of_silence_resets_the_count() -> None:
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(limit=60, window_s=60), clock)
    for _ in range(30):
        budget.note_sent(RequestKind.PULL)
        budget.note_answered(204)
    assert budget.used() == 30
    clock.now += 59
    assert budget.used() == 30
    clock.now += budget.config.quiet_s
    assert budget.used() == 0
    budget.note_sent(RequestKind.PULL)
    assert budget.used() == 1


def test_pull_interval_follows_the_budget_left() -> None:
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(limit=60, window_s=60, min_interval_s=2.0), clock)
    fresh = budget.pull_interval()
    for _ in range(30):
        budget.note_sent(RequestKind.PULL)
    half = budget.pull_interval()
    for _ in range(budget.config.pull_ceiling - 30):
        budget.note_sent(RequestKind.PULL)
    spent = budget.pull_interval()
    assert fresh == pytest.approx(2.0)
    assert fresh < half <= budget.config.max_interval_s
    assert spent == pytest.approx(budget.config.quiet_s)


def test_a_429_is_not_counted_and_does_not_stretch_the_run() -> None:
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(limit=60, window_s=60), clock)
    budget.note_sent(RequestKind.PULL)
    budget.note_answered(204)
    reset_before = budget.reset_at()
    clock.now += 10
    budget.note_sent(RequestKind.PULL)
    budget.note_answered(429)
    assert budget.used() == 1
    assert budget.reset_at() == reset_before


def test_retry_after_holds_only_that_kind() -> None:
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(), clock)
    waited = budget.note_rate_limited(RequestKind.PULL, 7.0)
    assert waited == 7.0
    assert budget.delay(RequestKind.PULL) == pytest.approx(7.0)
    assert budget.delay(RequestKind.RESULT) == 0
    assert not budget.ip_limit_seen


def test_ip_lockout_waits_a_window_after_the_last_counted_request_then_probes_growing() -> None:
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(window_s=60), clock, rng=random.Random(1))
    for _ in range(budget.config.ceiling - 1):  # our own count explains the wall: alone
        budget.note_sent(RequestKind.RESULT)
        budget.note_answered(200)
    clock.now += 5
    first = budget.note_rate_limited(RequestKind.PULL, None)
    assert not budget.shared()
    assert first == pytest.approx(budget.config.quiet_s - 5)
    assert budget.delay(RequestKind.RESULT) == pytest.approx(first)
    delays = []
    for _ in range(6):
        clock.now += budget.delay(RequestKind.PULL)
        budget.note_sent(RequestKind.PULL)
        budget.note_answered(429)
        delays.append(budget.note_rate_limited(RequestKind.PULL, None))
    assert delays[0] < delays[2] < delays[4]
    assert 60 * 0.8 <= max(delays) <= 60 * 1.2
    assert budget.ip_limit_seen and budget.enforcing
    clock.now += budget.delay(RequestKind.PULL)
    budget.note_sent(RequestKind.PULL)
    budget.note_answered(204)
    assert budget.locked_until() is None
    assert budget.locked_out_total_s > 60


def test_not_enforcing_leaves_pulls_back_to_back() -> None:
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(limit=60), clock)
    budget.enforcing = False
    for _ in range(200):
        budget.note_sent(RequestKind.PULL)
    assert budget.delay(RequestKind.PULL) == 0
    assert budget.pull_interval() == 0


def test_only_phone_api_paths_are_counted() -> None:
    assert kind_of_path("/api/token/refresh/") is None
    assert kind_of_path("/api/phone/calls/pull/") is RequestKind.PULL
    assert kind_of_path("/api/phone/calls/update/") is RequestKind.RESULT
    assert kind_of_path("/api/phone/qr/exchange/") is RequestKind.CONTROL


@pytest.mark.parametrize("seed", range(12))
def test_a_shift_paced_by_the_planner_never_trips_the_limiter(seed: int) -> None:
    """An operator's day in simulated time: pulls whenever admitted and paced while free,
    none while busy; a result after each call; heartbeats and telemetry now and then."""
    rng = random.Random(seed)
    clock = FakeClock()
    config = BudgetConfig(limit=60, window_s=60, min_interval_s=2.0)
    budget = RateBudget(config, clock, rng=rng)
    server = LimiterModel(60, 60.0)
    step = 0.25
    busy_until = 0.0
    think_until = clock.now + rng.expovariate(1 / 20)
    last_pull = -1e9
    results_due = 0
    next_background = clock.now
    calls = 0

    def send(kind: RequestKind) -> int:
        budget.note_sent(kind)
        status = server.arrive(clock.now)
        budget.note_answered(status)
        return status

    end = clock.now + 4 * 3600
    while clock.now < end:
        busy = clock.now < busy_until
        if results_due and budget.delay(RequestKind.RESULT) == 0:
            assert send(RequestKind.RESULT) == 200
            results_due -= 1
        if clock.now >= next_background and budget.delay(RequestKind.HEARTBEAT) == 0:
            assert send(RequestKind.HEARTBEAT) == 200
            next_background = clock.now + rng.uniform(60, 300)
        if (
            not busy
            and budget.delay(RequestKind.PULL) == 0
            and clock.now - last_pull >= budget.pull_interval()
        ):
            last_pull = clock.now
            assert send(RequestKind.PULL) == 200
            if clock.now >= think_until:  # a command was waiting: the operator calls
                calls += 1
                busy_until = clock.now + rng.choice([rng.uniform(5, 60), rng.uniform(30, 180)])
                results_due += 1
                think_until = busy_until + rng.expovariate(1 / 20)
        clock.now += step
    assert server.refused == 0
    assert calls > 50


def test_a_run_carried_over_from_an_earlier_process_still_counts() -> None:
    clock = FakeClock()
    earlier = RateBudget(BudgetConfig(window_s=60), clock)
    for _ in range(40):
        earlier.note_sent(RequestKind.PULL)
        earlier.note_answered(204)
    clock.now += 5
    count, age = earlier.snapshot()
    assert (count, age) == (40, 5)
    later = RateBudget(BudgetConfig(window_s=60), clock)
    later.restore(count, age)
    assert later.used() == 40
    stale = RateBudget(BudgetConfig(window_s=60), clock)
    stale.restore(count, 120)
    assert stale.used() == 0


def test_the_run_ends_at_the_same_instant_for_every_question() -> None:
    """`used()` and `reset_at()` must agree to the last bit: a request admitted at the end of
    a run and counted inside it would start a whole new window of silence."""
    clock = FakeClock()
    clock.now = 1519.32  # last + quiet_s - last rounds below quiet_s here
    budget = RateBudget(BudgetConfig(limit=60, window_s=60), clock)
    for _ in range(budget.config.ceiling):
        budget.note_sent(RequestKind.RESULT)
        budget.note_answered(200)
    reset = budget.reset_at()
    assert reset is not None
    clock.now = reset
    assert budget.delay(RequestKind.HEARTBEAT) == 0
    assert budget.used() == 0
    budget.note_sent(RequestKind.HEARTBEAT)
    assert budget.used() == 1


def spend(budget: RateBudget, clock: FakeClock, requests: int, every_s: float = 2.0) -> None:
    for _ in range(requests):
        budget.note_sent(RequestKind.PULL)
        budget.note_answered(204)
        clock.now += every_s


def test_background_waits_while_the_phone_is_busy_and_results_do_not() -> None:
    """A call is silence the server counts towards a reset: a heartbeat in it would waste it."""
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(limit=60, window_s=60), clock)
    budget.note_busy(True)
    assert budget.delay(RequestKind.HEARTBEAT) > 0
    assert budget.delay(RequestKind.TELEMETRY) > 0
    assert budget.delay(RequestKind.RESULT) == 0
    budget.note_busy(False)
    assert budget.delay(RequestKind.HEARTBEAT) == 0


def test_a_call_end_with_little_of_the_silence_left_finishes_it() -> None:
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(limit=60, window_s=60), clock)
    spend(budget, clock, 40)
    budget.note_busy(True)
    clock.now += budget.config.quiet_s - 5  # a call that left 5 s of the window to wait out
    budget.note_busy(False)
    left = budget.quiet_until()
    assert left is not None
    assert left - clock.now == pytest.approx(5, abs=2.1)
    for kind in RequestKind:
        assert budget.delay(kind) == pytest.approx(left - clock.now)
    clock.now = left
    assert budget.used() == 0
    assert budget.delay(RequestKind.PULL) == 0
    assert budget.silences_at_call_end == 1


def test_a_short_call_with_budget_to_spare_leaves_pulls_going() -> None:
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(limit=60, window_s=60), clock)
    spend(budget, clock, 5)
    budget.note_busy(True)
    clock.now += 12
    budget.note_busy(False)
    assert budget.quiet_until() is None
    assert budget.delay(RequestKind.PULL) == 0
    assert budget.delay(RequestKind.RESULT) == 0


def test_a_budget_that_cannot_pay_for_another_call_takes_the_silence_whatever_is_left() -> None:
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(limit=60, window_s=60), clock)
    spend(budget, clock, budget.config.pull_ceiling - 3)
    budget.note_busy(True)
    clock.now += 15  # most of the window is still to come
    budget.note_busy(False)
    quiet = budget.quiet_until()
    assert quiet is not None
    assert quiet == budget.reset_at()


def after_calls(call_s: float) -> RateBudget:
    """A budget after eight calls of `call_s`, each after a free spell of ten pulls."""
    clock = FakeClock()
    config = BudgetConfig(limit=60, window_s=60, min_interval_s=2.0, max_interval_s=8.0)
    budget = RateBudget(config, clock)
    for _ in range(8):
        clock.now += budget.delay(RequestKind.PULL)  # a silence the planner chose
        spend(budget, clock, 10)
        budget.note_busy(True)
        clock.now += call_s
        budget.note_busy(False)
    return budget


def test_pulls_go_at_the_fastest_pace_while_calls_end_the_run_for_free() -> None:
    budget = after_calls(120)  # each call longer than the window ends the run by itself
    assert budget.used() == 0
    assert budget.pull_interval() == pytest.approx(2.0)


def test_pulls_slow_down_when_calls_are_too_short_to_end_the_run() -> None:
    """The run must then last through several calls, so that one of them ends with little of
    the silence left to wait out: fewer pulls per free spell."""
    budget = after_calls(20)
    assert 2.0 < budget.pull_interval() <= 8.0


def play_short_call_shift(seed: int, hours: float = 4.0) -> list[float]:
    """An operator's shift with 10–60 s calls, on the production limiter, in simulated time:
    the next command is queued an exponential think (mean 20 s) after the last call ended;
    pulls go when the planner admits them, none while busy; one result per call; a heartbeat
    every five minutes. Returns how long each command waited for its pull."""
    rng = random.Random(seed)
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(limit=60, window_s=60, min_interval_s=2.0), clock, rng=rng)
    server = LimiterModel(60, 60.0)
    step = 0.05
    end = clock.now + hours * 3600
    queued_at = clock.now + rng.expovariate(1 / 20)
    busy_until: float | None = None
    result_due = False
    next_heartbeat = clock.now
    last_pull = -1e9
    waits: list[float] = []

    def send(kind: RequestKind) -> None:
        budget.note_sent(kind)
        status = server.arrive(clock.now)
        budget.note_answered(status)
        assert status == 200

    while clock.now < end:
        if busy_until is not None and clock.now >= busy_until:
            busy_until = None
            budget.note_busy(False)
            result_due = True
            queued_at = clock.now + rng.expovariate(1 / 20)
        if result_due and budget.delay(RequestKind.RESULT) == 0:
            send(RequestKind.RESULT)
            result_due = False
        if clock.now >= next_heartbeat and budget.delay(RequestKind.HEARTBEAT) == 0:
            send(RequestKind.HEARTBEAT)
            next_heartbeat = clock.now + 300
        if (
            busy_until is None
            and budget.delay(RequestKind.PULL) == 0
            and clock.now - last_pull >= budget.pull_interval()
        ):
            last_pull = clock.now
            send(RequestKind.PULL)
            if clock.now >= queued_at:
                waits.append(clock.now - queued_at)
                busy_until = clock.now + 1.0 + rng.uniform(10, 60)
                budget.note_busy(True)
        clock.now += step
    return waits


@pytest.mark.parametrize("seed", range(3))
def test_with_short_calls_no_command_waits_out_a_window_in_front_of_it(seed: int) -> None:
    """Calls shorter than the window never reset the count by themselves, so runs end in a
    forced silence. Taken at a call's end, most of it is hidden by the call; taken in front of
    a command, it costs that command up to a whole window."""
    waits = sorted(play_short_call_shift(seed))
    assert len(waits) > 150
    assert waits[-1] <= 60
    assert waits[int(len(waits) * 0.95)] <= 10


def test_a_desk_sharing_the_limit_probes_at_least_every_quarter_window() -> None:
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(window_s=60), clock, rng=random.Random(3))
    budget.note_sent(RequestKind.PULL)
    budget.note_answered(204)
    first = budget.note_rate_limited(RequestKind.PULL, None)  # at 1 request of 58: not ours
    assert budget.shared()
    assert first == pytest.approx(budget.config.quiet_s)  # nothing opens before that
    delays = []
    for _ in range(8):
        clock.now += budget.delay(RequestKind.PULL)
        budget.note_sent(RequestKind.PULL)
        budget.note_answered(429)
        delays.append(budget.note_rate_limited(RequestKind.PULL, None))
    assert max(delays) <= 60 / 4 * 1.2
    assert len({round(d, 3) for d in delays[-4:]}) == 4  # jittered, not in step


@pytest.mark.parametrize("seed", range(3))
def test_desks_sharing_one_address_are_none_of_them_starved(seed: int) -> None:
    """Twenty desks behind one address, half an hour of simulated time: each pulls when its
    planner lets it, and its operator gets a command a think time after the last call. The
    address is over its limit most of the time (lockouts are unavoidable); what the planner
    owes is that no desk waits much longer than a lockout for its command."""
    rng = random.Random(seed)
    clock = FakeClock()
    server = LimiterModel(60, 60.0)
    config = BudgetConfig(limit=60, window_s=60, min_interval_s=2.0)
    desks = range(20)
    budgets = [RateBudget(config, clock, rng=random.Random(seed * 100 + d)) for d in desks]
    last_pull = [-1e9 for _ in desks]
    busy_until = [0.0 for _ in desks]
    command_at = [clock.now + rng.uniform(10, 40) for _ in desks]
    results_due = [0 for _ in desks]
    waits: list[float] = []

    def send(desk: int, kind: RequestKind) -> bool:
        budget = budgets[desk]
        budget.note_sent(kind)
        status = server.arrive(clock.now)
        budget.note_answered(status)
        if status == 429:
            budget.note_rate_limited(kind, None)
        return status != 429

    end = clock.now + 30 * 60
    while clock.now < end:
        for desk in desks:
            budget = budgets[desk]
            if results_due[desk] and budget.delay(RequestKind.RESULT) == 0:
                results_due[desk] -= send(desk, RequestKind.RESULT)
            if (
                clock.now >= busy_until[desk]
                and budget.delay(RequestKind.PULL) == 0
                and clock.now - last_pull[desk] >= budget.pull_interval()
            ):
                last_pull[desk] = clock.now
                if send(desk, RequestKind.PULL) and clock.now >= command_at[desk]:
                    waits.append(clock.now - command_at[desk])
                    busy_until[desk] = clock.now + rng.uniform(20, 60)
                    results_due[desk] += 1
                    command_at[desk] = busy_until[desk] + rng.uniform(10, 40)
        clock.now += 0.25
    assert server.refused > 0  # the office is over the limit: lockouts happen
    assert len(waits) > 300
    assert max(waits) <= 1.5 * 60, sorted(waits)[-5:]
    assert all(b.shared() for b in budgets)


def test_a_large_limit_never_makes_short_calls_wait_out_a_window() -> None:
    # Against a limit of 100 000 the planner took a silence of a minute after a few dozen
    # back-to-back short calls: with thousands of calls left, the threshold sank to the lowest
    # leftover seen, and a leftover as low as that called for a silence.
    clock = FakeClock()
    budget = RateBudget(BudgetConfig(limit=100_000, window_s=60, min_interval_s=0.05), clock)
    for call_s in [45.0] + [0.3] * 80 + [45.0]:
        spend(budget, clock, 3, every_s=0.1)
        budget.note_busy(True)
        clock.now += call_s
        budget.note_busy(False)
        assert budget.quiet_until() is None, call_s
        assert budget.delay(RequestKind.PULL) == 0
    assert budget.silences_at_call_end == 0
