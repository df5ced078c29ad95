"""correlate: which call-log row belongs to which call, and what the row can tell."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from softphone.correlate import (
    Window,
    find_match,
    number_score,
    outcome_from_row,
    outcome_unknown,
    outcome_with_cause,
)
from softphone.model import (
    CallLogRow,
    CallLogType,
    CallOutcome,
    CallStatus,
    Direction,
    ResolveMethod,
)
from softphone.problems import Reason

DIAL = 1_764_151_200_000  # phone clock, ms
NUMBER = "+79123456789"


def row(
    id_: int,
    number: str | None = NUMBER,
    date: int = DIAL + 500,
    duration: int = 42,
    type_: CallLogType = CallLogType.OUTGOING,
) -> CallLogRow:
    return CallLogRow(id=id_, number=number, date_ms=date, duration_s=duration, type=type_)


def window(end: int | None = DIAL + 60_000) -> Window:
    return Window.for_call(DIAL, end, now_ms=DIAL + 120_000)


def test_number_scores_full_then_national() -> None:
    assert number_score("+79123456789", NUMBER) == 1.0
    assert number_score("89123456789", NUMBER) == 0.9  # national 10 digits
    assert number_score("9123456789", NUMBER) == 0.9
    assert number_score("+79123456780", NUMBER) == 0.0
    assert number_score(None, NUMBER) == 0.0
    assert number_score("112", "112") == 1.0


def test_the_row_of_the_call_is_found() -> None:
    match = find_match([row(1)], number=NUMBER, window=window(), dial_ms=DIAL)
    assert match is not None and match.row.id == 1 and match.confidence == 1.0


def test_a_hand_made_call_to_another_number_in_the_same_minute_is_not_taken() -> None:
    rows = [row(1, number="+79990000000", date=DIAL + 200), row(2, date=DIAL + 900)]
    match = find_match(rows, number=NUMBER, window=window(), dial_ms=DIAL)
    assert match is not None and match.row.id == 2


def test_a_row_before_the_dial_or_after_the_end_is_not_taken() -> None:
    early = row(1, date=DIAL - 30_000)  # the same number dialled by hand half a minute earlier
    late = row(2, date=DIAL + 61_000 + 3_001)
    assert find_match([early, late], number=NUMBER, window=window(), dial_ms=DIAL) is None


def test_a_claimed_row_is_never_claimed_again() -> None:
    rows = [row(1), row(2, date=DIAL + 5_000)]
    match = find_match(rows, number=NUMBER, window=window(), claimed={1}, dial_ms=DIAL)
    assert match is not None and match.row.id == 2
    assert find_match(rows, number=NUMBER, window=window(), claimed={1, 2}) is None


def test_only_outgoing_rows_match_a_call_we_placed() -> None:
    incoming = row(1, type_=CallLogType.INCOMING)
    assert find_match([incoming], number=NUMBER, window=window(), dial_ms=DIAL) is None


def test_the_closest_row_to_the_dial_wins_and_edges_lower_confidence() -> None:
    rows = [row(1, date=DIAL + 20_000), row(2, date=DIAL + 800)]
    match = find_match(rows, number=NUMBER, window=window(), dial_ms=DIAL)
    assert match is not None and match.row.id == 2 and match.confidence == 1.0
    far = find_match([row(3, date=DIAL + 20_000)], number=NUMBER, window=window(), dial_ms=DIAL)
    assert far is not None and far.confidence == 0.8


def test_window_without_an_end_runs_to_now() -> None:
    w = Window.for_call(DIAL, None, now_ms=DIAL + 10_000, slack_ms=1_000)
    assert (w.start_ms, w.end_ms) == (DIAL - 1_000, DIAL + 11_000)
    assert DIAL + 10_500 in w and DIAL + 11_001 not in w


def test_a_connected_call_starts_when_it_was_placed_the_rows_date_not_when_answered() -> None:
    ended = dt.datetime.fromtimestamp((DIAL + 60_000) / 1000, dt.UTC)
    match = find_match([row(7, duration=42)], number=NUMBER, window=window(), dial_ms=DIAL)
    assert match is not None
    outcome = outcome_from_row(match, clock_offset_ms=0, ended_at=ended)
    assert outcome.status is CallStatus.CONNECTED and outcome.direction is Direction.OUTGOING
    assert outcome.duration_s == 42 and outcome.ended_at == ended
    # What the CRM's own Android app sends: the call-log row's `date`.
    assert outcome.started_at is not None
    assert outcome.started_at.timestamp() * 1000 == DIAL + 500
    assert outcome.call_log_id == 7 and outcome.resolve_method is ResolveMethod.OBSERVER


def test_zero_duration_is_not_connected_and_says_why() -> None:
    match = find_match([row(1, duration=0)], number=NUMBER, window=window(), dial_ms=DIAL)
    assert match is not None
    outcome = outcome_from_row(match, clock_offset_ms=0)
    assert outcome.status is CallStatus.NO_ANSWER
    assert outcome.reason is Reason.NOT_CONNECTED
    assert outcome.duration_s == 0


def test_phone_clock_offset_is_taken_out() -> None:
    match = find_match([row(1, duration=0)], number=NUMBER, window=window(), dial_ms=DIAL)
    assert match is not None
    outcome = outcome_from_row(match, clock_offset_ms=5_000)
    assert outcome.started_at is not None
    assert outcome.started_at.timestamp() * 1000 == DIAL + 500 - 5_000


def test_other_types_map_as_the_spec_says() -> None:
    def status_of(type_: CallLogType, duration: int = 10) -> tuple[CallStatus, Direction]:
        from softphone.correlate import Match

        out = outcome_from_row(
            Match(row(1, type_=type_, duration=duration), 1.0), clock_offset_ms=0
        )
        return out.status, out.direction

    assert status_of(CallLogType.INCOMING) == (CallStatus.CONNECTED, Direction.INCOMING)
    assert status_of(CallLogType.INCOMING, 0) == (CallStatus.MISSED, Direction.INCOMING)
    assert status_of(CallLogType.MISSED, 0) == (CallStatus.MISSED, Direction.MISSED)
    assert status_of(CallLogType.REJECTED, 0) == (CallStatus.REJECTED, Direction.INCOMING)
    assert status_of(CallLogType.UNKNOWN)[0] is CallStatus.UNKNOWN


def test_unknown_outcome_carries_its_reason() -> None:
    out = outcome_unknown(Reason.MISSING_CALLLOG_PERMISSION, detail="Permission Denial")
    assert out.status is CallStatus.UNKNOWN
    assert out.reason is Reason.MISSING_CALLLOG_PERMISSION
    assert out.reason_detail == "Permission Denial"


def not_connected() -> CallOutcome:
    match = find_match([row(1, duration=0)], number=NUMBER, window=window(), dial_ms=DIAL)
    assert match is not None
    return outcome_from_row(match, clock_offset_ms=0)


def test_telecoms_busy_and_rejected_tell_a_not_connected_call_apart() -> None:
    base = not_connected()
    raw = "DisconnectCause [ Code: (BUSY) Label: () Description: () Reason: (BUSY) Tone: (95) ]"
    busy = outcome_with_cause(base, "BUSY", raw)
    assert (busy.status, busy.reason, busy.disconnect_cause) == (
        CallStatus.BUSY,
        Reason.TELECOM_BUSY,
        raw,
    )
    rejected = outcome_with_cause(base, "REJECTED", "…(REJECTED)…")
    assert (rejected.status, rejected.reason) == (CallStatus.REJECTED, Reason.TELECOM_REJECTED)
    local = outcome_with_cause(base, "LOCAL", "…(LOCAL)…")
    assert (local.status, local.reason) == (CallStatus.NO_ANSWER, Reason.TELECOM_NO_ANSWER)
    assert outcome_with_cause(base, None, None) == base


def test_a_connected_call_stays_connected_whatever_telecom_says() -> None:
    match = find_match([row(1, duration=30)], number=NUMBER, window=window(), dial_ms=DIAL)
    assert match is not None
    connected = outcome_from_row(match, clock_offset_ms=0)
    told = outcome_with_cause(connected, "BUSY", "…(BUSY)…")
    assert told.status is CallStatus.CONNECTED and told.disconnect_cause == "…(BUSY)…"


@given(
    st.lists(
        st.tuples(
            st.integers(1, 50),
            st.integers(-100_000, 100_000),
            st.sampled_from([NUMBER, "89123456789", "+79990000000", None]),
            st.sampled_from(list(CallLogType)),
        ),
        max_size=30,
    ),
    st.sets(st.integers(1, 50)),
)
def test_a_match_is_always_unclaimed_outgoing_in_window_and_same_number(
    spec: list[tuple[int, int, str | None, CallLogType]], claimed: set[int]
) -> None:
    rows = [row(i, number=n, date=DIAL + d, type_=t) for i, d, n, t in spec]
    w = window()
    match = find_match(rows, number=NUMBER, window=w, claimed=claimed, dial_ms=DIAL)
    if match is None:
        return
    assert match.row.id not in claimed
    assert match.row.type is CallLogType.OUTGOING
    assert match.row.date_ms in w
    assert number_score(match.row.number, NUMBER) > 0
    assert 0 < match.confidence <= 1
