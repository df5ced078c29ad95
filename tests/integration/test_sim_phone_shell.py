"""The simulated phone's shell: the sh an adb client's command lines meet (in-process, no adb)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from softphone.sim.phone import CallScript, SimPhone


@pytest.fixture
def phone() -> Iterator[SimPhone]:
    phone = SimPhone()
    yield phone
    phone.stop()


@pytest.mark.parametrize(
    ("line", "output", "status"),
    [
        ("echo hi; echo X4EXIT:$?", "hi\nX4EXIT:0\n", 0),
        ("false; echo X4EXIT:$?", "X4EXIT:1\n", 0),
        ("true && echo yes", "yes\n", 0),
        ("false && echo yes", "", 1),
        ("false || echo rescued", "rescued\n", 0),
        ("false && echo no || echo $?", "1\n", 0),
        ("true || echo no; echo after", "after\n", 0),
        ("echo 'a  b' \"c $? d\" e\\ f", "a  b c 0 d e f\n", 0),
        ("echo '$?' \"\\$?\"", "$? $?\n", 0),
        ("echo -n x", "x", 0),
        ("echo a | grep b; echo $?", "1\n", 0),
        ("getprop ro.product.model | grep -q Pixel && echo found", "found\n", 0),
        ("exit 3; echo never", "", 3),
        ("echo one\necho two", "one\ntwo\n", 0),
        ("echo $UNSET x", "x\n", 0),
        ("echo a # a comment", "a\n", 0),
        ("whoami", "shell\n", 0),
    ],
)
def test_shell_runs_lists_pipes_and_quotes_like_sh(
    phone: SimPhone, line: str, output: str, status: int
) -> None:
    assert phone.run_shell(line) == (output, status)


def test_unknown_command_answers_like_androids_mksh(phone: SimPhone) -> None:
    assert phone.run_shell("frob a b; echo $?") == (
        "/system/bin/sh: frob: inaccessible or not found\n127\n",
        0,
    )


def test_error_text_comes_before_later_output_so_exit_markers_stay_last(
    phone: SimPhone,
) -> None:
    output, _ = phone.run_shell(
        "content query --uri content://call_log/calls --sort 'date LIMIT 1'; echo X4EXIT:$?"
    )

    assert output.startswith("Error while accessing provider:call_log\n")
    assert output.endswith("\nX4EXIT:0\n")


@pytest.mark.parametrize(
    ("line", "output"),
    [
        ("frob 2>/dev/null; echo $?", "127\n"),
        ("frob 2>&1 | grep -q 'not found' && echo piped", "piped\n"),
        (
            "frob | grep -q 'not found' || echo unpiped",
            "/system/bin/sh: frob: inaccessible or not found\nunpiped\n",
        ),
        ("echo hidden >/dev/null", ""),
        ("echo hidden > /dev/null", ""),
        ("frob >/dev/null 2>&1; echo $?", "127\n"),
        ("frob 2>&1 >/dev/null", "/system/bin/sh: frob: inaccessible or not found\n"),
        ("frob &>/dev/null || echo quiet", "quiet\n"),
        ("echo saved > /sdcard/out.txt; echo $?", "0\n"),
        ("echo x>/data/local/tmp/f", ""),
    ],
)
def test_common_redirections_are_understood(phone: SimPhone, line: str, output: str) -> None:
    assert phone.run_shell(line)[0] == output


def test_unquoted_comparison_is_a_redirection_to_a_read_only_file_as_on_android(
    phone: SimPhone,
) -> None:
    # `adb shell content query … --where date>=0` reaches sh unquoted: `>=0` is a redirection.
    output, status = phone.run_shell("content query --uri content://call_log/calls --where date>=0")

    assert output == "/system/bin/sh: can't create =0: Read-only file system\n"
    assert status == 1


def test_reading_a_missing_file_fails_before_the_command_runs(phone: SimPhone) -> None:
    assert phone.run_shell("grep x < /nope; echo $?") == (
        "/system/bin/sh: can't open /nope: No such file or directory\n1\n",
        0,
    )


@pytest.mark.parametrize(
    "line", ["echo 'open", 'echo "open', "&& echo x", "echo x |", "echo (x)", "echo >", "echo > ;"]
)
def test_syntax_errors_print_an_sh_error_and_run_nothing(phone: SimPhone, line: str) -> None:
    output, status = phone.run_shell(line)

    assert output.startswith("/system/bin/sh: syntax error: ")
    assert status == 1


def test_grep_understands_the_flags_clients_use(phone: SimPhone) -> None:
    dump = "dumpsys telephony.registry"
    assert phone.run_shell(f"{dump} | grep mCallState") == ("    mCallState=0\n", 0)
    assert phone.run_shell(f"{dump} | grep -i MCALLSTATE=")[0] == "    mCallState=0\n"
    assert phone.run_shell(f"{dump} | grep -E 'mCallState=[0-2]'")[0] == "    mCallState=0\n"
    assert "mCallState" not in phone.run_shell(f"{dump} | grep -v mCallState")[0]


def test_getprop_without_a_key_lists_every_property(phone: SimPhone) -> None:
    output, _ = phone.run_shell("getprop")

    assert "[ro.product.model]: [Pixel 7]\n" in output
    assert "[ro.build.version.sdk]: [34]\n" in output
    assert phone.run_shell("getprop no.such.prop") == ("\n", 0)


def test_xiaomi_phone_reports_its_miui_version() -> None:
    phone = SimPhone(model="Redmi Note 12", manufacturer="Xiaomi", release="13", sdk=33)
    try:
        assert phone.run_shell("getprop ro.miui.ui.version.name")[0].strip() != ""
        assert phone.run_shell("getprop ro.product.brand") == ("xiaomi\n", 0)
    finally:
        phone.stop()


def test_date_prints_the_phone_clock_in_the_requested_format() -> None:
    phone = SimPhone(clock=lambda: 100.0, wall_clock=lambda: 1_700_000_000.25, clock_skew_ms=500)
    try:
        assert phone.run_shell("date +%s%3N") == ("1700000000750\n", 0)
        assert phone.run_shell("date +%s") == ("1700000000\n", 0)
        assert phone.run_shell("date +%Y-%m-%d") == ("2023-11-14\n", 0)
    finally:
        phone.stop()


def test_cmd_reaches_activity_and_input_and_refuses_unknown_services(phone: SimPhone) -> None:
    started, _ = phone.run_shell("cmd activity start -a android.intent.action.DIAL -d tel:123")

    assert started.startswith("Starting: Intent { act=android.intent.action.DIAL")
    assert phone.run_shell("cmd nothing")[0] == "cmd: Can't find service: nothing\n"


def test_run_shell_is_not_recorded_as_a_received_command(phone: SimPhone) -> None:
    phone.run_shell("echo hi")

    assert phone.commands() == []


_SAFE = st.text(
    alphabet=st.characters(blacklist_characters="'\n\r\x00", blacklist_categories=("Cs",)),
    max_size=40,
)


@given(_SAFE)
def test_single_quoted_text_reaches_the_command_unchanged(text: str) -> None:
    phone = SimPhone()
    try:
        assert phone.run_shell(f"echo -n '{text}'") == (text, 0)
    finally:
        phone.stop()


CALL = "am start -a android.intent.action.CALL -d tel:+79991234567"


@pytest.mark.parametrize(
    "line",
    [
        f"{CALL} -W",
        f"{CALL} --user 0",
        f"{CALL} --es com.example.extra 'a value' --ez flag true",
        f"{CALL} -f 0x10000000",
        "am start -W -a android.intent.action.CALL tel:+79991234567",
    ],
)
def test_am_start_understands_option_arguments_and_places_the_call(
    phone: SimPhone, line: str
) -> None:
    output, status = phone.run_shell(line)

    assert output.startswith("Starting: Intent { act=android.intent.action.CALL dat=tel:x")
    assert status == 0
    assert phone.state()["calls_started"] == 1


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (f"{CALL} --bogus", "Unknown option: --bogus"),
        ("am start -a android.intent.action.CALL -d", 'Argument expected after "-d"'),
    ],
)
def test_am_start_with_a_bad_argument_prints_the_exception_and_no_starting_line(
    phone: SimPhone, line: str, message: str
) -> None:
    output, _ = phone.run_shell(line)

    assert output.startswith("Exception occurred while executing 'start':\n")
    assert f"java.lang.IllegalArgumentException: {message}\n" in output
    assert "Starting:" not in output
    assert phone.state()["calls_started"] == 0


def test_a_call_during_a_call_ends_the_first_one(phone: SimPhone) -> None:
    phone.set_log_delay(0)
    phone.push_scripts(CallScript(ring_s=30, outcome="no_answer"))
    phone.run_shell(CALL)
    phone.run_shell(CALL.replace("+79991234567", "+79990000000"))

    state = phone.state()
    assert state["calls_started"] == 2
    assert state["current_call"]["number"] == "+79990000000"
    assert [row["number"] for row in phone.call_log()] == ["+79991234567"]


def test_stop_is_safe_twice_and_leaves_an_empty_log(phone: SimPhone) -> None:
    phone.add_call_log_row(number="+79990000000")
    phone.stop()
    phone.stop()

    assert phone.call_log() == []
