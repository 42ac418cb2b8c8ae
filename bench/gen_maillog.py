"""gen_maillog.py - a deterministic, realistic Postfix mail log for the scan benchmark

    python3 gen_maillog.py [--size MB] [--seed N] [--ms-rate R] [--root DIR]
                           OUT EXPECTED

Writes at least --size megabytes (default 1024) of classic-syslog Postfix
log to OUT.  Every line copies the shape of a real line in
tests/data/postfix/logs (pickup, cleanup, qmgr, smtp, bounce, local,
smtpd connect/disconnect, TLS notices, warnings); queue ids, pids, times,
sizes and addresses vary.  About --ms-rate (default 0.01) of the messages
fail at Microsoft 365 with a reply taken verbatim from
tests/data/replies/m365.tsv (deferred, retried, then bounced or delivered);
about as many are deferred by other providers with the replies in
tests/data/replies/other.tsv, which must get no cause.  EXPECTED gets one
"queue_id<TAB>cause" line per Microsoft failure, so the benchmark can check
that the scan it times found them.  The same seed gives the same bytes.
"""
import argparse
import os
import random
import sys

MONTHS = ('Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep',
          'Oct', 'Nov', 'Dec')
MDAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
DOMAINS = ('gmail.com', 'yahoo.com', 'customer.example', 'example.org',
           'partner.example.net', 'mail.example.com', 'icloud.com',
           'gmx.de', 'web.de', 'orange.fr')
MX = ('gmail-smtp-in.l.google.com[142.250.153.27]:25',
      'mta7.am0.yahoodns.net[67.195.204.79]:25',
      'mx.customer.example[192.0.2.25]:25',
      'mx1.example.org[198.51.100.7]:25',
      'mx01.emig.gmx.net[212.227.17.5]:25',
      'mx-in.orange.fr[80.12.242.82]:25')
USERS = ('alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace',
         'heidi', 'ivan', 'judy', 'mallory', 'oscar', 'peggy', 'trent',
         'victor', 'walter', 'noreply', 'reports', 'billing', 'alerts')
TLS = ('Trusted TLS connection established to %s: TLSv1.3 with cipher '
       'TLS_AES_256_GCM_SHA384 (256/256 bits) key-exchange X25519 '
       'server-signature RSA-PSS (2048 bits) server-digest SHA256')
M365 = 'smtp.office365.com[52.98.%d.%d]:587'


def load_tsv(path):
    rows = []
    with open(path, encoding='utf-8') as fh:
        for line in fh:
            if line.startswith('#') or not line.strip():
                continue
            key, text = line.rstrip('\n').split('\t', 1)
            # a multi-line reply as Postfix logs it: the lines joined by " "
            rows.append((key, text.replace('\\n', ' ')))
    return rows


class Clock:
    """Syslog time that only moves forward, a few messages a second."""

    def __init__(self, rnd):
        self.rnd = rnd
        self.mon, self.day, self.sec = 10, 1, 0

    def tick(self, mean):
        self.sec += self.rnd.expovariate(1.0 / mean)
        while self.sec >= 86400:
            self.sec -= 86400
            self.day += 1
            if self.day > MDAYS[self.mon]:
                self.day, self.mon = 1, (self.mon + 1) % 12

    def at(self, plus=0.0):
        s = int(self.sec + plus) % 86400
        return '%s %2d %02d:%02d:%02d' % (MONTHS[self.mon], self.day,
                                          s // 3600, s // 60 % 60, s % 60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--size', type=int, default=1024, help='MB to write')
    ap.add_argument('--seed', type=int, default=6)
    ap.add_argument('--ms-rate', type=float, default=0.01)
    ap.add_argument('--root', default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), '..'))
    ap.add_argument('out')
    ap.add_argument('expected')
    a = ap.parse_args()

    rnd = random.Random(a.seed)
    m365 = load_tsv(os.path.join(a.root, 'tests/data/replies/m365.tsv'))
    other = load_tsv(os.path.join(a.root, 'tests/data/replies/other.tsv'))
    clock = Clock(rnd)
    host = 'relay'
    limit = a.size * 1024 * 1024
    written = 0
    qseq = rnd.randrange(1 << 36)
    pid = {'pickup': 5447, 'cleanup': 5463, 'qmgr': 5448, 'smtp': 5468,
           'bounce': 5471, 'local': 5472, 'smtpd': 5400}
    nmsg = nms = 0
    out = open(a.out, 'w', encoding='utf-8', newline='\n')
    exp = open(a.expected, 'w', encoding='utf-8', newline='\n')
    buf = []

    def qid():
        nonlocal qseq
        # Postfix's short queue ids: 10-11 upper-case hex digits
        qseq = (qseq + rnd.randrange(1, 4096)) & ((1 << 44) - 1)
        return '%X' % (qseq | (1 << 36))

    def line(t, prog, text):
        buf.append('%s %s postfix/%s[%d]: %s\n' % (t, host, prog, pid[prog],
                                                  text))

    while written < limit:
        for _ in range(2000):
            nmsg += 1
            clock.tick(0.05)
            if rnd.random() < 0.002:
                # daemons restart now and then: new pids
                for k in pid:
                    pid[k] = rnd.randrange(1000, 65000)
            t = clock.at()
            q = qid()
            user = rnd.choice(USERS)
            sender = '%s@relay.example.test' % user
            rcpt = '%s@%s' % (rnd.choice(USERS), rnd.choice(DOMAINS))
            size = rnd.randrange(300, 200000)
            if rnd.random() < 0.3:
                line(t, 'smtpd', 'connect from app%d.example.test[10.0.%d.%d]'
                     % (rnd.randrange(9), rnd.randrange(256),
                        rnd.randrange(256)))
                line(t, 'smtpd', '%s: client=app.example.test[10.0.0.5]' % q)
            else:
                line(t, 'pickup', '%s: uid=%d from=<%s>'
                     % (q, 1000 + rnd.randrange(50), sender))
            line(t, 'cleanup', '%s: message-id=<%s.%s@relay.example.test>'
                 % (q, t.replace(' ', '').replace(':', ''), q))
            line(t, 'qmgr', '%s: from=<%s>, size=%d, nrcpt=1 (queue active)'
                 % (q, sender, size))
            r = rnd.random()
            if r < a.ms_rate:
                # a Microsoft 365 failure through the smarthost
                nms += 1
                cause, reply = rnd.choice(m365)
                relay = M365 % (rnd.randrange(256), rnd.randrange(256))
                srv = relay[:relay.rindex(':')]
                code = reply.split(' ', 2)
                dsn = code[1] if len(code) > 1 and code[1][:1] in '245' \
                    else '5.0.0'
                sasl = reply.startswith('535') or reply.startswith('504')
                why = ('SASL authentication failed; server %s said: %s'
                       % (srv, reply) if sasl else
                       'host %s said: %s (in reply to MAIL FROM command)'
                       % (srv, reply))
                tries = 1 + rnd.randrange(3)
                for k in range(tries):
                    tt = clock.at(k * 300)
                    final = k == tries - 1 and rnd.random() < 0.7
                    d = ('5' + dsn[1:]) if final else ('4' + dsn[1:])
                    line(tt, 'smtp', TLS % relay)
                    line(tt, 'smtp', '%s: to=<%s>, relay=%s, delay=%d, '
                         'delays=0.01/0/0.09/0.02, dsn=%s, status=%s (%s)'
                         % (q, rcpt, relay, k * 300, d,
                            'bounced' if final else 'deferred', why))
                    if final:
                        b = qid()
                        line(tt, 'cleanup', '%s: message-id=<%s.%s@relay.'
                             'example.test>' % (b, q, b))
                        line(tt, 'bounce', '%s: sender non-delivery '
                             'notification: %s' % (q, b))
                        line(tt, 'qmgr', '%s: removed' % q)
                        line(tt, 'local', '%s: to=<%s>, relay=local, delay=0,'
                             ' delays=0/0/0/0, dsn=2.0.0, status=sent '
                             '(delivered to mailbox)' % (b, sender))
                        line(tt, 'qmgr', '%s: removed' % b)
                    elif k == tries - 1:
                        line(tt, 'qmgr', '%s: removed' % q)
                exp.write('%s\t%s\n' % (q, cause))
                continue
            relay = rnd.choice(MX)
            if r < 2 * a.ms_rate:
                # another provider defers: no Microsoft cause
                srv, reply = rnd.choice(other)
                relay = '%s[203.0.113.%d]:587' % (srv, rnd.randrange(256))
                line(t, 'smtp', '%s: to=<%s>, relay=%s, delay=1, '
                     'delays=0/0/0.5/0.5, dsn=4.7.0, status=deferred '
                     '(host %s said: %s (in reply to RCPT TO command))'
                     % (q, rcpt, relay, relay[:relay.rindex(':')], reply))
                t = clock.at(600)
            elif r < 0.03:
                line(t, 'smtp', 'warning: %s: ignoring unknown TLS policy'
                     % q)
            if rnd.random() < 0.5:
                line(t, 'smtp', TLS % relay)
            line(t, 'smtp', '%s: to=<%s>, relay=%s, delay=%.1f, '
                 'delays=0.01/0/0.2/0.4, dsn=2.0.0, status=sent (250 2.0.0 '
                 'OK  %d %s - gsmtp)'
                 % (q, rcpt, relay, rnd.random() * 3,
                    1700000000 + nmsg, q.lower()))
            line(t, 'qmgr', '%s: removed' % q)
            if rnd.random() < 0.3:
                line(t, 'smtpd', 'disconnect from app.example.test[10.0.0.5] '
                     'ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5')
        chunk = ''.join(buf)
        buf.clear()
        out.write(chunk)
        written += len(chunk)
    out.close()
    exp.close()
    print('gen_maillog: %d bytes, %d messages, %d Microsoft 365 failures'
          % (written, nmsg, nms), file=sys.stderr)


if __name__ == '__main__':
    main()
