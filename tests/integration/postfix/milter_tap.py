"""milter_tap.py - a recording proxy between Postfix and a milter.

Postfix -> 127.0.0.1:LISTEN (this tap) -> 127.0.0.1:UPSTREAM (the milter)

Every byte is forwarded unchanged; each milter packet (4-byte length,
command byte, data) is also decoded so a test can see, per connection:

  sender       MAIL FROM argument as Postfix sent it
  qid          the "i" macro (queue id) of the message
  protocol     the step flags the milter negotiated (its OPTNEG reply)
  body_in      the body exactly as Postfix sent it (BODY chunks joined)
  body_out     the body the milter sent back (REPLBODY), or None
  headers_in   [(name, value)] as Postfix sent them
  added        [(name, value)] ADDHEADER requests
  changed      [(index, name, value)] CHGHEADER requests
  replies      [(last MTA command, reply)] e.g. ("MAIL", "ACCEPT")

That "body_in" is the witness for the byte-identity check: it is what
Postfix itself generated for this very bounce, taken off the wire before
the milter could touch it.
"""
import socket
import struct
import threading

MTA_CMDS = {"O": "OPTNEG", "C": "CONNECT", "H": "HELO", "M": "MAIL", "R": "RCPT",
            "T": "DATA", "L": "HEADER", "N": "EOH", "B": "BODY", "E": "EOM",
            "A": "ABORT", "Q": "QUIT", "K": "QUIT_NC", "U": "UNKNOWN"}
REPLIES = {"O": "OPTNEG", "c": "CONTINUE", "a": "ACCEPT", "r": "REJECT",
           "t": "TEMPFAIL", "d": "DISCARD", "y": "REPLYCODE", "h": "ADDHEADER",
           "i": "INSHEADER", "m": "CHGHEADER", "b": "REPLBODY", "s": "SKIP",
           "e": "CHGFROM", "+": "ADDRCPT", "-": "DELRCPT", "p": "PROGRESS",
           "q": "QUARANTINE"}


def _strings(data):
    parts = data.split(b"\0")
    if parts and parts[-1] == b"":
        parts.pop()
    return parts


class Tap:
    def __init__(self, listen_port, upstream_port):
        self.upstream_port = upstream_port
        self.records = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", listen_port))
        self.sock.listen(32)
        self.stopped = False
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.stopped = True
        try:
            self.sock.close()
        except OSError:
            pass

    def _accept(self):
        while not self.stopped:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                up = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
                up.settimeout(None)
            except OSError:
                client.close()          # Postfix sees the milter gone
                continue
            rec = {"sender": None, "qid": None, "protocol": None, "body_in": b"",
                   "body_out": None, "headers_in": [], "added": [], "changed": [],
                   "replies": [], "last": None, "done": False}
            with self.lock:
                self.records.append(rec)
            threading.Thread(target=self._pump, args=(client, up, rec, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(up, client, rec, False), daemon=True).start()

    def _pump(self, src, dst, rec, from_mta):
        buf = b""
        try:
            while True:
                chunk = src.recv(65536)
                if not chunk:
                    break
                dst.sendall(chunk)
                buf += chunk
                while len(buf) >= 4:
                    (n,) = struct.unpack(">I", buf[:4])
                    if len(buf) < 4 + n:
                        break
                    pkt, buf = buf[4:4 + n], buf[4 + n:]
                    if pkt:
                        with self.lock:
                            self._packet(rec, from_mta, chr(pkt[0]), pkt[1:])
        except OSError:
            pass
        finally:
            with self.lock:
                if not from_mta:
                    rec["done"] = True
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    @staticmethod
    def _packet(rec, from_mta, cmd, data):
        if from_mta:
            if cmd == "D":
                kv = _strings(data[1:])
                for i in range(0, len(kv) - 1, 2):
                    if kv[i] in (b"i", b"{i}") and kv[i + 1]:
                        rec["qid"] = kv[i + 1].decode("ascii", "replace")
                return
            rec["last"] = MTA_CMDS.get(cmd, cmd)
            if cmd == "M":
                args = _strings(data)
                rec["sender"] = args[0].decode("utf-8", "replace") if args else ""
            elif cmd == "L":
                hv = _strings(data)
                if len(hv) >= 1:
                    rec["headers_in"].append((hv[0].decode("utf-8", "replace"),
                                              (hv[1] if len(hv) > 1 else b"").decode("utf-8", "replace")))
            elif cmd == "B":
                rec["body_in"] += data
            return
        name = REPLIES.get(cmd, cmd)
        if cmd == "O" and len(data) >= 12:
            rec["protocol"] = struct.unpack(">III", data[:12])[2]
        elif cmd == "b":
            rec["body_out"] = (rec["body_out"] or b"") + data
        elif cmd == "h":
            hv = _strings(data)
            rec["added"].append(tuple(x.decode("utf-8", "replace") for x in (hv + [b""])[:2]))
        elif cmd == "m" and len(data) >= 4:
            hv = _strings(data[4:])
            rec["changed"].append((struct.unpack(">I", data[:4])[0],) +
                                  tuple(x.decode("utf-8", "replace") for x in (hv + [b"", b""])[:2]))
        rec["replies"].append((rec["last"], name))

    def find(self, qid):
        with self.lock:
            for rec in self.records:
                if rec["qid"] == qid:
                    return dict(rec)
        return None

    def snapshot(self):
        with self.lock:
            return [dict(r) for r in self.records]
