#!/usr/bin/env python3
"""Boots Tern in QEMU, for people (`make run`) and for tests.

As a command (`scripts/qemu.py --help`) it builds the QEMU command line for
an architecture (`--arch x86_64`, the default: GRUB ISO on q35/pc; `--arch
arm64`: the ELF kernel with -kernel on virt), a memory size, a USB topology
preset and an optional extra kernel command line, then either hands the
terminal to QEMU (`--interactive`, serial console on stdio) or streams the
serial console to stdout and exits with QEMU's exit status. USB presets are
the same on both: on arm64 their controllers sit on virt's PCIe host.

As a module it provides `Tern`, the handle the system tests (tests/system)
and benchmarks drive a VM with: QEMU starts paused, the serial port (a unix
socket) and QMP are connected, then the VM runs, so no output is ever lost.
Every wait has a timeout whose error carries the tail of the serial log, and
`close()` always kills QEMU (also from an atexit hook, should a caller
forget).
"""

import argparse
import atexit
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROMPT = "tern> "
# x86: isa-debug-exit, outb(0xf4, 0x10) -> (0x10 << 1) | 1; arm64 passes
# the same (code << 1) | 1 to semihosting SYS_EXIT.
EXIT_PASS = 33
EXIT_FAIL = 35  # outb(0xf4, 0x11)


class Arch:
    """What differs between the architectures when booting: the QEMU
    binary, the boot image the build leaves (BUILD, as make sees it) and
    how it is handed over."""

    def __init__(self, name, qemu, build, image):
        self.name = name
        self.qemu = qemu
        self.build = build
        self.image = image

    def default_image(self):
        return os.path.join(ROOT, self.build, self.image)


ARCHES = {
    "x86_64": Arch("x86_64", os.environ.get("QEMU", "qemu-system-x86_64"),
                   os.environ.get("BUILD", "build"), "tern.iso"),
    "arm64": Arch("arm64", os.environ.get("QEMU_ARM64", "qemu-system-aarch64"),
                  os.environ.get("BUILD_ARM64", "build/arm64"), "tern.elf"),
}
DEFAULT_ISO = ARCHES["x86_64"].default_image()
QEMU = ARCHES["x86_64"].qemu
# Slow shared machines: TERN_TIMEOUT_SCALE=3 triples every default timeout.
TIMEOUT_SCALE = float(os.environ.get("TERN_TIMEOUT_SCALE", "1"))
BOOT_TIMEOUT = 30.0 * TIMEOUT_SCALE
COMMAND_TIMEOUT = 15.0 * TIMEOUT_SCALE
SERIAL_WINDOW = 4 << 20  # bytes of serial output kept in memory for matching
FW_CFG_CMDLINE = "opt/tern/cmdline"
DISPLAY_ID = "video0"  # the VGA device USB keyboards bind to (display=video0)

# ---------------------------------------------------------------- topologies
# A preset is a machine type plus -device arguments. A device with
# drive=stick0 (usb-storage) gets a scratch raw disk image made for the VM.

ICH9_EHCI_COMPANIONS = (
    # EHCI port n (1..6) belongs to companion (n-1)/2: ports 1-2 uhci1,
    # 3-4 uhci2, 5-6 uhci3 (ICH9 datasheet; QEMU hcd-ehci-pci/hcd-uhci).
    "ich9-usb-ehci1,id=ehci,addr=1d.7,multifunction=on",
    "ich9-usb-uhci1,id=uhci1,masterbus=ehci.0,firstport=0,addr=1d.0,multifunction=on",
    "ich9-usb-uhci2,id=uhci2,masterbus=ehci.0,firstport=2,addr=1d.1",
    "ich9-usb-uhci3,id=uhci3,masterbus=ehci.0,firstport=4,addr=1d.2",
)
PIIX3_UHCI = ("piix3-usb-uhci,id=uhci",)
HID_ON_UHCI = (
    "usb-kbd,id=kbd,bus=uhci.0,display=" + DISPLAY_ID,
    "usb-mouse,id=mouse,bus=uhci.0",
    "usb-tablet,id=tablet,bus=uhci.0",
)


HOST_CONTROLLER = re.compile(
    r"^(usb-ehci|ich9-usb-[eu]hci\d|piix[34]-usb-uhci|qemu-xhci|nec-usb-xhci),")


def xhci_hid(model):
    """An xHCI model (qemu-xhci or nec-usb-xhci: 4 USB 3 ports first, then
    4 USB 2) with a high-speed keyboard, mouse and tablet and a
    full-speed hub holding a full-speed tablet."""
    return (
        model + ",id=xhci",
        "usb-kbd,id=kbd,bus=xhci.0,port=1,display=" + DISPLAY_ID,
        "usb-mouse,id=mouse,bus=xhci.0,port=2",
        "usb-hub,id=hub1,bus=xhci.0,port=3",
        "usb-tablet,id=tablet2,bus=xhci.0,port=3.1,usb_version=1",
        "usb-tablet,id=tablet,bus=xhci.0,port=4",
    )


class Preset:
    def __init__(self, machine, devices, description):
        self.machine = machine
        self.devices = tuple(devices)
        self.description = description

    def usb_device_ids(self):
        """The id= of every USB device (not host controller) it adds."""
        return {re.search(r"\bid=([^,]+)", arg).group(1)
                for arg in self.devices
                if arg.startswith("usb-") and not HOST_CONTROLLER.match(arg)}


USB_PRESETS = {
    "none": Preset("q35", (), "no USB controller"),
    "default": Preset(
        "q35",
        ICH9_EHCI_COMPANIONS + (
            "usb-kbd,id=kbd,bus=ehci.0,port=1,display=" + DISPLAY_ID,
            "usb-mouse,id=mouse,bus=ehci.0,port=3,usb_version=1",
            "usb-tablet,id=tablet,bus=ehci.0,port=5",
        ),
        "q35, ICH9 EHCI + 3 UHCI companions; high-speed keyboard (port 1) "
        "and tablet (port 5) on EHCI, full-speed mouse (port 3) routed to "
        "companion uhci2",
    ),
    "ich9": Preset("q35", ICH9_EHCI_COMPANIONS,
                   "q35, ICH9 EHCI + 3 UHCI companions, no devices"),
    "q35-usb": Preset(
        "q35,usb=on",
        ("usb-kbd,id=kbd,display=" + DISPLAY_ID, "usb-tablet,id=tablet"),
        "-M q35,usb=on (firmware-default ICH9 EHCI + companions), keyboard, "
        "tablet",
    ),
    "uhci": Preset("pc", PIIX3_UHCI + HID_ON_UHCI,
                   "pc, piix3 UHCI (2 ports) with keyboard, mouse, tablet; "
                   "QEMU inserts a hub for the third device"),
    "uhci-hubs": Preset(
        "pc",
        PIIX3_UHCI + (
            "usb-hub,id=hub1,bus=uhci.0,port=1",
            "usb-kbd,id=kbd,bus=uhci.0,port=1.1,display=" + DISPLAY_ID,
            "usb-hub,id=hub2,bus=uhci.0,port=1.2",
            "usb-mouse,id=mouse,bus=uhci.0,port=1.2.1",
            "usb-tablet,id=tablet,bus=uhci.0,port=2",
        ),
        "pc, piix3 UHCI with a two-tier hub tree",
    ),
    "ich9-uhci": Preset(
        "q35",
        (
            "ich9-usb-uhci1,id=uhci1,addr=1d.0,multifunction=on",
            "ich9-usb-uhci2,id=uhci2,addr=1d.1",
            "ich9-usb-uhci3,id=uhci3,addr=1d.2",
            "usb-kbd,id=kbd,bus=uhci1.0,display=" + DISPLAY_ID,
            "usb-mouse,id=mouse,bus=uhci2.0",
            "usb-tablet,id=tablet,bus=uhci3.0",
        ),
        "q35, the three ICH9 UHCI functions without EHCI, one device each",
    ),
    "uhci-many": Preset(
        "pc",
        PIIX3_UHCI + tuple(
            "usb-%s,id=%s%d,bus=uhci.0" % (kind, kind, i)
            for i in range(4) for kind in ("kbd", "mouse", "tablet")),
        "pc, piix3 UHCI with 12 devices: QEMU inserts hubs by itself",
    ),
    "ehci": Preset(
        "q35",
        (
            "usb-ehci,id=ehci",
            "usb-kbd,id=kbd,bus=ehci.0,display=" + DISPLAY_ID,
            "usb-tablet,id=tablet,bus=ehci.0",
        ),
        "q35, standalone usb-ehci (high-speed devices only): keyboard, "
        "tablet",
    ),
    "storage": Preset(
        "q35",
        ICH9_EHCI_COMPANIONS + PIIX3_UHCI + (
            "usb-storage,id=stick,bus=ehci.0,port=2,drive=stick0",
            "usb-kbd,id=kbd,bus=ehci.0,port=1,display=" + DISPLAY_ID,
        ),
        "q35, ICH9 EHCI + companions with a keyboard and a usb-storage disk "
        "(16 MiB scratch image, sda) on EHCI, and an empty piix3 UHCI",
    ),
    "xhci-storage": Preset(
        "q35",
        (
            "qemu-xhci,id=xhci",
            "usb-storage,id=stick,bus=xhci.0,port=1,drive=stick0",
            "usb-kbd,id=kbd,bus=xhci.0,port=2,display=" + DISPLAY_ID,
        ),
        "q35, qemu-xhci with a SuperSpeed usb-storage disk (16 MiB scratch "
        "image, sda) and a keyboard",
    ),
    "reference": Preset(
        "q35",
        ICH9_EHCI_COMPANIONS + PIIX3_UHCI + (
            "usb-storage,id=stick,bus=ehci.0,port=1,drive=stick0",
            "usb-kbd,id=kbd,bus=ehci.0,port=2,usb_version=1,display="
            + DISPLAY_ID,
            "usb-mouse,id=mouse,bus=ehci.0,port=3,usb_version=1",
            "usb-tablet,id=tablet,bus=ehci.0,port=5,usb_version=1",
            "usb-hub,id=hub1,bus=uhci.0,port=1",
            "usb-kbd,id=kbd2,bus=uhci.0,port=1.1",
            "usb-mouse,id=mouse2,bus=uhci.0,port=1.2",
        ),
        "benchmark reference (7 devices): q35, ICH9 EHCI + companions with "
        "usb-storage (high speed) and full-speed keyboard, mouse, tablet "
        "routed to companions; piix3 UHCI with a hub holding a keyboard "
        "and a mouse",
    ),
    "xhci": Preset("q35", xhci_hid("qemu-xhci"),
                   "q35, qemu-xhci: high-speed keyboard, mouse, tablet, a "
                   "full-speed hub with a full-speed tablet"),
    "nec-xhci": Preset("q35", xhci_hid("nec-usb-xhci"),
                       "q35, nec-usb-xhci with the devices of preset xhci"),
    "xhci-reference": Preset(
        "q35",
        (
            "qemu-xhci,id=xhci,p2=8,p3=4",
            "usb-storage,id=stick,bus=xhci.0,port=1,drive=stick0",
            "usb-kbd,id=kbd,bus=xhci.0,port=2,usb_version=1,display="
            + DISPLAY_ID,
            "usb-mouse,id=mouse,bus=xhci.0,port=3,usb_version=1",
            "usb-tablet,id=tablet,bus=xhci.0,port=4,usb_version=1",
            "usb-hub,id=hub1,bus=xhci.0,port=6",
            "usb-kbd,id=kbd2,bus=xhci.0,port=6.1",
            "usb-mouse,id=mouse2,bus=xhci.0,port=6.2",
        ),
        "xHCI benchmark reference (7 devices, ../shared/peer mode xhci): "
        "qemu-xhci p2=8 p3=4, SuperSpeed usb-storage, full-speed keyboard, "
        "mouse, tablet, a hub with a keyboard and a mouse",
    ),
}
# Presets whose devices need a scratch disk ("drive=stick0").
DISK_DRIVE_ID = "stick0"
DISK_SIZE = 16 << 20


def fw_cfg_string(text):
    """QEMU's option parser splits on ',' and takes ',,' as a literal one."""
    return text.replace(",", ",,")


def _machine_argv(arch, image, machine, mem, cmdline):
    """The machine, the boot image and the way out (exit status)."""
    if arch == "arm64":
        # One machine: x86 presets' q35/pc choose a chipset virt has not.
        argv = [ARCHES[arch].qemu, "-accel", "tcg", "-M", "virt",
                "-cpu", "cortex-a57", "-m", str(mem), "-kernel", image,
                "-display", "none", "-nic", "none", "-semihosting"]
        return argv + (["-append", cmdline] if cmdline else [])
    argv = [ARCHES[arch].qemu, "-accel", "tcg", "-M", machine,
            "-m", str(mem), "-cdrom", image, "-boot", "d",
            "-display", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
            # A named VGA so USB keyboards can bind to it (display=video0)
            # and receive QMP input-send-event {"device": "video0"}.
            "-vga", "none", "-device", "VGA,id=" + DISPLAY_ID]
    if cmdline:
        argv += ["-fw_cfg", "name=%s,string=%s"
                 % (FW_CFG_CMDLINE, fw_cfg_string(cmdline))]
    return argv


def device_for(arch, dev):
    """A -device argument for arch: arm64 has no display for USB keyboards
    to bind to, so they take input from any QMP input-send-event."""
    if arch == "arm64":
        return re.sub(r",display=[^,]*", "", dev)
    return dev


def build_argv(iso, mem="128M", machine=None, usb="none", devices=(),
               cmdline=None, serial=None, qmp=None, paused=False, gdb=False,
               disk=None, no_reboot=True, extra_args=(), arch="x86_64"):
    """The full QEMU argv for arch, iso being its boot image (the ISO on
    x86_64, the ELF kernel on arm64). serial/qmp are QEMU chardev specs
    (e.g. 'mon:stdio', 'chardev:ser0') or None for none. no_reboot makes a
    guest reset (reboot, triple fault) end QEMU with status 0."""
    preset = USB_PRESETS[usb]
    argv = _machine_argv(arch, iso, machine or preset.machine, mem, cmdline)
    if serial:
        argv += ["-serial", serial]
    else:
        argv += ["-serial", "none"]
    if qmp:
        argv += ["-qmp", qmp]
    all_devices = list(preset.devices) + list(devices)
    if any("drive=" + DISK_DRIVE_ID in d for d in all_devices):
        if not disk:
            raise ValueError("USB preset %r needs a scratch disk image" % usb)
        argv += ["-drive", "if=none,id=%s,format=raw,file=%s"
                 % (DISK_DRIVE_ID, disk)]
    for dev in all_devices:
        argv += ["-device", device_for(arch, dev)]
    if no_reboot:
        argv.append("-no-reboot")
    if paused:
        argv.append("-S")
    if gdb:
        argv += ["-s", "-S"]
    return argv + list(extra_args)


# ---------------------------------------------------------------- errors


class TernError(Exception):
    """A VM did not do what a caller waited for; the message says what,
    with the tail of the serial log and QEMU's stderr."""


class TernTimeout(TernError):
    pass


class TernExited(TernError):
    """QEMU exited while the caller still waited for output."""


class QmpError(TernError):
    def __init__(self, command, error):
        self.error_class = error.get("class")
        self.desc = error.get("desc")
        super().__init__("QMP %s failed: %s: %s"
                         % (command, self.error_class, self.desc))


# ---------------------------------------------------------------- QMP


def _connect_unix(path, deadline):
    """Connects to a unix socket QEMU may have bound but not yet put into
    listening state (a window of a few instructions)."""
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(path)
            return sock
        except (ConnectionRefusedError, FileNotFoundError):
            sock.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.005)


class Qmp:
    """A QMP client on a unix socket: handles the greeting and capability
    negotiation, matches replies by id, collects asynchronous events."""

    def __init__(self, path, timeout):
        deadline = time.monotonic() + timeout
        self.sock = _connect_unix(path, deadline)
        self.events = []
        self._pending = b""
        self._next_id = 0
        greeting = self._read_message(deadline)
        if "QMP" not in greeting:
            raise TernError("unexpected QMP greeting: %r" % greeting)
        self.execute("qmp_capabilities", timeout=timeout)

    def _read_message(self, deadline):
        while b"\n" not in self._pending:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TernTimeout("no QMP message before the deadline")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                continue
            if not chunk:
                raise TernExited("QMP connection closed (QEMU exited)")
            self._pending += chunk
        line, self._pending = self._pending.split(b"\n", 1)
        return json.loads(line)

    def execute(self, command, args=None, timeout=COMMAND_TIMEOUT):
        self._next_id += 1
        request = {"execute": command, "id": self._next_id}
        if args:
            request["arguments"] = args
        self.sock.sendall(json.dumps(request).encode() + b"\n")
        deadline = time.monotonic() + timeout
        while True:
            msg = self._read_message(deadline)
            if "event" in msg:
                self.events.append(msg)
            elif msg.get("id") == self._next_id:
                if "error" in msg:
                    raise QmpError(command, msg["error"])
                return msg.get("return")

    def wait_event(self, name, timeout, since=0):
        """First event called name among events[since:], reading more as
        needed; returns (index, event)."""
        deadline = time.monotonic() + timeout
        while True:
            for i in range(since, len(self.events)):
                if self.events[i]["event"] == name:
                    return i, self.events[i]
            since = len(self.events)
            msg = self._read_message(deadline)
            if "event" in msg:
                self.events.append(msg)

    def close(self):
        self.sock.close()


# ---------------------------------------------------------------- keys

# QEMU QKeyCode names (qapi/ui.json) for the characters tests type through
# an emulated keyboard; (qcode, shift).
_UNSHIFTED = {
    " ": "spc", "\n": "ret", "\r": "ret", "\t": "tab", "\b": "backspace",
    "\x1b": "esc", "-": "minus", "=": "equal", "[": "bracket_left",
    "]": "bracket_right", ";": "semicolon", "'": "apostrophe",
    "`": "grave_accent", "\\": "backslash", ",": "comma", ".": "dot",
    "/": "slash",
}
_SHIFTED = {
    "!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "^": "6", "&": "7",
    "*": "8", "(": "9", ")": "0", "_": "minus", "+": "equal",
    "{": "bracket_left", "}": "bracket_right", ":": "semicolon",
    '"': "apostrophe", "~": "grave_accent", "|": "backslash", "<": "comma",
    ">": "dot", "?": "slash",
}


def qcode_for(ch):
    """(qcode, needs_shift) for one character."""
    if ch.isascii() and (ch.islower() or ch.isdigit()):
        return ch, False
    if ch.isascii() and ch.isupper():
        return ch.lower(), True
    if ch in _UNSHIFTED:
        return _UNSHIFTED[ch], False
    if ch in _SHIFTED:
        return _SHIFTED[ch], True
    raise ValueError("no key for %r" % ch)


def _key_event(qcode, down):
    return {"type": "key",
            "data": {"down": down, "key": {"type": "qcode", "data": qcode}}}


# ---------------------------------------------------------------- the VM


# A kernel log line (printk timestamp prefix), which may interrupt the echo
# of a command being typed.
KERNEL_LOG_LINE = re.compile(r"\[\s*\d+\.\d+\] ")


ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _typed_part(line):
    """A line as the terminal shows it, without a leading prompt."""
    shown = ANSI_ESCAPE.sub("", line)
    return shown[len(PROMPT):] if shown.startswith(PROMPT) else shown


def echo_end(text, typed=None):
    """Offset just past the echoed command line in text (what followed a
    prompt, CRs removed), or None while it has not ended.

    Kernel log lines can land around and inside the echo: a message at a
    bare prompt first ends the prompt line; a message in a half-typed line
    ends or erases it, and the typed text is drawn again below the
    message. So the echo ends at the first line that is not a log line,
    not that bare prompt's line end, and not typed text (the plain text
    sent, if known) cut off by a log line and drawn again later."""
    lines = text.split("\n")[:-1]  # complete lines only
    offset = 0
    for i, line in enumerate(lines):
        offset += len(line) + 1
        log_follows = i + 1 < len(lines) and KERNEL_LOG_LINE.match(lines[i + 1])
        if KERNEL_LOG_LINE.search(line):
            continue
        if i == 0 and line == "" and log_follows:
            continue  # a message at the bare prompt
        if log_follows and typed is not None and _redrawn_later(
                _typed_part(line), typed, lines[i + 1:]):
            continue
        return offset
    return None


def _redrawn_later(shown, typed, later_lines):
    """Whether shown, a part of typed, is drawn again at least as fully in
    a later line (so it was cut off, not ended by Enter)."""
    if not typed.startswith(shown):
        return False
    return any(typed.startswith(part) and len(part) >= len(shown)
               for part in map(_typed_part, later_lines)
               if not KERNEL_LOG_LINE.search(part))


_LIVE = set()
# util-linux setpriv: QEMU gets SIGKILL when the process that started it
# dies, even by SIGKILL, when atexit hooks and pytest finalizers cannot run.
DIE_WITH_PARENT = (["setpriv", "--pdeathsig", "KILL", "--"]
                   if shutil.which("setpriv") else [])


@atexit.register
def _kill_leftovers():
    for vm in list(_LIVE):
        vm.close()


class Tern:
    """One Tern VM. Typical use:

        with Tern(mem="2G", usb="default") as vm:
            vm.start()
            vm.wait_prompt()
            out = vm.run("meminfo")

    Patterns passed to wait_for() are literal text when str, regular
    expressions when compiled (re.compile). Serial output is matched as
    latin-1 text, so offsets equal byte offsets.
    """

    def __init__(self, iso=None, mem="128M", machine=None, usb="none",
                 devices=(), cmdline=None, log_path=None, no_reboot=True,
                 extra_args=(), echo=None, arch="x86_64"):
        self.arch = arch
        self.iso = iso or ARCHES[arch].default_image()  # the boot image
        self.mem = mem
        self.machine = machine
        self.usb = usb
        self.devices = tuple(devices)
        self.cmdline = cmdline
        self.log_path = log_path
        self.no_reboot = no_reboot
        self.extra_args = tuple(extra_args)
        self.echo = echo  # a text stream that also receives serial output
        self.proc = None
        self.argv = None
        self.started_at = None  # time.monotonic() just before QEMU starts
        self._tmpdir = None
        self._serial = None
        self._qmp = None
        self._reader = None
        self._log = None
        self._stderr = None
        self._cond = threading.Condition()
        self._buf = ""
        self._base = 0  # absolute offset of _buf[0]
        self._eof = False
        self.pos = 0  # absolute offset up to which output has been consumed
        self.match_start = 0  # absolute offset of the last wait_for match

    # -- lifecycle

    def start(self, timeout=BOOT_TIMEOUT):
        if not os.path.isfile(self.iso):
            raise TernError("%s does not exist: run `make` first" % self.iso)
        self._tmpdir = tempfile.mkdtemp(prefix="tern-qemu-")
        serial_path = os.path.join(self._tmpdir, "serial.sock")
        qmp_path = os.path.join(self._tmpdir, "qmp.sock")
        disk = os.path.join(self._tmpdir, "disk.img")
        with open(disk, "wb") as f:
            f.truncate(DISK_SIZE)
        self.argv = build_argv(
            self.iso, mem=self.mem, machine=self.machine, usb=self.usb,
            devices=self.devices, cmdline=self.cmdline, serial="chardev:ser0",
            qmp="unix:%s,server=on,wait=off" % qmp_path, paused=True,
            disk=disk, no_reboot=self.no_reboot, arch=self.arch,
            extra_args=("-chardev",
                        "socket,id=ser0,path=%s,server=on,wait=off"
                        % serial_path) + self.extra_args)
        if self.log_path:
            os.makedirs(os.path.dirname(os.path.abspath(self.log_path)),
                        exist_ok=True)
            self._log = open(self.log_path, "wb")
            self._log.write(("# " + shlex.join(self.argv) + "\n").encode())
        self._stderr = open(os.path.join(self._tmpdir, "stderr"), "w+b")
        _LIVE.add(self)
        self.started_at = time.monotonic()
        self.proc = subprocess.Popen(
            DIE_WITH_PARENT + self.argv, stdin=subprocess.DEVNULL,
            stdout=self._stderr, stderr=subprocess.STDOUT,
            start_new_session=True)
        deadline = time.monotonic() + timeout
        self._wait_for_sockets((serial_path, qmp_path), deadline)
        self._qmp = Qmp(qmp_path, max(deadline - time.monotonic(), 1))
        self._serial = _connect_unix(serial_path, deadline)
        self._reader = threading.Thread(target=self._read_serial, daemon=True)
        self._reader.start()
        self._qmp.execute("cont")
        return self

    def _wait_for_sockets(self, paths, deadline):
        while not all(os.path.exists(p) for p in paths):
            if self.proc.poll() is not None:
                raise TernExited("QEMU exited with status %d at startup\n%s"
                                 % (self.proc.returncode, self.diagnostics()))
            if time.monotonic() > deadline:
                raise TernTimeout("QEMU did not create its sockets\n"
                                  + self.diagnostics())
            time.sleep(0.01)

    def _read_serial(self):
        while True:
            try:
                data = self._serial.recv(65536)
            except OSError:
                data = b""
            if self._log and data:
                self._log.write(data)
                self._log.flush()
            if self.echo and data:
                self.echo.write(data.decode("utf-8", "replace"))
                self.echo.flush()
            with self._cond:
                if not data:
                    self._eof = True
                else:
                    self._buf += data.decode("latin-1")
                    excess = len(self._buf) - SERIAL_WINDOW
                    if excess > 0:
                        self._buf = self._buf[excess:]
                        self._base += excess
                self._cond.notify_all()
            if not data:
                return

    def close(self):
        """Kills QEMU (if still running) and releases everything. Safe to
        call more than once."""
        _LIVE.discard(self)
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        for closable in (self._qmp, self._serial):
            if closable:
                try:
                    closable.close()
                except OSError:
                    pass
        if self._reader:
            self._reader.join(timeout=5)
        if self._log:
            self._log.close()
            self._log = None
        if self._stderr:
            self._stderr.close()
            self._stderr = None
        if self._tmpdir:
            for name in os.listdir(self._tmpdir):
                os.unlink(os.path.join(self._tmpdir, name))
            os.rmdir(self._tmpdir)
            self._tmpdir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- serial output

    def output(self, start=0):
        """Serial output kept in memory from absolute offset start."""
        with self._cond:
            return self._buf[max(start - self._base, 0):]

    def tail(self, lines=40):
        text = self.output().replace("\r", "")
        return "\n".join(text.split("\n")[-lines:])

    def qemu_stderr(self):
        if not self._stderr:
            return ""
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace").strip()

    def diagnostics(self):
        parts = ["--- last serial output ---", self.tail()]
        err = self.qemu_stderr()
        if err:
            parts += ["--- QEMU stderr ---", err]
        if self.proc and self.proc.poll() is not None:
            parts.append("--- QEMU exited with status %d ---"
                         % self.proc.returncode)
        if self.log_path:
            parts.append("(full serial log: %s)" % self.log_path)
        return "\n".join(parts)

    def wait_for(self, pattern, timeout=COMMAND_TIMEOUT):
        """Waits until pattern appears after the consumed position; returns
        the match (offsets relative to the searched text) and moves the
        consumed position past it."""
        if isinstance(pattern, re.Pattern):
            regex, shown = pattern, "/%s/" % pattern.pattern
        else:
            regex, shown = re.compile(re.escape(pattern)), repr(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                start = max(self.pos, self._base)
                text = self._buf[start - self._base:]
                m = regex.search(text)
                if m:
                    self.match_start = start + m.start()
                    self.pos = start + m.end()
                    return m
                if self._eof:
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
        if self._eof:
            if self.proc:
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            raise TernExited("QEMU exited before %s appeared\n%s"
                             % (shown, self.diagnostics()))
        raise TernTimeout("timed out after %.0f s waiting for %s\n%s"
                          % (timeout, shown, self.diagnostics()))

    def wait_quiet(self, quiet_seconds=1.0, timeout=COMMAND_TIMEOUT):
        """Waits until the serial output has not grown for quiet_seconds
        (boot-time work such as USB enumeration has finished); False if it
        still grows after timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = len(self.output())
            time.sleep(quiet_seconds)
            if len(self.output()) == before:
                return True
        return False

    def wait_prompt(self, timeout=BOOT_TIMEOUT):
        return self.wait_for(PROMPT, timeout)

    # -- serial input

    def send_raw(self, data):
        """Bytes (or text) straight to the serial port, e.g. escape
        sequences: send_raw(b"\\x1b[D") is the left arrow."""
        if isinstance(data, str):
            data = data.encode()
        self._serial.sendall(data)

    def run(self, command, timeout=COMMAND_TIMEOUT, char_delay=0.0):
        """Types command (text, or bytes with editing keys) and Enter, waits
        for the next prompt and returns what the command printed (between
        the echoed line and the prompt), with CR removed. char_delay > 0
        types one byte at a time, like a person."""
        if isinstance(command, str):
            command = command.encode()
        typed = command.decode("latin-1")
        if not typed.isprintable():
            typed = None  # editing keys: the echo is not the bytes sent
        start = self.pos
        if char_delay:
            for byte in command:
                self.send_raw(bytes([byte]))
                time.sleep(char_delay)
        self.send_raw(command + b"\r" if not char_delay else b"\r")
        deadline = time.monotonic() + timeout
        while True:
            # A prompt before the echo has ended is the console redrawing
            # the line after a kernel log line, not the command's end.
            self.wait_for(PROMPT, max(deadline - time.monotonic(), 0))
            text = self.output(start)[: self.match_start
                                      - max(start, self._base)]
            text = text.replace("\r", "")
            end = echo_end(text, typed)
            if end is not None:
                return text[end:]

    # -- QMP / HMP / keyboard

    @property
    def events(self):
        return self._qmp.events

    def qmp(self, command, args=None, timeout=COMMAND_TIMEOUT):
        try:
            return self._qmp.execute(command, args, timeout)
        except TernTimeout:
            raise TernTimeout("QMP %s: no reply within %.0f s\n%s"
                              % (command, timeout, self.diagnostics()))

    def wait_event(self, name, timeout=COMMAND_TIMEOUT, since=0):
        """Waits for QMP event name (e.g. DEVICE_DELETED) among the events
        from index since on; returns (index, event)."""
        try:
            return self._qmp.wait_event(name, timeout, since)
        except TernTimeout:
            raise TernTimeout("no QMP event %s within %.0f s\n%s"
                              % (name, timeout, self.diagnostics()))

    def hmp(self, command_line, timeout=COMMAND_TIMEOUT):
        return self.qmp("human-monitor-command",
                        {"command-line": command_line}, timeout)

    def device_add(self, driver, dev_id, **properties):
        """Hot-plugs a device: device_add("usb-kbd", "k2", bus="ehci.0",
        port="3")."""
        args = {"driver": driver, "id": dev_id}
        args.update(properties)
        self.qmp("device_add", args)

    def device_del(self, dev_id, timeout=COMMAND_TIMEOUT):
        """Unplugs a device and waits until QEMU reports it gone (the
        DEVICE_DELETED event)."""
        since = len(self.events)
        self.qmp("device_del", {"id": dev_id})
        deadline = time.monotonic() + timeout
        while True:
            since, event = self.wait_event(
                "DEVICE_DELETED", max(deadline - time.monotonic(), 0), since)
            if event.get("data", {}).get("device") == dev_id:
                return
            since += 1

    def send_input(self, events):
        """QMP input-send-event to the USB keyboard: the one bound to the
        display (display=video0) on x86, any on arm64 (no display)."""
        args = {"events": events}
        if self.arch != "arm64":
            args["device"] = DISPLAY_ID
        self.qmp("input-send-event", args)

    def send_keys(self, text, delay=0.05):
        """Types text on the USB keyboard with QMP input-send-event, one key
        press and release at a time so the emulated keyboard's small event
        queue never overflows."""
        for ch in text:
            qcode, shift = qcode_for(ch)
            events = [_key_event(qcode, True), _key_event(qcode, False)]
            if shift:
                events = ([_key_event("shift", True)] + events
                          + [_key_event("shift", False)])
            self.send_input(events)
            time.sleep(delay)

    def info_usb(self):
        """QEMU's own view of attached USB devices (HMP `info usb`) as a list
        of dicts: device (bus.addr), port, speed_mbps, product, id."""
        line_re = re.compile(
            r"Device (\d+\.\d+), Port ([\d.]+), Speed ([\d.]+) Mb/s, "
            r"Product (.*?)(?:, ID: (\S+))?$")
        found = []
        for line in self.hmp("info usb").splitlines():
            m = line_re.search(line.strip())
            if m:
                found.append({"device": m.group(1), "port": m.group(2),
                              "speed_mbps": float(m.group(3)),
                              "product": m.group(4), "id": m.group(5)})
        return found

    # -- exit

    def exit_code(self, timeout=COMMAND_TIMEOUT):
        """Waits for QEMU to exit by itself; returns its exit status."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TernTimeout("QEMU still running after %.0f s\n%s"
                              % (timeout, self.diagnostics()))
        if self._reader:
            self._reader.join(timeout=5)
        return code


# ---------------------------------------------------------------- CLI


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Boot Tern in QEMU (TCG).",
        epilog="USB presets:\n" + "\n".join(
            "  %-10s %s" % (name, preset.description)
            for name, preset in USB_PRESETS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", default="x86_64", choices=sorted(ARCHES),
                   help="x86_64 (GRUB ISO, q35/pc) or arm64 (-kernel, virt)")
    p.add_argument("--image", "--iso", dest="iso",
                   help="boot image, default the arch's build output "
                   "(build/tern.iso, build/arm64/tern.elf)")
    p.add_argument("--mem", "-m", default="128M",
                   help="guest RAM (QEMU -m syntax), default 128M")
    p.add_argument("--machine", "-M", help="override the preset's machine")
    p.add_argument("--usb", default="none", choices=sorted(USB_PRESETS),
                   help="USB topology preset, default none")
    p.add_argument("--default-usb", dest="usb", action="store_const",
                   const="default", help="same as --usb default")
    p.add_argument("--device", action="append", default=[],
                   help="extra -device argument (repeatable)")
    p.add_argument("--cmdline", help="appended to the kernel command line, "
                   "e.g. 'autorun=\"ktest all; poweroff\"'")
    for flag, text in (
            ("--interactive", "serial console on this terminal (Ctrl-A X quits)"),
            ("--gdb", "with --interactive: wait for gdb on tcp::1234"),
            ("--dry-run", "print the QEMU command line and exit")):
        p.add_argument(flag, action="store_true", help=text)
    p.add_argument("--timeout", type=float, default=60,
                   help="non-interactive: kill QEMU after this many seconds")
    p.add_argument("--log", help="non-interactive: also write the serial "
                   "output to this file")
    p.add_argument("qemu_args", nargs="*",
                   help="extra QEMU arguments (after --)")
    return p.parse_args(argv)


def run_interactive(args):
    with tempfile.TemporaryDirectory(prefix="tern-qemu-") as tmpdir:
        disk = os.path.join(tmpdir, "disk.img")
        argv = build_argv(args.iso, mem=args.mem, machine=args.machine,
                          usb=args.usb, devices=args.device,
                          cmdline=args.cmdline, serial="mon:stdio",
                          gdb=args.gdb, disk=disk, extra_args=args.qemu_args,
                          arch=args.arch)
        if args.dry_run:
            print(shlex.join(argv))
            return 0
        if not os.path.isfile(args.iso):
            sys.exit("qemu.py: %s does not exist: run `make` first" % args.iso)
        with open(disk, "wb") as f:
            f.truncate(DISK_SIZE)
        print("Tern in QEMU (USB: %s). Leave with Ctrl-A X, or type "
              "`poweroff`." % args.usb, file=sys.stderr)
        if args.gdb:
            elf = os.path.join(os.path.dirname(args.iso), "tern.elf")
            gdb_cmd = "gdb-multiarch" if args.arch == "arm64" else "gdb"
            print("Waiting for gdb: %s %s -ex 'target remote :1234'"
                  % (gdb_cmd, elf), file=sys.stderr)
        sys.stderr.flush()
        # The terminal is QEMU's now (raw mode; Ctrl-C goes to the guest).
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        return interactive_status(subprocess.call(argv))


def interactive_status(qemu_status):
    """`poweroff` (33) and Ctrl-A X (0) are normal ways to leave; anything
    else is reported, so `make run` fails only when something went wrong."""
    if qemu_status in (0, EXIT_PASS):
        return 0
    if qemu_status == EXIT_FAIL:
        print("qemu.py: Tern reported a failure (QEMU exit status %d)"
              % qemu_status, file=sys.stderr)
    else:
        print("qemu.py: QEMU exited with status %d" % qemu_status,
              file=sys.stderr)
    return 1


def run_batch(args):
    vm = Tern(iso=args.iso, mem=args.mem, machine=args.machine, usb=args.usb,
              devices=args.device, cmdline=args.cmdline, log_path=args.log,
              extra_args=args.qemu_args, echo=sys.stdout, arch=args.arch)
    if args.dry_run:
        print(shlex.join(build_argv(
            vm.iso, mem=args.mem, machine=args.machine, usb=args.usb,
            devices=args.device, cmdline=args.cmdline, disk="DISK",
            extra_args=args.qemu_args, arch=args.arch)))
        return 0
    try:
        vm.start()
        return vm.exit_code(timeout=args.timeout)
    except TernError as e:
        print("\nqemu.py: %s" % str(e).split("\n")[0], file=sys.stderr)
        return 124
    finally:
        vm.close()


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    args.iso = args.iso or ARCHES[args.arch].default_image()
    if args.interactive:
        return run_interactive(args)
    return run_batch(args)


if __name__ == "__main__":
    sys.exit(main())
