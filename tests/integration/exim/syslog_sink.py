#!/usr/bin/python3
"""syslog_sink.py SOCKET OUTFILE - bind a unix datagram socket and append
every datagram to OUTFILE, one per line.  The test machines run no syslog
daemon; inside the test's mount namespace the socket is /dev/log."""
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
while True:
    data = s.recv(65536)
    with open(out, "ab") as f:
        f.write(data.rstrip(b"\0\n") + b"\n")
