"""pytest fixtures that boot Tern in QEMU (scripts/qemu.py).

`boot(**options)` starts a VM (options are those of qemu.Tern: mem, usb,
machine, devices, cmdline, extra_args) and by default waits for the first
`tern> ` prompt; `tern` is a VM booted with the defaults (128 MiB, no USB).
Every VM is killed when its test ends, however it ends. The serial output of
each VM goes to $BUILD/system-logs/<test>.log, and a failing test's report
names those logs and shows their tail.

One pytest run tests one architecture: TERN_ARCH=x86_64 (the default) or
arm64 (`make test` runs both at once). The same tests run on both: every
test runs on x86_64; a test marked `@pytest.mark.arm64` also runs on arm64,
and the `arch` fixture names the one under test where expectations differ
(the machine, how faults are decoded). The arm64 set is what the port
shares with x86 (boot, shell, ktests, mm and DMA stress, USB topologies,
storage), kept small enough that both runs end together.
"""

import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import qemu  # noqa: E402  (scripts/ is not a package)

ARCH = os.environ.get("TERN_ARCH", "x86_64")
if ARCH not in qemu.ARCHES:
    raise pytest.UsageError("TERN_ARCH=%s: not one of %s"
                            % (ARCH, ", ".join(sorted(qemu.ARCHES))))
BUILD = os.path.join(ROOT, qemu.ARCHES[ARCH].build)
ISO = os.environ.get("TERN_ISO", qemu.ARCHES[ARCH].default_image())
LOG_DIR = os.path.join(BUILD, "system-logs")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "arm64: the test also runs on arm64 (TERN_ARCH=arm64)")


def pytest_collection_modifyitems(config, items):
    """On arm64, only the tests marked for it run; the rest are
    deselected (not skipped), so the summary counts what ran."""
    if ARCH == "x86_64":
        return
    kept = [item for item in items if item.get_closest_marker("arm64")]
    dropped = [item for item in items if not item.get_closest_marker("arm64")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def arch():
    return ARCH


def _log_name(node_name, index):
    name = re.sub(r"[^\w.-]+", "_", node_name).strip("_")
    return name if index == 0 else "%s-%d" % (name, index + 1)


@pytest.fixture
def boot(request):
    vms = []
    request.node.tern_vms = vms

    def start(wait_prompt=True, **options):
        options.setdefault("iso", ISO)
        options.setdefault("arch", ARCH)
        log = os.path.join(LOG_DIR,
                           _log_name(request.node.name, len(vms)) + ".log")
        vm = qemu.Tern(log_path=log, **options)
        vms.append(vm)
        vm.start()
        if wait_prompt:
            vm.wait_prompt()
        return vm

    yield start
    for vm in vms:
        vm.close()


@pytest.fixture
def tern(boot):
    return boot()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    vms = getattr(item, "tern_vms", [])
    if report.when == "call" and report.failed and vms:
        parts = []
        for vm in vms:
            parts.append("%s\n%s" % (vm.log_path, vm.tail(25)))
        report.sections.append(("Tern serial logs", "\n\n".join(parts)))
