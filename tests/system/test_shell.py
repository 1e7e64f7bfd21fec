"""System tests for the serial shell (issue 2), typed like a user at a
terminal: the command list, echo, line editing with arrows, backspace and
Ctrl-U, history, uptime and unknown commands."""

import re
import time

import pytest

from tern_shell import (BS, CTRL_C, CTRL_U, DEL, DOWN, END, HOME, LEFT, RIGHT,
                        UP, numbers, plain)

BASE_COMMANDS = ("help", "echo", "uptime", "meminfo", "ktest", "poweroff",
                 "reboot", "crash")


@pytest.mark.arm64
def test_help_lists_every_base_command(tern):
    out = tern.run("help")
    for name in BASE_COMMANDS:
        assert re.search(r"(?m)^\s*%s\b" % name, out), \
            "%s missing from help:\n%s" % (name, out)


@pytest.mark.arm64
def test_echo_prints_its_arguments(tern):
    assert tern.run("echo hello world").strip() == "hello world"


@pytest.mark.arm64
def test_empty_line_gives_a_new_prompt(tern):
    assert tern.run("").strip() == ""
    assert tern.run("echo ok").strip() == "ok"


@pytest.mark.arm64
def test_unknown_command_prints_error_and_returns_to_prompt(tern):
    out = tern.run("frobnicate now")
    assert "frobnicate" in out, out
    assert re.search(r"(?i)unknown|not found|no such", out), out
    assert tern.run("echo still here").strip() == "still here"


@pytest.mark.arm64
def test_left_arrow_and_backspace_edit_inside_the_line(tern):
    # "ecXo": left arrow to before 'o', backspace deletes 'X', type 'h',
    # right arrow back to the end: "echo edited".
    out = tern.run(b"ecXo" + LEFT + DEL + b"h" + RIGHT + b" edited")
    assert out.strip() == "edited"


@pytest.mark.arm64
def test_both_backspace_codes_delete(tern):
    out = tern.run(b"echo abc" + DEL + BS + b"d")
    assert out.strip() == "ad"


@pytest.mark.arm64
def test_backspace_at_line_start_is_harmless(tern):
    out = tern.run(DEL + BS + LEFT + b"echo ok")
    assert out.strip() == "ok"


@pytest.mark.arm64
def test_insert_in_the_middle_of_the_line(tern):
    out = tern.run(b"echo ac" + LEFT + b"b")
    assert out.strip() == "abc"


@pytest.mark.arm64
def test_ctrl_u_discards_the_line(tern):
    out = tern.run(b"frobnicate garbage" + CTRL_U + b"echo clean")
    assert out.strip() == "clean"
    assert "frobnicate" not in out


@pytest.mark.arm64
def test_history_up_reruns_previous_commands(tern):
    tern.run("echo first")
    tern.run("echo second")
    assert tern.run(UP + UP).strip() == "first"


@pytest.mark.arm64
def test_history_up_then_down_walks_back(tern):
    tern.run("echo first")
    tern.run("echo second")
    assert tern.run(UP + UP + DOWN).strip() == "second"


@pytest.mark.arm64
def test_history_up_stops_at_the_oldest_entry(tern):
    tern.run("echo only")
    assert tern.run(UP + UP + UP).strip() == "only"


@pytest.mark.arm64
def test_history_down_past_the_newest_gives_an_empty_line(tern):
    tern.run("echo first")
    out = tern.run(UP + DOWN + b"echo fresh")
    assert out.strip() == "fresh"


@pytest.mark.arm64
def test_edited_history_entry_runs_the_edit(tern):
    tern.run("echo one")
    out = tern.run(UP + DEL + DEL + DEL + b"two")
    assert out.strip() == "two"


@pytest.mark.arm64
def test_uptime_advances(tern):
    first = numbers(tern.run("uptime"))
    time.sleep(1.2)
    second = numbers(tern.run("uptime"))
    assert first and second, (first, second)
    assert second > first, (first, second)


@pytest.mark.arm64
def test_ctrl_c_cancels_the_line(tern):
    start = tern.pos
    tern.send_raw(b"frobnicate" + CTRL_C)
    tern.wait_prompt()
    assert not re.search(r"(?i)unknown|not found", tern.output(start))
    assert tern.run("echo ok").strip() == "ok"


@pytest.mark.arm64
def test_home_and_end_keys_jump(tern):
    out = tern.run(b"cho hi" + HOME + b"e" + END + b"!")
    assert out.strip() == "hi!"


@pytest.mark.arm64
def test_overlong_line_is_refused_audibly_not_silently(tern):
    start = tern.pos
    out = tern.run("echo " + "x" * 600)
    echoed = tern.output(start)
    # Either the whole line is taken, or the editor rings the bell (or
    # prints a message) when it refuses characters; never a crash.
    if plain(out).strip() != "x" * 600:
        assert "\a" in echoed or re.search(r"(?i)too long", out), echoed
        assert set(plain(out).strip()) <= {"x"}, out
    assert tern.run("echo ok").strip() == "ok"


@pytest.mark.arm64
def test_typing_raises_no_unclaimed_interrupt_warnings(tern):
    # Every byte typed raises a UART interrupt; none may be reported as
    # claimed by no handler (each of them is the serial driver's).
    for i in range(3):
        assert tern.run("echo typed %d" % i).strip() == "typed %d" % i
    assert "claimed by no handler" not in tern.output(), tern.output()


@pytest.mark.arm64
def test_pasted_lines_run_in_order(tern):
    start = tern.pos
    tern.send_raw(b"echo one\recho two\r\necho three\n")
    for _ in range(3):
        tern.wait_prompt()
    outputs = re.findall(r"(?m)^(one|two|three)$", plain(tern.output(start)))
    assert outputs == ["one", "two", "three"], tern.output(start)
    assert tern.run("echo four").strip() == "four"


@pytest.mark.arm64
@pytest.mark.parametrize("line", [
    "uptime now", "poweroff now", "reboot now", "meminfo bogus",
    "dmesg bogus", "loglevel 99", "help echo extra", "help nosuch",
])
def test_bad_arguments_print_an_error_and_change_nothing(tern, line):
    out = tern.run(line)
    assert re.search(r"(?i)usage|invalid|unknown|no command|no such|error",
                     out), "no error for %r:\n%s" % (line, out)
    assert tern.proc.poll() is None  # neither powered off nor rebooted
    assert tern.run("echo still here").strip() == "still here"


@pytest.mark.arm64
def test_help_for_one_command_shows_its_usage(tern):
    out = tern.run("help echo")
    assert "echo [text...]" in out or re.search(r"(?i)usage:?\s*echo", out), out


@pytest.mark.arm64
def test_kernel_messages_while_typing_leave_commands_intact(boot):
    # USB hot-plug makes the kernel log from interrupt/work context at any
    # moment, also into a half-typed line; every command must still run as
    # typed and print its own output.
    vm = boot(usb="uhci-hubs")
    for i in range(24):
        if i % 4 == 0:
            vm.device_add("usb-kbd", "hotkbd", bus="uhci.0", port="1.3")
        elif i % 4 == 2:
            vm.device_del("hotkbd")
        # Typed slowly, so that messages cut into the line.
        out = vm.run("echo round %d" % i, char_delay=0.01)
        assert out.strip() == "round %d" % i
    hotplug_logs = re.findall(r"(?m)^.*\[\s*\d+\.\d+\] usb .*$", vm.output())
    assert len(hotplug_logs) > 6, "too few kernel messages to test with"
