"""In-memory IPMI BMCs on loopback, for tests and demos: pyghmi's BMC server, negotiating right.

Each LabBmc is a ``pyghmi.ipmi.bmc.Bmc`` (the server class virtualbmc builds on) on its own
127.0.0.1 UDP port, with its own user and password and a machine kept in memory: power, the
chassis boot flags, the boots it went through, NMIs and optional sensors. Any number of them
share one process and pyghmi's one I/O loop (``Lab``).

Run as a process (what the tests do, and what a demo can do)::

    python -m ironic_lite.lab.ipmi --count 20 [--base-port 6230] [--sensors] [--suites 17,3]

It prints one JSON line, ``{"control": URL, "bmcs": [{name, address, port, username,
password}, ...]}``, and serves until SIGTERM or SIGINT. The control URL is a small HTTP API on
127.0.0.1 to read and change the machines behind the BMCs: ``GET /bmcs``, ``GET /bmcs/NAME``,
``POST /bmcs/NAME/ACTION`` with ACTION one of ``stop``, ``start`` (the BMC stops answering /
comes back), ``power`` (``{"on": bool}``: someone pressed the button), ``sensor`` (``{"name",
"value"}``), ``reset`` (the machine restarted itself, e.g. an in-band reboot: a new boot
from the boot flags), ``hook`` (``{"url"}``: POST ``{"kind", "bmc_id", "event": "off" |
"boot", "boot_count"}`` there at every power off and boot, before answering) and ``configure``
(``{"soft_off_delay", "ignore_soft_off", "max_privilege"}``). ``LabProcess`` starts the process
and wraps that API for tests.

What LabBmc fixes or adds over pyghmi 1.6.19's server:

- Cipher suites. The stock session answers every RMCP+ open-session request with suite 3's
  algorithms (RAKP-HMAC-SHA1, HMAC-SHA1-96, AES-CBC-128) whatever the client proposed, and
  Get Channel Cipher Suites announces only suite 3. pyghmi's client proposes 17 and believes
  the answer, so it checks a SHA-1 RAKP2 as SHA-256 and fails (``struct.error: pack expected
  32 items``); ``ipmitool -C 17`` fails too. LabSession reads the proposal and selects suite
  17 or 3 when the proposal is exactly one of the suites the BMC offers, or refuses with
  RMCP+ status 0x11 (no cipher suite match) so that clients fall back; RAKP 2-4, the session
  keys and the integrity codes of every packet then use that suite's hash: HMAC-SHA256 with
  16-byte integrity codes for 17, HMAC-SHA1 with 12-byte ones for 3 (K1 and K2 derived from
  20-byte constants in both cases, as ipmitool and pyghmi do). Get Channel Cipher Suites
  lists the suites offered, so ``ipmitool`` without ``-C`` picks 17. ``legacy_negotiation``
  keeps the stock behaviour, to test a client's fall-back against it.
- Unknown users are refused in RAKP2 (status 0x0d) rather than never answered; a RAKP3 with
  a wrong code is refused in RAKP4 (0x0f).
- Privilege: the BMC's user may be limited (``max_privilege``: 4 ADMINISTRATOR, 3 OPERATOR, 2
  USER, 1 CALLBACK). A login asking for more is refused in RAKP2 (0x09, invalid role), Set
  Session Privilege Level above it with 0x81, and a command above the session's level (power
  and boot control need OPERATOR, everything else USER) with completion code 0xd4.
- Boot flags (System Boot Options parameter 5) are kept whole: device, next boot only or
  persistent, UEFI. A power on, reset or power cycle boots the machine: the boot is recorded
  with the device it used, and a one-time override is consumed (the flags read "no override"
  afterwards; the UEFI bit stays). Parameters 0, 3 and 4 are accepted (ipmitool and pyghmi
  write them). Not emulated: the BMC clearing the valid bit 60 s after it was set.
- Power: a soft power off (ACPI) turns the machine off after ``soft_off_delay`` seconds
  unless its "operating system" ignores it; reset, cycle and NMI need the machine on
  (completion code 0xd5 otherwise).
- Get Device ID has the spec's layout and announces an SDR repository when there are sensors;
  Get SDR Repository Info, Reserve SDR Repository, Get SDR and Get Sensor Reading serve a
  full sensor record per sensor.
- A request sent again with the same sequence number (the client missed the answer) is
  answered again from memory, not carried out twice: an NMI or a power cycle happens once.
- Sessions: a stopped BMC drops every packet and forgets its sessions, as one that lost power
  would; sessions idle longer than ``session_timeout`` (60 s, like most BMCs) are forgotten
  too, and so is a session that asked to close. A new login from a client port that has
  sessions with several BMCs forgets only this BMC's session (the stock server forgot them
  all, which made other BMCs' clients time out and log in again).
- pyghmi's I/O thread wakes itself with a datagram to its first socket at ``session.myself``,
  an address it guesses for IPv6 and that fails on IPv4 sockets; the lab sets 127.0.0.1.
- pyghmi's sender switches the shared sockets to blocking mode, which can leave its I/O
  thread blocked on one quiet BMC socket while all the others wait; the lab sends without
  blocking instead.
"""

import argparse
import contextlib
import dataclasses
import hashlib
import hmac
import http.server
import json
import logging
import os
import selectors
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.request
import zlib

from pyghmi.ipmi import bmc as pyghmi_bmc
from pyghmi.ipmi.private import constants, serversession
from pyghmi.ipmi.private import session as ipmi_session

LOG = logging.getLogger(__name__)
ADDRESS = "127.0.0.1"

# Per cipher suite: authentication, integrity and confidentiality algorithms (IPMI 2.0 table
# 22-20), then the hash of its RAKP and integrity HMACs and the integrity code length.
SUITES = {3: ((1, 1, 1), hashlib.sha1, 12), 17: ((3, 4, 1), hashlib.sha256, 16)}
_RMCP_NO_SUITE = 0x11
_RMCP_UNAUTHORIZED_NAME = 0x0D
_RMCP_INVALID_ICV = 0x0F
_NOT_IN_PRESENT_STATE = 0xD5
_PARAMETER_NOT_SUPPORTED = 0x80
_NOT_PRESENT = 0xCB
_RMCP_INVALID_ROLE = 0x09
_INSUFFICIENT_PRIVILEGE = 0xD4
ADMINISTRATOR, OPERATOR, USER = 4, 3, 2
# Commands (netfn, command) that need more than USER privilege (IPMI 2.0 appendix G).
_PRIVILEGE_NEEDED = {
    (0, 0x02): OPERATOR,  # chassis control: power, reset, cycle, NMI
    (0, 0x04): OPERATOR,  # chassis identify
    (0, 0x08): OPERATOR,  # set system boot options
}

# Boot device selector of the boot flags (data 2, bits 5:2) and the name the lab reports.
BOOT_DEVICES = {
    0: None,
    1: "pxe",
    2: "disk",
    3: "safe",
    4: "diag",
    5: "cdrom",
    6: "bios",
    7: "remote-floppy",
    8: "remote-cdrom",
    9: "remote-media",
    11: "remote-disk",
    15: "floppy",
}


@dataclasses.dataclass
class Sensor:
    """A threshold sensor: reading = raw byte * m, in ``unit`` (IPMI unit code)."""

    number: int
    name: str
    sensor_type: int  # 1 temperature, 2 voltage, 4 fan (IPMI table 42-3)
    unit: int  # 1 degrees C, 4 volts, 18 RPM (IPMI table 43-15)
    value: float
    m: int = 1

    def raw(self) -> int:
        return max(0, min(255, round(self.value / self.m)))

    def record(self, record_id: int) -> bytes:
        """The sensor's full sensor record (SDR type 01h, IPMI 2.0 table 43-1)."""
        name = self.name.encode()[:16]
        body = bytearray(43)
        body[0] = 0x20  # owned by the BMC
        body[2] = self.number
        body[3] = 0x07  # entity: system board
        body[4] = 1
        body[5] = 0x7F  # initialisation: scanning and events enabled
        body[6] = 0x04  # capabilities: thresholds readable
        body[7] = self.sensor_type
        body[8] = 0x01  # event/reading type: threshold
        body[16] = self.unit
        body[19] = self.m & 0xFF
        body[20] = (self.m >> 2) & 0xC0
        body[29] = 0xFF  # maximum reading
        body[42] = 0xC0 | len(name)  # ID string: 8-bit ASCII
        body += name
        return struct.pack("<HBBB", record_id, 0x51, 0x01, len(body)) + bytes(body)


DEFAULT_SENSORS = (
    ("Inlet Temp", 0x01, 1, 23, 1),
    ("CPU1 Temp", 0x01, 1, 48, 1),
    ("Fan1", 0x04, 18, 5400, 100),
    ("12V", 0x02, 4, 12, 1),
)


def default_sensors() -> list[Sensor]:
    return [Sensor(i + 1, *spec) for i, spec in enumerate(DEFAULT_SENSORS)]


# --- the session ---------------------------------------------------------------------------
class LabSession(serversession.ServerSession):
    """A BMC-side RMCP+ session that negotiates cipher suite 17 or 3 (module docstring)."""

    def __init__(self, authdata, kg, clientaddr, netsocket, request, uuid_, bmc):
        self.suite = None
        self.established = False
        self.last_request = None  # (sequence, netfn, command, data) of the latest request
        self.last_answer = None  # (code, data) sent for it
        self.epoch = bmc.epoch
        self.last_seen = time.monotonic()
        super().__init__(authdata, kg, clientaddr, netsocket, request, uuid_, bmc)

    # RMCP+ open session ---------------------------------------------------------------------
    def create_open_session_response(self, request):
        clienttag = request[0]
        self.clientsessionid = request[4:8]
        self.managedsessionid = bytearray(os.urandom(4))
        self.privlevel = 4
        # The proposal: authentication, integrity, confidentiality payloads of 8 bytes each
        # after tag, role, reserved and the console's session id; the algorithm at offset 4.
        proposal = (request[12], request[20], request[28]) if len(request) >= 29 else None
        self.suite = self.bmc.select_suite(proposal)
        if self.suite is None:
            return bytearray([clienttag, _RMCP_NO_SUITE, 0, 0]) + self.clientsessionid
        algorithms, self.currhashlib, self.currhashlen = SUITES[self.suite]
        auth, integrity, confidentiality = algorithms
        return (
            bytearray([clienttag, 0, self.privlevel, 0])
            + self.clientsessionid
            + self.managedsessionid
            + bytearray([0, 0, 0, 8, auth, 0, 0, 0])
            + bytearray([1, 0, 0, 8, integrity, 0, 0, 0])
            + bytearray([2, 0, 0, 8, confidentiality, 0, 0, 0])
        )

    def _got_rmcp_openrequest(self, data):
        # The client starts over on this session: back to an unauthenticated exchange.
        self.established = False
        self.integrityalgo = 0
        self.confalgo = 0
        self.sequencenumber = 0
        self.sessionid = 0
        super()._got_rmcp_openrequest(data)

    def _rakp_error(self, payload_type: str, clienttag: int, status: int) -> None:
        message = bytearray([clienttag, status, 0, 0]) + self.clientsessionid
        self.send_payload(message, constants.payload_types[payload_type], retry=False)

    # RAKP 1 -> 2 ----------------------------------------------------------------------------
    def _got_rakp1(self, data):
        if self.suite is None:
            return
        clienttag = data[0]
        self.Rm = data[8:24]
        self.rolem = data[24]
        self.maxpriv = self.rolem & 0b111
        self.username = bytes(data[28 : 28 + data[27]])
        password = self.bmc.password_for(self.username)
        if password is None:
            self._rakp_error("rakp2", clienttag, _RMCP_UNAUTHORIZED_NAME)
            return
        if self.maxpriv > self.bmc.max_privilege:
            self._rakp_error("rakp2", clienttag, _RMCP_INVALID_ROLE)
            return
        self.Rc = bytearray(os.urandom(16))
        self.uuiddata = self.uuid.bytes
        self.kuid = password.encode()
        self.kg_key = self.bmc.kg or self.kuid
        signed = (
            self.clientsessionid
            + self.managedsessionid
            + self.Rm
            + self.Rc
            + self.uuiddata
            + bytearray([self.rolem, len(self.username)])
            + self.username
        )
        authcode = hmac.new(self.kuid, bytes(signed), self.currhashlib).digest()
        message = (
            bytearray([clienttag, 0, 0, 0])
            + self.clientsessionid
            + self.Rc
            + self.uuiddata
            + authcode
        )
        self.send_payload(message, constants.payload_types["rakp2"], retry=False)

    # RAKP 3 -> 4 ----------------------------------------------------------------------------
    def _got_rakp3(self, data):
        if self.suite is None or getattr(self, "Rc", None) is None:
            return
        clienttag = data[0]
        if data[1] != 0:
            return  # the client refused our RAKP2 (it has another password)
        role_name = struct.pack("2B", self.rolem, len(self.username)) + self.username
        expected = hmac.new(
            self.kuid, bytes(self.Rc + self.clientsessionid) + role_name, self.currhashlib
        ).digest()
        if bytes(data[8:]) != expected:
            self._rakp_error("rakp4", clienttag, _RMCP_INVALID_ICV)
            return
        hashfn = self.currhashlib
        self.sik = hmac.new(self.kg_key, bytes(self.Rm + self.Rc) + role_name, hashfn).digest()
        self.k1 = hmac.new(self.sik, b"\x01" * 20, hashfn).digest()
        self.k2 = hmac.new(self.sik, b"\x02" * 20, hashfn).digest()
        self.aeskey = self.k2[:16]
        icv = hmac.new(
            self.sik, bytes(self.Rm + self.managedsessionid) + self.uuiddata, hashfn
        ).digest()[: self.currhashlen]
        self.localsid = struct.unpack("<I", bytes(self.managedsessionid))[0]
        self.clientpriv = self.maxpriv
        self.ipmicallback = self.handle_client_request
        message = bytearray([clienttag, 0, 0, 0]) + self.clientsessionid + icv
        self.send_payload(message, constants.payload_types["rakp4"], retry=False)
        # From here on every packet is encrypted and carries an integrity code.
        self.confalgo = "aes"
        self.integrityalgo = self.suite
        self.sequencenumber = 1
        self.sessionid = struct.unpack("<I", bytes(self.clientsessionid))[0]
        self.established = True
        self.bmc.logged_in(self.suite)

    # an established session --------------------------------------------------------------------
    def handle_client_request(self, request):
        if not self.established:
            return
        netfn, command, data = request["netfn"], request["command"], request["data"]
        key = (self.seqlun, netfn, command, bytes(data))
        if key == self.last_request and self.last_answer is not None:
            # The client sent the request again (our answer was lost or late): answer it
            # again without acting twice, as the sequence number lets a BMC do.
            code, answer = self.last_answer
            self._send_ipmi_net_payload(code=code, data=answer)
            return
        self.last_request, self.last_answer = key, None
        if netfn == 6 and command == 0x3B:  # set session privilege level
            wanted = data[0] & 0x0F if data else 0
            code = 0
            if wanted > self.maxpriv:
                code = 0x81
            elif wanted > 1:
                self.clientpriv = wanted
            self._send_ipmi_net_payload(code=code, data=[self.clientpriv])
        elif netfn == 6 and command == 0x3C:  # close session
            self.send_ipmi_response()
            self.forget()
        elif self.clientpriv < _PRIVILEGE_NEEDED.get((netfn, command), USER):
            self._send_ipmi_net_payload(code=_INSUFFICIENT_PRIVILEGE)
        else:
            self.bmc.handle_raw_request(request, self)

    def _send_ipmi_net_payload(self, netfn=None, command=None, data=(), code=0, **kwargs):
        if self.established and netfn is None:  # the answer to the current request
            self.last_answer = (code, list(data))
        return super()._send_ipmi_net_payload(netfn, command, data, code, **kwargs)

    def process_pktqueue(self):
        bmc = self.bmc
        if not bmc.reachable:
            self.pktqueue.clear()
            return
        now = time.monotonic()
        if self.epoch != bmc.epoch or now - self.last_seen > bmc.session_timeout:
            # The BMC restarted or timed the session out: it no longer knows this session, so
            # what arrives is handled as sessionless (a new login goes through, the rest is
            # dropped).
            self.forget()
            bmc.pktqueue.extend(self.pktqueue)
            self.pktqueue.clear()
            bmc.process_pktqueue()
            return
        self.last_seen = now
        super().process_pktqueue()

    def _handle_ipmi_packet(self, data, sockaddr=None, qent=None):
        sessionless = False
        if data[4] in (0, 2):  # IPMI 1.5 framing: session sequence and id at 5:13
            sessionless = data[5:13] == bytes(8)
        elif data[4] == 6:  # RMCP+: an IPMI message outside a session (RAKP has id 0 too)
            sessionless = data[5] == 0 and data[6:10] == bytes(4)
        if sessionless:
            # A new exchange from this client port (e.g. the Get Channel Authentication
            # Capabilities that starts a login): forget this session, and only this one.
            self.forget()
            self.bmc.sessionless_data(data, sockaddr)
            return None
        return super()._handle_ipmi_packet(data, sockaddr, qent)

    def sessionless_data(self, data, sockaddr):
        self.bmc.sessionless_data(data, sockaddr)

    def forget(self) -> None:
        """Take this session out of pyghmi's routing table."""
        handlers = ipmi_session.Session.bmc_handlers.get(self.sockaddr)
        if handlers is not None and handlers.get(self.bmc.port) is self:
            del handlers[self.bmc.port]
            if not handlers:
                ipmi_session.Session.bmc_handlers.pop(self.sockaddr, None)


# --- the BMC -------------------------------------------------------------------------------
class LabBmc(pyghmi_bmc.Bmc):
    """One in-memory BMC and its machine. Thread-safe: state changes hold ``lock``."""

    def __init__(
        self,
        name: str,
        username: str,
        password: str,
        port: int = 0,
        *,
        suites: tuple[int, ...] = (17, 3),
        legacy_negotiation: bool = False,
        sensors: list[Sensor] | None = None,
        soft_off_delay: float = 0.2,
        session_timeout: float = 60,
        max_privilege: int = ADMINISTRATOR,
    ):
        self.name = name
        self.max_privilege = max_privilege
        self.username = username
        self.password = password
        self.lock = threading.RLock()
        self.suites = tuple(suites)
        self.legacy_negotiation = legacy_negotiation
        self.sensors = list(sensors or [])
        self.soft_off_delay = soft_off_delay
        self.ignore_soft_off = False
        self.session_timeout = session_timeout
        self.reachable = True
        self.epoch = 0
        self.on = False
        self.flags = bytearray(5)  # boot flags parameter, data 1-5
        self.boot_params = {0: 0, 3: 0}  # set-in-progress, valid-bit clearing
        self.boots: list[dict] = []
        self.nmis = 0
        self.logins = {suite: 0 for suite in SUITES}
        self._soft_off: threading.Timer | None = None
        self.power_hook: str | None = None  # URL POSTed at each power off and boot
        super().__init__({username: password}, port=port, address=ADDRESS)
        self.port = self.serversocket.getsockname()[1]  # the real one when port was 0

    # who may log in, and how -----------------------------------------------------------------
    def password_for(self, username: bytes) -> str | None:
        if not username:
            return None
        return self.authdata.get(username.decode("utf-8", "replace"))

    def select_suite(self, proposal: tuple[int, int, int] | None) -> int | None:
        if self.legacy_negotiation:
            return 3  # pyghmi's stock server: suite 3 whatever was proposed
        for suite in self.suites:
            if proposal is None or proposal == SUITES[suite][0]:
                return suite
        return None

    def logged_in(self, suite: int) -> None:
        with self.lock:
            self.logins[suite] += 1

    # sessionless traffic -------------------------------------------------------------------
    def process_pktqueue(self):
        if not self.reachable:
            self.pktqueue.clear()
            return
        super().process_pktqueue()

    def sessionless_data(self, data, sockaddr):
        if not self.reachable or len(data) < 22:
            return
        data = bytearray(data)
        if not (data[0] == 6 and data[2:4] == b"\xff\x07"):
            return
        ipmi2 = data[4] == 6
        if ipmi2:
            if data[5] == 0x10:  # RMCP+ open session request: a new session
                LabSession(
                    self.authdata,
                    self.kg,
                    sockaddr,
                    self.serversocket,
                    data[16:],
                    self.uuid,
                    bmc=self,
                )
                return
            if data[5] != 0:
                return
            data = data[2:]  # align the IPMI message with IPMI 1.5 framing
        length = data[12] | data[13] << 8 if ipmi2 else data[13]
        myaddr, netfnlun = data[14], data[15]
        if netfnlun >> 2 != 6:  # only application requests come before a session
            return
        mylun = netfnlun & 0b11
        clientaddr, clientlun = data[17], data[18]
        clientseq, clientlun = clientlun >> 2, clientlun & 0b11
        command, request = data[19], data[20 : 14 + length - 1]
        if command == 0x38:  # get channel authentication capabilities
            if not request or not request[0] & 0x80:
                return  # IPMI 1.5-only clients are not served
            self.send_auth_cap(myaddr, mylun, clientaddr, clientlun, clientseq, sockaddr)
        elif command == 0x54:  # get channel cipher suites
            body = bytearray([0, 1]) + self._cipher_suite_chunk(request)
            self._reply_sessionless(
                ipmi2, myaddr, mylun, clientaddr, clientlun, clientseq, command, body, sockaddr
            )

    def _cipher_suite_chunk(self, request: bytes) -> bytes:
        index = request[2] if len(request) > 2 else 0x80
        offered = [3] if self.legacy_negotiation else list(self.suites)
        if index & 0x80:  # records by cipher suite
            data = bytearray()
            for suite in offered:
                auth, integrity, confidentiality = SUITES[suite][0]
                data += bytes([0xC0, suite, auth, 0x40 | integrity, 0x80 | confidentiality])
        else:  # the algorithms supported
            algorithms = [SUITES[suite][0] for suite in offered]
            data = bytearray(sorted({a for a, _, _ in algorithms}))
            data += bytes(sorted({0x40 | i for _, i, _ in algorithms}))
            data += bytes(sorted({0x80 | c for _, _, c in algorithms}))
        start = (index & 0x3F) * 16
        return bytes(data[start : start + 16])

    def _reply_sessionless(
        self, ipmi2, myaddr, mylun, clientaddr, clientlun, clientseq, command, body, sockaddr
    ):
        header = bytearray([clientaddr, clientlun | (7 << 2)])  # netfn 7: application reply
        header.append(ipmi_session._checksum(*header))
        rest = bytearray([myaddr, mylun | (clientseq << 2), command]) + body
        rest.append(ipmi_session._checksum(*rest))
        payload = header + rest
        if ipmi2:
            packet = b"\x06\x00\xff\x07\x06\x00" + bytes(8) + struct.pack("<H", len(payload))
        else:
            packet = b"\x06\x00\xff\x07\x00" + bytes(8) + bytes([len(payload)])
        ipmi_session._io_sendto(self.serversocket, bytearray(packet) + payload, sockaddr)

    # commands of an established session ---------------------------------------------------
    def handle_raw_request(self, request, session):
        handler = {
            (0, 0x08): self._set_boot_options,
            (0, 0x09): self._get_boot_options,
            (4, 0x2D): self._get_sensor_reading,
            (0x0A, 0x20): self._get_sdr_repository_info,
            (0x0A, 0x22): self._reserve_sdr_repository,
            (0x0A, 0x23): self._get_sdr,
        }.get((request["netfn"], request["command"]))
        if handler is None:
            return super().handle_raw_request(request, session)
        try:
            with self.lock:
                code, data = handler(bytes(request["data"]))
        except Exception:
            LOG.exception("BMC %s: handling %s failed", self.name, request)
            code, data = 0xFF, b""
        session.send_ipmi_response(data=list(data), code=code)

    def send_device_id(self, session):
        support = 0x03 if self.sensors else 0x00  # sensor device, SDR repository device
        data = [0x20, 0x01, 0x01, 0x00, 0x02, support, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        session.send_ipmi_response(data=data)

    def _set_boot_options(self, data: bytes) -> tuple[int, bytes]:
        parameter = data[0] & 0x7F if data else -1
        if parameter == 5:
            self.flags = bytearray((data[1:6] + bytes(5))[:5])
        elif parameter in (0, 3):
            self.boot_params[parameter] = data[1] if len(data) > 1 else 0
        elif parameter != 4:  # 4 (boot info acknowledge) is accepted and forgotten
            return _PARAMETER_NOT_SUPPORTED, b""
        return 0, b""

    def _get_boot_options(self, data: bytes) -> tuple[int, bytes]:
        parameter = data[0] & 0x7F if data else -1
        if parameter == 5:
            return 0, bytes([1, 5]) + bytes(self.flags)
        if parameter in self.boot_params:
            return 0, bytes([1, parameter, self.boot_params[parameter]])
        if parameter == 4:
            return 0, bytes([1, 4, 0, 0])
        return _PARAMETER_NOT_SUPPORTED, b""

    def _sensor(self, number: int) -> Sensor | None:
        return next((s for s in self.sensors if s.number == number), None)

    def _get_sensor_reading(self, data: bytes) -> tuple[int, bytes]:
        sensor = self._sensor(data[0]) if data else None
        if sensor is None:
            return _NOT_PRESENT, b""
        return 0, bytes([sensor.raw(), 0x40, 0x00])  # scanning enabled, no threshold crossed

    def _records(self) -> list[bytes]:
        return [sensor.record(i + 1) for i, sensor in enumerate(self.sensors)]

    def _get_sdr_repository_info(self, data: bytes) -> tuple[int, bytes]:
        if not self.sensors:
            return 0xC1, b""
        records = self._records()
        # pyghmi caches SDRs by device and this timestamp: derive it from the records.
        stamp = zlib.crc32(b"".join(records))
        return 0, struct.pack("<BHHII", 0x51, len(records), 0xFFFF, stamp, 0) + b"\x00"

    def _reserve_sdr_repository(self, data: bytes) -> tuple[int, bytes]:
        return (0, b"\x01\x00") if self.sensors else (0xC1, b"")

    def _get_sdr(self, data: bytes) -> tuple[int, bytes]:
        records = self._records()
        record_id, offset, count = struct.unpack("<H", data[2:4])[0], data[4], data[5]
        index = max(record_id, 1) - 1
        if not records or index >= len(records):
            return _NOT_PRESENT, b""
        following = index + 2 if index + 1 < len(records) else 0xFFFF
        end = None if count == 0xFF else offset + count
        chunk = records[index][offset:end]
        return 0, struct.pack("<H", following) + chunk

    # the machine -------------------------------------------------------------------------------
    def get_power_state(self):
        return "on" if self.on else "off"

    def power_on(self):
        with self.lock:
            if not self.on:
                self.on = True
                self._boot()
        return 0

    def power_off(self):
        with self.lock:
            self._cancel_soft_off()
            if self.on:
                self.on = False
                self._tell("off")
        return 0

    def power_cycle(self):
        return self._restart()

    def power_reset(self):
        return self._restart()

    def _restart(self):
        with self.lock:
            if not self.on:
                return _NOT_IN_PRESENT_STATE
            self._cancel_soft_off()
            self._boot()
        return 0

    def pulse_diag(self):
        with self.lock:
            if not self.on:
                return _NOT_IN_PRESENT_STATE
            self.nmis += 1
        return 0

    def power_shutdown(self):
        with self.lock:
            if self.on and not self.ignore_soft_off and self._soft_off is None:
                self._soft_off = threading.Timer(self.soft_off_delay, self._soft_off_done)
                self._soft_off.daemon = True
                self._soft_off.start()
        return 0

    def _soft_off_done(self):
        with self.lock:
            self._soft_off = None
            self.on = False
            self._tell("off")

    def _cancel_soft_off(self):
        if self._soft_off is not None:
            self._soft_off.cancel()
            self._soft_off = None

    def _boot(self):
        """The machine starts: it boots from the override if one is set, consuming a
        one-time override."""
        valid = bool(self.flags[0] & 0x80)
        persistent = bool(self.flags[0] & 0x40)
        uefi = bool(self.flags[0] & 0x20)
        device = BOOT_DEVICES.get((self.flags[1] >> 2) & 0x0F) if valid else None
        self.boots.append(
            {"device": device, "uefi": uefi, "persistent": persistent, "at": time.time()}
        )
        if valid and not persistent:
            self.flags[0] &= 0x20  # no override any more; the BIOS boot type stays
            self.flags[1] = 0
        self._tell("boot")

    def _tell(self, event: str) -> None:
        """Tell the power hook (the machine simulator) that the machine went off or booted,
        before the IPMI answer goes out: what ran on the machine stops at once, as it would
        when the power goes, not at the simulator's next poll."""
        if not self.power_hook:
            return
        body = {"kind": "ipmi", "bmc_id": self.name, "event": event, "boot_count": len(self.boots)}
        body = json.dumps(body).encode()
        request = urllib.request.Request(
            self.power_hook, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            urllib.request.urlopen(request, timeout=5).close()
        except OSError as exc:
            LOG.warning("BMC %s: the power hook %s failed: %s", self.name, self.power_hook, exc)

    # for tests and the control API ------------------------------------------------------
    def stop(self) -> None:
        """Stop answering (power or network lost); sessions are forgotten."""
        with self.lock:
            self.reachable = False
            self.epoch += 1

    def start(self) -> None:
        with self.lock:
            self.reachable = True

    def press_power(self, on: bool) -> None:
        """Power changed outside any IPMI client (the power button, a power outage)."""
        if on:
            self.power_on()
        else:
            self.power_off()

    def set_sensor(self, name: str, value: float) -> None:
        with self.lock:
            for sensor in self.sensors:
                if sensor.name == name:
                    sensor.value = value
                    return
        raise KeyError(name)

    def configure(self, soft_off_delay=None, ignore_soft_off=None, max_privilege=None) -> None:
        with self.lock:
            if soft_off_delay is not None:
                self.soft_off_delay = float(soft_off_delay)
            if ignore_soft_off is not None:
                self.ignore_soft_off = bool(ignore_soft_off)
            if max_privilege is not None:
                if int(max_privilege) not in (1, USER, OPERATOR, ADMINISTRATOR):
                    raise ValueError(f"max_privilege {max_privilege} is not 1-4")
                self.max_privilege = int(max_privilege)

    def state(self) -> dict:
        with self.lock:
            valid = bool(self.flags[0] & 0x80)
            return {
                "name": self.name,
                "address": ADDRESS,
                "port": self.port,
                "username": self.username,
                "password": self.password,
                "reachable": self.reachable,
                "power": "on" if self.on else "off",
                "boot": {
                    "valid": valid,
                    "device": BOOT_DEVICES.get((self.flags[1] >> 2) & 0x0F) if valid else None,
                    "persistent": bool(self.flags[0] & 0x40),
                    "uefi": bool(self.flags[0] & 0x20),
                },
                "boots": [dict(b) for b in self.boots],
                "nmis": self.nmis,
                "logins": {str(k): v for k, v in self.logins.items()},
                "suites": list(self.suites),
                "sensors": {s.name: s.value for s in self.sensors},
                "max_privilege": self.max_privilege,
            }


# --- many BMCs in one process ------------------------------------------------------------------
def _send_without_blocking(sock, packet, sockaddr) -> None:
    """Replaces pyghmi's sender, which sets the socket blocking before each send: with the
    I/O thread reading the same sockets non-blocking, a send between its setblocking(0) and
    recvfrom left it blocked on one BMC's quiet socket, and every BMC of the lab went mute
    until a packet reached that one."""
    with contextlib.suppress(OSError):
        sock.sendto(packet, socket.MSG_DONTWAIT, sockaddr)


class Lab:
    """LabBmcs sharing pyghmi's I/O loop, run by ``run`` (or ``start`` in a thread)."""

    def __init__(self):
        # pyghmi wakes its I/O thread with a datagram to (myself, first socket's port); with
        # IPv4 loopback sockets only an IPv4 address works.
        ipmi_session.myself = ADDRESS
        ipmi_session._io_sendto = _send_without_blocking
        self.bmcs: dict[str, LabBmc] = {}
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, name: str, username: str, password: str, port: int = 0, **options) -> LabBmc:
        bmc = LabBmc(name, username, password, port, **options)
        self.bmcs[name] = bmc
        return bmc

    def run(self) -> None:
        while not self._halt.is_set():
            try:
                # Short waits: pyghmi's loop can park just after a request came in and only
                # see it with the next packet; a client would resend after 0.5-1 s.
                ipmi_session.Session.wait_for_rsp(timeout=0.05)
            except Exception:
                LOG.exception("IPMI lab loop")
                time.sleep(0.05)

    def start(self) -> "Lab":
        self._thread = threading.Thread(target=self.run, name="ipmi-lab", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout=5)


class _Control(http.server.BaseHTTPRequestHandler):
    """The control API: JSON in, JSON out (see the module docstring)."""

    lab: Lab

    def log_message(self, format, *args):  # noqa: A002 - the base class's signature
        LOG.debug("control: " + format, *args)

    def _answer(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if parts == ["bmcs"]:
            return self._answer(200, [b.state() for b in self.lab.bmcs.values()])
        if len(parts) == 2 and parts[0] == "bmcs" and parts[1] in self.lab.bmcs:
            return self._answer(200, self.lab.bmcs[parts[1]].state())
        return self._answer(404, {"error": f"no {self.path}"})

    def do_POST(self):
        parts = self.path.strip("/").split("/")
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}") if length else {}
        if len(parts) != 3 or parts[0] != "bmcs" or parts[1] not in self.lab.bmcs:
            return self._answer(404, {"error": f"no {self.path}"})
        bmc, action = self.lab.bmcs[parts[1]], parts[2]
        try:
            if action == "stop":
                bmc.stop()
            elif action == "start":
                bmc.start()
            elif action == "power":
                bmc.press_power(bool(body["on"]))
            elif action == "reset":
                if bmc.power_reset():
                    return self._answer(409, {"error": f"{bmc.name} is off: nothing to reset"})
            elif action == "sensor":
                bmc.set_sensor(body["name"], float(body["value"]))
            elif action == "configure":
                bmc.configure(**body)
            elif action == "hook":
                bmc.power_hook = body.get("url") or None
            else:
                return self._answer(404, {"error": f"unknown action {action}"})
        except (KeyError, TypeError, ValueError) as exc:
            return self._answer(400, {"error": f"{type(exc).__name__}: {exc}"})
        return self._answer(200, bmc.state())


def serve_control(lab: Lab, port: int = 0) -> http.server.ThreadingHTTPServer:
    handler = type("Control", (_Control,), {"lab": lab})
    server = http.server.ThreadingHTTPServer((ADDRESS, port), handler)
    threading.Thread(target=server.serve_forever, name="ipmi-lab-control", daemon=True).start()
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ironic_lite.lab.ipmi", description="In-memory IPMI BMCs on 127.0.0.1."
    )
    parser.add_argument("--count", type=int, default=1, help="how many BMCs")
    parser.add_argument(
        "--base-port", type=int, default=0, help="first UDP port (then +1 each); 0: free ports"
    )
    parser.add_argument("--control-port", type=int, default=0, help="HTTP control port")
    parser.add_argument("--username", default="admin", help="user of every BMC")
    parser.add_argument(
        "--password-prefix", default="secret-", help="BMC i's password is PREFIX<i>"
    )
    parser.add_argument("--sensors", action="store_true", help="give every BMC four sensors")
    parser.add_argument("--suites", default="17,3", help="cipher suites offered, in order")
    parser.add_argument(
        "--legacy-negotiation",
        action="store_true",
        help="answer every proposal with suite 3, as pyghmi's stock server does",
    )
    parser.add_argument("--soft-off-delay", type=float, default=0.2)
    parser.add_argument("--session-timeout", type=float, default=60)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(message)s")

    lab = Lab()
    suites = tuple(int(s) for s in args.suites.split(",") if s)
    for i in range(args.count):
        lab.add(
            f"bmc-{i}",
            args.username,
            f"{args.password_prefix}{i}",
            args.base_port + i if args.base_port else 0,
            suites=suites,
            legacy_negotiation=args.legacy_negotiation,
            sensors=default_sensors() if args.sensors else None,
            soft_off_delay=args.soft_off_delay,
            session_timeout=args.session_timeout,
        )
    control = serve_control(lab, args.control_port)
    print(
        json.dumps(
            {
                "control": f"http://{ADDRESS}:{control.server_address[1]}",
                "bmcs": [
                    {k: b.state()[k] for k in ("name", "address", "port", "username", "password")}
                    for b in lab.bmcs.values()
                ],
            }
        ),
        flush=True,
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: lab._halt.set())
    lab.run()
    control.shutdown()
    return 0


# --- for tests: the lab as a child process ------------------------------------------------------
class LabProcess:
    """``python -m ironic_lite.lab.ipmi`` as a child process, with its control API as methods::

    with LabProcess(count=3, sensors=True) as lab:
        bmc = lab.bmcs[0]               # {"name", "address", "port", "username", "password"}
        lab.state(bmc["name"])["power"]
        lab.stop_bmc(bmc["name"])
    """

    def __init__(self, count: int = 1, *args: str, output: str | None = None, **options):
        # output: a file for the process's stdout (the JSON line is read from it), so that it
        # can outlive this process (``ironic-lite-lab up``); else a pipe.
        self.output = output
        self.argv = [sys.executable, "-m", "ironic_lite.lab.ipmi", "--count", str(count), *args]
        for key, value in options.items():
            flag = "--" + key.replace("_", "-")
            if value is True:
                self.argv.append(flag)
            elif value not in (False, None):
                value = ",".join(map(str, value)) if isinstance(value, tuple | list) else value
                self.argv += [flag, str(value)]
        self.proc: subprocess.Popen | None = None
        self.control = ""
        self.bmcs: list[dict] = []

    def start(self, timeout: float = 30) -> "LabProcess":
        if self.output:
            return self._start_detached(timeout)
        self.proc = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, text=True, start_new_session=True
        )
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            if not sel.select(timeout):
                self.close()
                raise RuntimeError(f"the IPMI lab did not start within {timeout} s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the IPMI lab exited ({self.proc.wait()})")
        started = json.loads(line)
        self.control, self.bmcs = started["control"], started["bmcs"]
        return self

    def _start_detached(self, timeout: float) -> "LabProcess":
        with open(self.output, "w") as out:
            self.proc = subprocess.Popen(
                self.argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with open(self.output) as f:
                line = f.readline()
            if line.endswith("\n") and line.startswith("{"):
                started = json.loads(line)
                self.control, self.bmcs = started["control"], started["bmcs"]
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"the IPMI lab exited ({self.proc.returncode})")
            time.sleep(0.05)
        self.close()
        raise RuntimeError(f"the IPMI lab did not start within {timeout} s")

    def _request(self, method: str, path: str, body: dict | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            self.control + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def state(self, name: str) -> dict:
        return self._request("GET", f"/bmcs/{name}")

    def states(self) -> dict[str, dict]:
        return {s["name"]: s for s in self._request("GET", "/bmcs")}

    def stop_bmc(self, name: str) -> dict:
        return self._request("POST", f"/bmcs/{name}/stop", {})

    def start_bmc(self, name: str) -> dict:
        return self._request("POST", f"/bmcs/{name}/start", {})

    def press_power(self, name: str, on: bool) -> dict:
        return self._request("POST", f"/bmcs/{name}/power", {"on": on})

    def set_sensor(self, name: str, sensor: str, value: float) -> dict:
        return self._request("POST", f"/bmcs/{name}/sensor", {"name": sensor, "value": value})

    def reset(self, name: str) -> dict:
        return self._request("POST", f"/bmcs/{name}/reset", {})

    def set_hook(self, name: str, url: str | None) -> dict:
        return self._request("POST", f"/bmcs/{name}/hook", {"url": url})

    def configure(self, name: str, **settings) -> dict:
        return self._request("POST", f"/bmcs/{name}/configure", settings)

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> "LabProcess":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()


if __name__ == "__main__":
    sys.exit(main())
