"""pytest fixtures that boot Tern in QEMU (scripts/qemu.py).

`boot(**options)` starts a VM (options are those of qemu.Tern: mem, usb,
machine, devices, cmdline, extra_args) and by default waits for the first
`tern> ` prompt; `tern` is a VM booted with the defaults (128 MiB, no USB).
Every VM is killed when its test ends, however it ends. The serial output of
each VM goes to $BUILD/system-logs/<test>.log, and a failing test's report
names those logs and shows their tail.
"""

import os
import re
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import qemu  # noqa: E402  (scripts/ is not a package)

BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
ISO = os.environ.get("TERN_ISO", os.path.join(BUILD, "tern.iso"))
LOG_DIR = os.path.join(BUILD, "system-logs")


def _log_name(node_name, index):
    name = re.sub(r"[^\w.-]+", "_", node_name).strip("_")
    return name if index == 0 else "%s-%d" % (name, index + 1)


@pytest.fixture
def boot(request):
    vms = []
    request.node.tern_vms = vms

    def start(wait_prompt=True, **options):
        options.setdefault("iso", ISO)
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
