"""``system.*`` (inventory, inspection) and ``log.*`` (the machine's logs as a tarball)."""

import base64
import io
import tarfile
import time

from ironic_lite_agent.commands import Extension, command


class SystemExtension(Extension):
    name = "system"

    @command
    def get_inventory(self) -> dict:
        """The hardware inventory in Ironic's inspection shape."""
        return {"inventory": self.agent.backend.inventory()}

    @command
    def inspect(self) -> dict:
        """Send the inventory to the API's continue_inspection; returns the API's answer."""
        return {"response": self.agent.inspect()}


class LogExtension(Extension):
    name = "log"

    @command
    def collect_system_logs(self) -> dict:
        """The machine's logs and the agent's own, as a base64 tar.gz (``system_logs``)."""
        return {"system_logs": base64.b64encode(tarball(self.agent.backend.system_logs())).decode()}


def tarball(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, content in sorted(files.items()):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(content), int(time.time()), 0o644
            tar.addfile(info, io.BytesIO(content))
    return buf.getvalue()
