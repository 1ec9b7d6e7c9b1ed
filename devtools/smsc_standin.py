"""A carrier's SMSC, as far as Jasmin can tell: a small SMPP 3.4 server (tests and the demo).

Jasmin binds to it as a transceiver. It answers submit_sm with a message id, records what it was
asked to send, sends the delivery receipt Jasmin asked for, and can send a mobile-originated SMS
(`mo(...)`) as a phone replying to the short code would. Only the PDUs Jasmin uses are spoken.
"""

from __future__ import annotations

import itertools
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER = 0x01, 0x02, 0x09
SUBMIT_SM, DELIVER_SM, UNBIND, ENQUIRE_LINK = 0x04, 0x05, 0x06, 0x15
RESP = 0x80000000
GENERIC_NACK = 0x80000000
TLV_RECEIPTED_MESSAGE_ID, TLV_MESSAGE_STATE = 0x001E, 0x0427
MESSAGE_STATES = {"DELIVRD": 2, "EXPIRED": 3, "DELETED": 4, "UNDELIV": 5, "ACCEPTD": 6, "UNKNOWN": 7, "REJECTD": 8}


@dataclass
class Submitted:
    message_id: str
    source: str
    destination: str
    text: str
    registered_delivery: int
    at: float = field(default_factory=time.time)


def _cstr(data: bytes, at: int) -> tuple[str, int]:
    end = data.index(b"\x00", at)
    return data[at:end].decode("latin-1"), end + 1


def parse_submit(body: bytes) -> tuple[str, str, int, int, bytes]:
    """(source, destination, registered_delivery, data_coding, short_message) of a submit_sm body."""
    _service, at = _cstr(body, 0)
    at += 2
    source, at = _cstr(body, at)
    at += 2
    destination, at = _cstr(body, at)
    at += 3  # esm_class, protocol_id, priority_flag
    _schedule, at = _cstr(body, at)
    _validity, at = _cstr(body, at)
    registered_delivery, _replace, data_coding, _default_id, length = body[at : at + 5]
    at += 5
    return source, destination, registered_delivery, data_coding, body[at : at + length]


def deliver_body(*, source: str, destination: str, text: bytes, esm_class: int = 0,
                 tlvs: bytes = b"", data_coding: int = 0) -> bytes:
    return (
        b"\x00" + bytes([1, 1]) + source.encode() + b"\x00" + bytes([1, 1]) + destination.encode() + b"\x00"
        + bytes([esm_class, 0, 0]) + b"\x00" + b"\x00" + bytes([0, 0, data_coding, 0, len(text)]) + text + tlvs
    )


def _tlv(tag: int, value: bytes) -> bytes:
    return struct.pack(">HH", tag, len(value)) + value


def _decode(data_coding: int, raw: bytes) -> str:
    if data_coding == 8:
        return raw.decode("utf-16-be", errors="replace")
    return raw.decode("latin-1")


class SmscStandIn:
    """Listens on 127.0.0.1; `submitted` holds every submit_sm; receipts are sent unless told not to."""

    def __init__(self, *, port: int = 0, receipt_status: str = "DELIVRD") -> None:
        self.receipt_status = receipt_status
        self.submitted: list[Submitted] = []
        self._ids = itertools.count(1)
        self._seq = itertools.count(1)
        self._sock = socket.create_server(("127.0.0.1", port))
        self._sessions: list[_Session] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True, name="smsc-standin")

    @property
    def port(self) -> int:
        return int(self._sock.getsockname()[1])

    def start(self) -> SmscStandIn:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        for session in list(self._sessions):
            session.close()

    def bound(self) -> bool:
        return any(s.bound for s in self._sessions)

    def messages(self, to: str | None = None) -> list[Submitted]:
        with self._lock:
            return [m for m in self.submitted if to is None or m.destination == to]

    def mo(self, *, source: str, destination: str, text: str) -> None:
        """A phone sends `text` to the short code `destination`."""
        session = next(s for s in self._sessions if s.bound)
        session.send(DELIVER_SM, deliver_body(source=source, destination=destination, text=text.encode("latin-1")))

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            session = _Session(self, conn)
            self._sessions.append(session)
            threading.Thread(target=session.run, daemon=True, name="smsc-session").start()

    def next_seq(self) -> int:
        return next(self._seq)

    def record(self, body: bytes) -> Submitted:
        source, destination, registered, coding, raw = parse_submit(body)
        item = Submitted(f"{next(self._ids):08X}", source, destination, _decode(coding, raw), registered)
        with self._lock:
            self.submitted.append(item)
        return item


class _Session:
    def __init__(self, server: SmscStandIn, conn: socket.socket) -> None:
        self.server, self.conn, self.bound = server, conn, False
        self._write = threading.Lock()

    def close(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass

    def send(self, command: int, body: bytes, *, status: int = 0, seq: int | None = None) -> None:
        pdu = struct.pack(">IIII", 16 + len(body), command, status, seq or self.server.next_seq()) + body
        with self._write:
            self.conn.sendall(pdu)

    def _read(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = self.conn.recv(n - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data

    def run(self) -> None:
        try:
            while True:
                length, command, _status, seq = struct.unpack(">IIII", self._read(16))
                self.handle(command, seq, self._read(length - 16))
        except (ConnectionError, OSError, struct.error):
            self.bound = False
            self.close()

    def handle(self, command: int, seq: int, body: bytes) -> None:
        if command in (BIND_RECEIVER, BIND_TRANSMITTER, BIND_TRANSCEIVER):
            self.bound = True
            self.send(command | RESP, b"smsc-standin\x00", seq=seq)
        elif command == ENQUIRE_LINK:
            self.send(ENQUIRE_LINK | RESP, b"", seq=seq)
        elif command == SUBMIT_SM:
            item = self.server.record(body)
            self.send(SUBMIT_SM | RESP, item.message_id.encode() + b"\x00", seq=seq)
            if item.registered_delivery & 0x03:
                self.receipt(item)
        elif command == UNBIND:
            self.send(UNBIND | RESP, b"", seq=seq)
            self.bound = False
        elif command & RESP:
            return  # deliver_sm_resp and friends
        else:
            self.send(GENERIC_NACK, b"", status=0x03, seq=seq)  # invalid command id

    def receipt(self, item: Submitted) -> None:
        status = self.server.receipt_status
        stamp = time.strftime("%y%m%d%H%M")
        text = (f"id:{item.message_id} sub:001 dlvrd:{'001' if status == 'DELIVRD' else '000'} "
                f"submit date:{stamp} done date:{stamp} stat:{status} err:000 text:").encode()
        tlvs = _tlv(TLV_RECEIPTED_MESSAGE_ID, item.message_id.encode() + b"\x00") + _tlv(
            TLV_MESSAGE_STATE, bytes([MESSAGE_STATES.get(status, 7)]))
        self.send(DELIVER_SM, deliver_body(source=item.destination, destination=item.source, text=text,
                                           esm_class=0x04, tlvs=tlvs))
