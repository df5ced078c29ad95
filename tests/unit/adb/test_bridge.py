"""What a probe's answers say a phone can do, read without a phone (`capabilities_from`)."""

from __future__ import annotations

import pytest

from softphone.adb import bridge
from softphone.adb.bridge import ProbeAnswers, capabilities_from
from softphone.problems import Problem, ProblemKind

TWO_SIMS = "[gsm.sim.state]: [READY,READY]\n[ro.product.model]: [Redmi Note 8 Pro]\n"
ONE_SIM = "[gsm.sim.state]: [READY,ABSENT]\n[ro.build.version.sdk]: [34]\n"
NO_SIM = "[gsm.sim.state]: [ABSENT,ABSENT]\n"
IDLE = "    mCallState=0\n    mCallState=0\n"
FINE_LOG = "No result found.\n"
DENIED_LOG = (
    "Error while accessing provider:call_log\n"
    "java.lang.SecurityException: Permission Denial: opening provider "
    "com.android.providers.contacts.CallLogProvider requires android.permission.READ_CALL_LOG\n"
)
BLOCKED_INPUT = (
    "java.lang.SecurityException: Injecting to another application requires INJECT_EVENTS "
    "permission\n"
)
NO_SETTINGS = "/system/bin/sh: settings: inaccessible or not found\n"


def probe(
    props: str = ONE_SIM,
    *,
    call_log: str = FINE_LOG,
    input_text: str = "",
    default_call_sim: str | None = None,
) -> bridge.Capabilities:
    answers = ProbeAnswers(props, call_log, input_text, IDLE, default_call_sim)
    return capabilities_from("R58M123ABC", answers, clock_offset_ms=1500)


def kinds(capabilities: bridge.Capabilities) -> list[ProblemKind]:
    return [problem.kind for problem in capabilities.problems]


def test_a_healthy_single_sim_phone_has_no_problems() -> None:
    capabilities = probe()
    assert capabilities.problems == []
    assert capabilities.sim_count == 1
    assert capabilities.sdk == 34
    assert capabilities.clock_offset_ms == 1500
    assert capabilities.call_state == 0
    assert (capabilities.default_call_sim, capabilities.default_call_sim_known) == (None, False)


@pytest.mark.parametrize("answer", ["null\n", "-1\n", "abc\n", "null\r\n"])
def test_two_sims_without_a_default_for_calls_is_no_default_sim(answer: str) -> None:
    capabilities = probe(TWO_SIMS, default_call_sim=answer)
    assert capabilities.sim_count == 2
    assert capabilities.default_call_sim is None and capabilities.default_call_sim_known
    assert capabilities.problems == [Problem(ProblemKind.NO_DEFAULT_SIM, params={"sims": 2})]


def test_two_sims_with_a_default_for_calls_is_fine_and_names_the_subscription() -> None:
    capabilities = probe(TWO_SIMS, default_call_sim="3\n")
    assert capabilities.default_call_sim == 3
    assert capabilities.problems == []


@pytest.mark.parametrize(
    "answer",
    [
        NO_SETTINGS,
        "",
        "cmd: Can't find service: settings\n",
        "java.lang.SecurityException: Permission Denial: reading settings\n",
    ],
)
def test_a_phone_that_cannot_say_its_default_sim_raises_no_problem(answer: str) -> None:
    capabilities = probe(TWO_SIMS, default_call_sim=answer)
    assert capabilities.default_call_sim is None
    assert not capabilities.default_call_sim_known
    assert capabilities.problems == []


def test_two_sims_not_asked_about_the_default_is_unknown_not_a_problem() -> None:
    assert probe(TWO_SIMS, default_call_sim=None).problems == []


def test_no_sim_ready_is_no_sim() -> None:
    capabilities = probe(NO_SIM)
    assert capabilities.sim_count == 0
    assert capabilities.problems == [Problem(ProblemKind.NO_SIM)]


def test_without_gsm_sim_state_the_sims_are_counted_from_the_call_state_lines() -> None:
    capabilities = probe("[ro.product.model]: [Pixel 7]\n", default_call_sim="null")
    assert capabilities.sim_count == 2  # two mCallState lines
    assert kinds(capabilities) == [ProblemKind.NO_DEFAULT_SIM]


def test_every_problem_is_listed_most_important_first() -> None:
    capabilities = probe(
        TWO_SIMS, call_log=DENIED_LOG, input_text=BLOCKED_INPUT, default_call_sim="null"
    )
    assert kinds(capabilities) == [
        ProblemKind.NO_DEFAULT_SIM,
        ProblemKind.CALL_LOG_DENIED,
        ProblemKind.INPUT_BLOCKED,
    ]
    assert capabilities.call_log.problem == capabilities.problems[1]
    assert capabilities.input.problem == capabilities.problems[2]
