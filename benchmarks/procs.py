"""Peak memory of a server's process tree, sampled from /proc while a benchmark runs."""

import os
import threading


def _status(pid: int) -> dict:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM", "PPid"):
                    out[key] = value.strip()
    except OSError:
        return {}
    return out


def _tree(root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            ppid = _status(int(entry)).get("PPid")
            if ppid:
                children.setdefault(int(ppid), []).append(int(entry))
    seen, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in seen and os.path.exists(f"/proc/{pid}"):
            seen.add(pid)
            todo.extend(children.get(pid, []))
    return seen


def listener_pid(port: int) -> int | None:
    """PID of the process listening on a local TCP port (to watch a server we did not start)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    if int(parts[1].rsplit(":", 1)[1], 16) == port and parts[3] == "0A":
                        inodes.add(f"socket:[{parts[9]}]")
        except OSError:
            continue
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            for fd in os.listdir(f"/proc/{entry}/fd"):
                if os.readlink(f"/proc/{entry}/fd/{fd}") in inodes:
                    return int(entry)
        except OSError:
            continue
    return None


class PeakRSS(threading.Thread):
    """Samples the summed RSS of a process tree every ``interval`` seconds."""

    def __init__(self, roots: list[int], interval: float = 0.25):
        super().__init__(daemon=True)
        self.roots, self.interval = roots, interval
        self.peak_kib = 0
        self._halt = threading.Event()

    def sample(self) -> int:
        total = 0
        pids = set()
        for root in self.roots:
            pids |= _tree(root)
        for pid in pids:
            value = _status(pid).get("VmRSS")
            if value:
                total += int(value.split()[0])
        self.peak_kib = max(self.peak_kib, total)
        return total

    def run(self) -> None:
        while not self._halt.is_set():
            self.sample()
            self._halt.wait(self.interval)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return round(self.peak_kib / 1024, 1)
