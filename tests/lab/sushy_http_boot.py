"""The lab's Redfish emulator (``ironic_lite.lab.sushy_lab``) with UEFI HTTP boot: the
``HttpBootUri`` that sushy-tools' fake systems driver cannot keep (its PATCH of ``UefiHttp``
with a URL answers 400 otherwise). The emulator then does what it does for libvirt: it
downloads the image, attaches it as the CD and boots from it, and reports the URL.

``HttpBootRedfishLab`` runs it like ``RedfishLab`` runs the lab's own."""

import subprocess
import sys
import time

import requests

from ironic_lite.lab import sushy_lab
from ironic_lite.lab.redfish import RedfishLab


class HttpBootDriver(sushy_lab.LabDriver):
    # One value per emulator, as sushy-tools' libvirt driver keeps it (its setter gets no
    # system identity).
    _http_boot_uri = None

    def get_http_boot_uri(self, identity):
        return HttpBootDriver._http_boot_uri

    def set_http_boot_uri(self, uri):
        HttpBootDriver._http_boot_uri = uri


class HttpBootRedfishLab(RedfishLab):
    def start(self, timeout: float = 30) -> "HttpBootRedfishLab":
        config = self._write_config()
        logf = open(self.log, "ab")  # noqa: SIM115 - the child keeps it open
        self.proc = subprocess.Popen(
            [sys.executable, "-m", __name__, "--config", config],
            stdout=logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"sushy-emulator exited early; log:\n{self.read_log()}")
            try:
                if requests.get(self.url + "/redfish/v1/", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"sushy-emulator did not come up; log:\n{self.read_log()}")


if __name__ == "__main__":
    from sushy_tools.emulator import main
    from sushy_tools.emulator.resources.systems import fakedriver

    sushy_lab.install(main.app)
    fakedriver.FakeDriver = HttpBootDriver
    sys.argv[0] = "sushy-emulator"
    sys.exit(main.main())
