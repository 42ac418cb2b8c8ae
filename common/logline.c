/*
 * logline.c - recognise Postfix and Exim log lines that carry a failure
 *
 * Functions: logline_parse.
 *
 * One line is taken apart in two steps.  The header gives the time, the
 * host and the program: classic syslog (RFC 3164, also journalctl -o
 * short and short-precise, with or without a "<PRI>" and with or without
 * a host name, as when /dev/log is captured directly), ISO time stamps
 * (rsyslog high precision, journalctl -o short-iso and short-iso-precise),
 * RFC 5424 on the wire ("<PRI>1 TIME HOST APP PROCID MSGID SD MSG"), or
 * an Exim mainlog time stamp ("YYYY-MM-DD HH:MM:SS", optionally with
 * fraction, log_timezone offset and "[pid]").  The program then selects
 * the body parser: "postfix/..." and instance names ("postfix-out/smtp")
 * go to the Postfix parser, "exim" and "exim4" (and a mainlog line) to
 * the Exim parser.  An Exim line sent to syslog keeps its own time stamp
 * when syslog_timestamp is set; that inner time stamp, which carries the
 * year, replaces the syslog one.
 *
 * Postfix: "QUEUEID: to=<..>, relay=.., dsn=.., status=WORD (reason)"
 * gives DEFERRED (deferred) or BOUNCED (bounced, expired); the reason is
 * the outermost "(...)" after the status word.  "SASL authentication
 * failed; server H[IP] said: ..." without a status gives AUTH_FAILED
 * (reason: the reply after "said: "); local SASL trouble ("SASL
 * authentication failure: No worthy mechs found", "SASL authentication
 * failed; cannot authenticate to server ...") gives SASL_LOCAL (reason:
 * the message).  Both only from the smtp and lmtp clients: smtpd's SASL
 * messages are about our own clients.  The sasl-xoauth2 plugin logs from
 * inside the smtp process ("postfix/smtp[pid]: [sasl-xoauth2] auth
 * failed: 2026-01-27 23:31:09: TokenStore::Read: ...") or, in older
 * versions, under its own name ("sasl-xoauth2: auth failed: ...",
 * "sasl-xoauth2[pid]: ..."): SASL_LOCAL with xoauth2 set and the reason
 * after the plugin's own time stamp.  Its trace lines that dump a token
 * request or the token file ("request: client_id=...", "Read:
 * refresh=...") are never returned as a reason: they hold secrets.  The
 * tag's [pid] is kept so that a caller can tie the plugin's line to the
 * delivery line of the same smtp process.  relay= is kept as
 * written ("none", "local").  Exim: "**" is BOUNCED and "==" DEFERRED,
 * the reason being the text after the first ": " outside quotes (a DN=
 * may hold ": ") less a trailing " DT=..."; "NAME authenticator failed
 * H=host [ip] ..." is AUTH_FAILED; "Completed" is REMOVED.  A bare
 * "H=[ip]" gives the address as relay too.
 *
 * Limits: the input need not be NUL-terminated and is never read past
 * len; nothing is allocated; every field is cut to its buffer, and
 * control bytes (NUL included) in a field become '?'.  Queue and message
 * ids are checked against their grammar (Postfix short hex or long
 * vowel-free ids, Exim 6-6-2 and 4.97+ 6-11-4 ids) and the dsn against
 * "C.SSS.DDD", so a crafted reply cannot inject them.  "reason" points
 * into the caller's line and is NOT cleaned: it is remote text; pass it
 * through text_printable() before it reaches a header or a log.  Exim
 * lines that Exim's syslog writer split into "[n\m]" parts are only
 * understood in their first part.  journalctl -o short-full and other
 * formats with a weekday are not recognised.
 */
#include <stdint.h>
#include <string.h>

#include "logline.h"
#include "logtime.h"

#define ISDIGIT(c)	((c) >= '0' && (c) <= '9')
#define ISUPPER(c)	((c) >= 'A' && (c) <= 'Z')
#define ISLOWER(c)	((c) >= 'a' && (c) <= 'z')
#define ISALNUM(c)	(ISDIGIT(c) || ISUPPER(c) || ISLOWER(c))
#define ISHEXUP(c)	(ISDIGIT(c) || ((c) >= 'A' && (c) <= 'F'))
#define ISVOWEL(c)	((c) == 'A' || (c) == 'E' || (c) == 'I' || \
			 (c) == 'O' || (c) == 'U' || (c) == 'a' || \
			 (c) == 'e' || (c) == 'i' || (c) == 'o' || (c) == 'u')

/*
 * has_ctl8 - one of the eight bytes in w is below 0x20 or is 0x7f
 * (the "has less" and "has zero" tests of Bit Twiddling Hacks: exact
 * for whether there is one, which is all that is asked)
 */
static int
has_ctl8(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t high = 0x8080808080808080ULL;
	uint64_t d = w ^ (ones * 0x7f);

	return (((((w - ones * 0x20) & ~w) | ((d - ones) & ~d)) & high) != 0);
}

/* ctl - a byte as a field keeps it: control bytes become '?' */
static char
ctl(char ch)
{
	unsigned char c = (unsigned char)ch;

	return ((c < 0x20 || c == 0x7f) ? '?' : ch);
}

/* field - bounded copy of [s, e) into dst, control bytes as '?', terminated */
static void
field(char *dst, size_t dstlen, const char *s, const char *e)
{
	size_t	 i, j, n;
	uint64_t w;
	uint32_t h;

	n = (size_t)(e - s);
	if (n > dstlen - 1)
		n = dstlen - 1;
	/* control bytes are rare: looked for eight at a time (this runs
	 * on every line) */
	if (n >= 8) {
		/* whole words; the last one overlaps the one before it */
		for (i = 0;; i += 8) {
			if (i > n - 8)
				i = n - 8;
			memcpy(&w, s + i, 8);
			memcpy(dst + i, &w, 8);
			if (has_ctl8(w))
				for (j = i; j < i + 8; j++)
					dst[j] = ctl(dst[j]);
			if (i == n - 8)
				break;
		}
	} else if (n >= 4) {
		/* two overlapping halves, the rest of the word harmless */
		memcpy(&h, s, 4);
		w = h | (0x61616161ULL << 32);
		memcpy(&h, s + n - 4, 4);
		if (has_ctl8(w) || has_ctl8(h | (0x61616161ULL << 32)))
			for (j = 0; j < n; j++)
				dst[j] = ctl(s[j]);
		else
			memcpy(dst, s, n);
	} else
		for (j = 0; j < n; j++)
			dst[j] = ctl(s[j]);
	dst[n] = '\0';
}

/* prefix - the bounded text at p starts with the literal lit */
static int
prefix(const char *p, const char *e, const char *lit)
{
	size_t	 n = strlen(lit);

	return ((size_t)(e - p) >= n && memcmp(p, lit, n) == 0);
}

/* find - first occurrence of the literal lit in [p, e), or NULL */
static const char *
find(const char *p, const char *e, const char *lit)
{
	size_t	 n = strlen(lit);

	if (n == 0)
		return (p);
	/* memchr for the first byte: this runs over every scanned line */
	while (p < e && (size_t)(e - p) >= n) {
		if ((p = memchr(p, *lit, (size_t)(e - p) - n + 1)) == NULL)
			return (NULL);
		if (memcmp(p, lit, n) == 0)
			return (p);
		p++;
	}
	return (NULL);
}

/* word - end of the run of non-space bytes at p */
static const char *
word(const char *p, const char *e)
{
	const char *q;

	if (p >= e)
		return (p);
	q = memchr(p, ' ', (size_t)(e - p));
	return (q != NULL ? q : e);
}

/* ndigits - p advanced over at most max digits; *np gets the count */
static const char *
ndigits(const char *p, const char *e, size_t max, size_t *np)
{
	size_t	 n = 0;

	while (p < e && n < max && ISDIGIT(*p)) {
		p++;
		n++;
	}
	*np = n;
	return (p);
}

/* fixed - p after the exact digit/punctuation pattern pat ('9' = a digit), or NULL */
static const char *
fixed(const char *p, const char *e, const char *pat)
{
	for (; *pat != '\0'; pat++, p++) {
		if (p >= e)
			return (NULL);
		if (*pat == '9' ? !ISDIGIT(*p) : *p != *pat)
			return (NULL);
	}
	return (p);
}

/* fraction - p after an optional ".digits" (1 to 9 digits) */
static const char *
fraction(const char *p, const char *e)
{
	const char *q;
	size_t	 n;

	if (p < e && *p == '.') {
		q = ndigits(p + 1, e, 9, &n);
		if (n > 0)
			return (q);
	}
	return (p);
}

/* ts_bsd - end of "Mmm dd hh:mm:ss[.frac]" at p, or NULL (RFC 3164, journald short) */
static const char *
ts_bsd(const char *p, const char *e)
{
	if (e - p < 15 || p[3] != ' ' || logtime_month(p) < 0)
		return (NULL);
	/* syslog pads the day with a space ("Nov  2"), journald with a zero */
	if (!((p[4] == ' ' || (p[4] >= '0' && p[4] <= '3')) &&
	    ISDIGIT(p[5])) || (p[4] == '3' && p[5] > '1') ||
	    ((p[4] == ' ' || p[4] == '0') && p[5] == '0'))
		return (NULL);
	/* " hh:mm:ss": e - p >= 15 was checked */
	if (p[6] != ' ' || !ISDIGIT(p[7]) || !ISDIGIT(p[8]) || p[9] != ':' ||
	    !ISDIGIT(p[10]) || !ISDIGIT(p[11]) || p[12] != ':' ||
	    !ISDIGIT(p[13]) || !ISDIGIT(p[14]))
		return (NULL);
	return (fraction(p + 15, e));
}

/* ts_iso - end of "YYYY-MM-DDThh:mm:ss[.frac][Z|+hh:mm|+hhmm]" at p, or NULL */
static const char *
ts_iso(const char *p, const char *e)
{
	const char *q;

	if ((p = fixed(p, e, "9999-99-99T99:99:99")) == NULL)
		return (NULL);
	p = fraction(p, e);
	if (p < e && *p == 'Z')
		return (p + 1);
	if (p < e && (*p == '+' || *p == '-')) {
		if ((q = fixed(p + 1, e, "99:99")) != NULL ||
		    (q = fixed(p + 1, e, "9999")) != NULL)
			return (q);
	}
	return (p);
}

/* ts_exim - end of Exim's "YYYY-MM-DD hh:mm:ss[.frac][ +hhmm]" at p, or NULL */
static const char *
ts_exim(const char *p, const char *e)
{
	const char *q;

	if ((p = fixed(p, e, "9999-99-99 99:99:99")) == NULL)
		return (NULL);
	p = fraction(p, e);
	/* log_timezone */
	if (e - p >= 6 && p[0] == ' ' && (p[1] == '+' || p[1] == '-') &&
	    (q = fixed(p + 2, e, "9999")) != NULL)
		p = q;
	if (p < e && *p != ' ')
		return (NULL);
	return (p);
}

/* qid_class - of a queue id's bytes: letters and digits, upper-case hex */
#define QID_ALNUM	1
#define QID_HEX		2
#define D		(QID_ALNUM | QID_HEX)
static const unsigned char qid_class[256] = {
	['0'] = D, ['1'] = D, ['2'] = D, ['3'] = D, ['4'] = D,
	['5'] = D, ['6'] = D, ['7'] = D, ['8'] = D, ['9'] = D,
	['A'] = D, ['B'] = D, ['C'] = D, ['D'] = D, ['E'] = D, ['F'] = D,
	['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
	['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1,
	['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
	['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
	['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1,
	['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};
#undef D

/* pf_qid - length of a Postfix queue id followed by ": " at p, or 0 */
static size_t
pf_qid(const char *p, const char *e)
{
	size_t	 i, n;
	int	 hex = QID_HEX, c;

	for (n = 0; p + n < e && (c = qid_class[(unsigned char)p[n]]) != 0;
	    n++)
		hex &= c;
	if (n == 0 || n >= LOGLINE_ID_MAX || p + n >= e || p[n] != ':' ||
	    (p + n + 1 < e && p[n + 1] != ' '))
		return (0);
	/* short ids are upper-case hex; long ids avoid vowels to spell no words */
	if ((hex != 0 && n >= 6) ||
	    (n == 7 && memcmp(p, "NOQUEUE", 7) == 0))
		return (n);
	if (n < 10)
		return (0);
	/* vowels only matter here: most ids are hex and never get this far */
	for (i = 0; i < n; i++)
		if (ISVOWEL(p[i]))
			return (0);
	return (n);
}

/* exim_id - length of an Exim message id at p (6-6-2 or 4.97+ 6-11-4), or 0 */
static size_t
exim_id(const char *p, const char *e)
{
	static const size_t form[2][3] = { { 6, 6, 2 }, { 6, 11, 4 } };
	size_t	 f, g, i, n;

	for (f = 0; f < 2; f++) {
		for (n = 0, g = 0; g < 3; g++) {
			if (g > 0) {
				if (p + n >= e || p[n] != '-')
					break;
				n++;
			}
			for (i = 0; i < form[f][g]; i++, n++)
				if (p + n >= e || !ISALNUM(p[n]))
					break;
			if (i < form[f][g])
				break;
		}
		if (g == 3 && (p + n == e || p[n] == ' '))
			return (n);
	}
	return (0);
}

/* dsn_ok - [s, e) is an RFC 3463 "C.SSS.DDD" code */
static int
dsn_ok(const char *s, const char *e)
{
	const char *p;
	size_t	 n;

	if (e - s < 5 || (*s != '2' && *s != '4' && *s != '5') || s[1] != '.')
		return (0);
	p = ndigits(s + 2, e, 3, &n);
	if (n == 0 || p >= e || *p != '.')
		return (0);
	p = ndigits(p + 1, e, 3, &n);
	return (n > 0 && p == e);
}

/* host_ip - "name[ip]" or "name [ip]" at p: relay and relay_ip; returns p after "]" */
static const char *
host_ip(const char *p, const char *e, struct logline *ll)
{
	const char *name = p, *ne, *ip;

	while (p < e && *p != '[' && *p != ' ' && *p != ',')
		p++;
	ne = p;
	if (p < e && *p == ' ' && p + 1 < e && p[1] == '[')
		p++;
	if (p >= e || *p != '[') {
		field(ll->relay, sizeof(ll->relay), name, ne);
		return (ne);
	}
	for (ip = ++p; p < e && *p != ']' && *p != ' '; p++)
		;
	if (p >= e || *p != ']') {
		field(ll->relay, sizeof(ll->relay), name, ne);
		return (ne);
	}
	/* a bare "[ip]" has no name: the address is all we have */
	if (ne == name)
		field(ll->relay, sizeof(ll->relay), ip, p);
	else
		field(ll->relay, sizeof(ll->relay), name, ne);
	field(ll->relay_ip, sizeof(ll->relay_ip), ip, p);
	return (p + 1);
}

/* trim - e moved back over trailing spaces */
static const char *
trim(const char *p, const char *e)
{
	while (e > p && e[-1] == ' ')
		e--;
	return (e);
}

/* set_reason - point reason at [s, e), spaces trimmed; empty means none */
static void
set_reason(struct logline *ll, const char *s, const char *e)
{
	while (s < e && *s == ' ')
		s++;
	e = trim(s, e);
	if (s < e) {
		ll->reason = s;
		ll->reason_len = (size_t)(e - s);
	}
}

/* pf_auth - "SASL authentication failed; server H[IP] said: ..." in [p, e) */
static int
pf_auth(const char *p, const char *e, struct logline *ll)
{
	const char *s, *said;

	if ((s = find(p, e, "SASL authentication failed; server ")) == NULL)
		return (0);
	s += strlen("SASL authentication failed; server ");
	if ((said = find(s, e, " said: ")) == NULL)
		return (0);
	host_ip(s, said, ll);
	set_reason(ll, said + strlen(" said: "), e);
	return (1);
}

/* pf_status - the status= word and the "(...)" reason after it */
static enum logline_kind
pf_status(const char *v, const char *e, struct logline *ll)
{
	const char *w, *r;

	w = v;
	while (w < e && ISLOWER(*w))
		w++;
	/* outermost group: the reason may itself hold "(in reply to ...)" */
	if (e - w >= 2 && w[0] == ' ' && w[1] == '(') {
		for (r = e; r > w + 2 && r[-1] != ')'; r--)
			;
		set_reason(ll, w + 2, r > w + 2 ? r - 1 : e);
	}
	if (w - v == 8 && memcmp(v, "deferred", 8) == 0)
		return (LOGLINE_DEFERRED);
	if ((w - v == 7 && memcmp(v, "bounced", 7) == 0) ||
	    (w - v == 7 && memcmp(v, "expired", 7) == 0))
		return (LOGLINE_BOUNCED);
	ll->reason = NULL;
	ll->reason_len = 0;
	return (LOGLINE_OTHER);
}

/*
 * pf_failing - [p, e) holds "status=" followed by a failure word: only
 * then can pf_attrs return more than OTHER.  Every occurrence is tried,
 * as an address may hold "status=" too.  Most delivery lines say
 * status=sent: they are let go without taking their fields apart.
 */
static int
pf_failing(const char *p, const char *e)
{
	const char *q;

	/* by the '=' (a few a line) rather than the 's' (dozens) */
	for (q = p; q < e && (q = memchr(q, '=', (size_t)(e - q))) != NULL;
	    q++) {
		if (q - p < 6 || memcmp(q - 6, "status", 6) != 0)
			continue;
		if (prefix(q + 1, e, "deferred") ||
		    prefix(q + 1, e, "bounced") || prefix(q + 1, e, "expired"))
			return (1);
	}
	return (0);
}

/* pf_attrs - "key=value, ..." of a delivery line; kind from status= */
static enum logline_kind
pf_attrs(const char *p, const char *e, struct logline *ll)
{
	const char *k, *v, *ve;
	size_t	 klen;

	for (;;) {
		for (k = p; p < e && (ISLOWER(*p) || *p == '_'); p++)
			;
		if (p == k || p >= e || *p != '=')
			return (LOGLINE_OTHER);
		klen = (size_t)(p - k);
		v = ++p;
		if (klen == 6 && memcmp(k, "status", 6) == 0)
			return (pf_status(v, e, ll));
		if (p < e && *p == '<') {
			/* an address may hold ',' or ' ' but ends with ">, " */
			if ((ve = find(p, e, ">, ")) != NULL)
				ve++;
			else
				ve = e;
		} else {
			while (p < e && *p != ',' && *p != ' ')
				p++;
			ve = p;
		}
		if (klen == 2 && memcmp(k, "to", 2) == 0 && ve - v >= 2)
			field(ll->recipient, sizeof(ll->recipient), v + 1,
			    ve[-1] == '>' ? ve - 1 : ve);
		else if (klen == 5 && memcmp(k, "relay", 5) == 0)
			host_ip(v, ve, ll);
		else if (klen == 3 && memcmp(k, "dsn", 3) == 0 && dsn_ok(v, ve))
			field(ll->dsn, sizeof(ll->dsn), v, ve);
		p = ve;
		if (e - p < 2 || p[0] != ',' || p[1] != ' ')
			return (LOGLINE_OTHER);
		p += 2;
	}
}

/* pf_notice - "sender non-delivery notification: ID" and its kin */
static int
pf_notice(const char *p, const char *e, struct logline *ll)
{
	static const char *const what[] = {
		"sender non-delivery notification: ",
		"sender delay notification: ",
		"postmaster non-delivery notification: ",
		"postmaster delay notification: ",
	};
	const char *q;
	size_t	 i, n;

	if (p >= e || (*p != 's' && *p != 'p'))
		return (0);
	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		if (!prefix(p, e, what[i]))
			continue;
		p += strlen(what[i]);
		for (q = p, n = 0; q < e && ISALNUM(*q); q++, n++)
			;
		if (n == 0 || n >= LOGLINE_ID_MAX || trim(q, e) != q)
			return (0);
		field(ll->related_id, sizeof(ll->related_id), p, q);
		return (1);
	}
	return (0);
}

/*
 * xoauth2_body - a sasl-xoauth2 message, after "[sasl-xoauth2] " or the
 * "sasl-xoauth2" tag: the reason is the text after "auth failed:" and
 * the plugin's own "YYYY-MM-DD hh:mm:ss: " stamp.  Lines that only point
 * to the full trace, and trace lines that dump secrets, give OTHER.
 */
static enum logline_kind
xoauth2_body(const char *p, const char *e, struct logline *ll)
{
	static const char *const secret[] = {
		"request:", "refresh=", "access=", "client_secret=",
		"refresh_token=", "\"access_token\"", "\"refresh_token\"",
		"\"client_secret\"", "Bearer ", "auth=",
	};
	const char *q;
	size_t	 i;

	ll->mta = LOGLINE_POSTFIX;
	while (p < e && *p == ' ')
		p++;
	if (prefix(p, e, "auth failed:"))
		p += strlen("auth failed:");
	while (p < e && *p == ' ')
		p++;
	if ((q = fixed(p, e, "9999-99-99 99:99:99")) != NULL) {
		p = q;
		while (p < e && (*p == ':' || *p == ' '))
			p++;
	}
	e = trim(p, e);
	if (p >= e || prefix(p, e, "set log_full_trace_on_failure"))
		return (LOGLINE_OTHER);
	for (i = 0; i < sizeof(secret) / sizeof(secret[0]); i++)
		if (find(p, e, secret[i]) != NULL)
			return (LOGLINE_OTHER);
	ll->xoauth2 = 1;
	set_reason(ll, p, e);
	return (LOGLINE_SASL_LOCAL);
}

/* pf_body - a Postfix message after "program[pid]: " */
static enum logline_kind
pf_body(const char *p, const char *e, struct logline *ll)
{
	static const char *const sev[] = {
		"warning: ", "error: ", "fatal: ", "panic: ",
	};
	enum logline_kind kind;
	const char *d;
	size_t	 i, n;
	int	 sasl;

	ll->mta = LOGLINE_POSTFIX;
	/* the daemon name is the last part: "postfix/submission/smtpd" */
	if ((d = strrchr(ll->program, '/')) != NULL)
		d++;
	else
		d = ll->program;
	if ((n = pf_qid(p, e)) > 0) {
		field(ll->queue_id, sizeof(ll->queue_id), p, p + n);
		p += n + 1;
		if (p < e)
			p++;
		if (pf_failing(p, e) &&
		    (kind = pf_attrs(p, e, ll)) != LOGLINE_OTHER)
			return (kind);
		/* the status line may still have left fields behind */
		ll->recipient[0] = ll->relay[0] = ll->relay_ip[0] = '\0';
		ll->dsn[0] = '\0';
		if (trim(p, e) - p == 7 && memcmp(p, "removed", 7) == 0)
			return (LOGLINE_REMOVED);
		if (pf_notice(p, e, ll))
			return (LOGLINE_BOUNCE_NOTICE);
	}
	/* SASL trouble of the smtpd server side is not a relay failure */
	if (strcmp(d, "smtp") != 0 && strcmp(d, "lmtp") != 0)
		return (LOGLINE_OTHER);
	if (prefix(p, e, "[sasl-xoauth2]"))
		return (xoauth2_body(p + strlen("[sasl-xoauth2]"), e, ll));
	/* one search for what all SASL messages share, not five */
	sasl = find(p, e, "SASL ") != NULL;
	if (sasl && pf_auth(p, e, ll))
		return (LOGLINE_AUTH_FAILED);
	for (i = 0; i < sizeof(sev) / sizeof(sev[0]) && p < e &&
	    (*p == 'w' || *p == 'e' || *p == 'f' || *p == 'p'); i++)
		if (prefix(p, e, sev[i])) {
			p += strlen(sev[i]);
			break;
		}
	/* relay-local SASL trouble: no server reply to explain */
	if ((sasl && (find(p, e, "SASL authentication failure") != NULL ||
	    find(p, e, "SASL authentication failed; cannot") != NULL ||
	    find(p, e, "SASL per-process initialization failed") != NULL)) ||
	    find(p, e, "No worthy mechs found") != NULL) {
		set_reason(ll, p, e);
		return (LOGLINE_SASL_LOCAL);
	}
	return (LOGLINE_OTHER);
}

/* exim_fields - skip quoted strings to the first ": "; H= gives the relay */
static void
exim_fields(const char *p, const char *e, struct logline *ll)
{
	const char *q, *w;
	int	 inq = 0, gothost = 0;

	for (q = p; q < e; q++) {
		if (inq) {
			if (*q == '\\' && q + 1 < e)
				q++;
			else if (*q == '"')
				inq = 0;
			continue;
		}
		if (*q == '"')
			inq = 1;
		else if (*q == ':' && (q + 1 == e || q[1] == ' '))
			break;
		else if (!gothost && *q == 'H' && e - q >= 2 && q[1] == '=' &&
		    (q == p || q[-1] == ' ')) {
			gothost = 1;
			q = host_ip(q + 2, e, ll) - 1;
		}
	}
	if (q >= e)
		return;
	/* "... [server id] DT=0s": the delivery time is not part of the error */
	e = trim(q, e);
	for (w = e; w > q && w[-1] != ' '; w--)
		;
	if (w > q + 1 && e - w > 3 && memcmp(w, "DT=", 3) == 0)
		e = w;
	set_reason(ll, q + 1, e);
}

/* exim_body - an Exim log line after the syslog header, or a mainlog line */
static enum logline_kind
exim_body(const char *p, const char *e, struct logline *ll)
{
	enum logline_kind kind;
	const char *q, *s;
	size_t	 n;

	ll->mta = LOGLINE_EXIM;
	/* first part of a syslog line Exim split: "[1\2] " */
	if (e - p >= 6 && p[0] == '[' && ISDIGIT(p[1]) &&
	    (q = find(p, e, "] ")) != NULL && q - p < 12 &&
	    memchr(p, '\\', (size_t)(q - p)) != NULL) {
		if (!(p[1] == '1' && p[2] == '\\'))
			return (LOGLINE_OTHER);
		p = q + 2;
	}
	if ((q = ts_exim(p, e)) != NULL) {
		field(ll->time, sizeof(ll->time), p, q);
		p = q < e ? q + 1 : q;
	}
	/* log_selector +pid */
	if (p < e && *p == '[') {
		q = ndigits(p + 1, e, 10, &n);
		if (n > 0 && e - q >= 2 && q[0] == ']' && q[1] == ' ')
			p = q + 2;
	}
	if ((n = exim_id(p, e)) > 0) {
		field(ll->queue_id, sizeof(ll->queue_id), p, p + n);
		p += n;
		if (p < e)
			p++;
	}
	if (prefix(p, e, "** ") || prefix(p, e, "== ")) {
		kind = *p == '*' ? LOGLINE_BOUNCED : LOGLINE_DEFERRED;
		s = p += 3;
		while (p < e && *p != ' ' &&
		    !(*p == ':' && (p + 1 == e || p[1] == ' ')))
			p++;
		if (p == s)
			return (LOGLINE_OTHER);
		field(ll->recipient, sizeof(ll->recipient), s, p);
		exim_fields(p, e, ll);
		return (kind);
	}
	if (ll->queue_id[0] != '\0' && prefix(p, e, "Completed") &&
	    (p + 9 == e || p[9] == ' '))
		return (LOGLINE_REMOVED);
	/* "<authenticator> authenticator failed H=name [ip] 535 ..." */
	q = word(p, e);
	if (q > p && prefix(q, e, " authenticator failed H=")) {
		q = host_ip(q + strlen(" authenticator failed H="), e, ll);
		if (q < e && *q == ':')
			q = word(q, e);
		set_reason(ll, q, e);
		return (LOGLINE_AUTH_FAILED);
	}
	return (LOGLINE_OTHER);
}

/* tag_pid - the decimal pid in [p, e), 0 when it is not one */
static long
tag_pid(const char *p, const char *e)
{
	long	 v = 0;
	size_t	 n = 0;

	for (; p < e; p++, n++) {
		if (!ISDIGIT(*p) || n >= 10)
			return (0);
		v = v * 10 + (*p - '0');
	}
	return (v);
}

/* sd_skip - p after RFC 5424 STRUCTURED-DATA ("-" or "[...]..."), or NULL */
static const char *
sd_skip(const char *p, const char *e)
{
	int	 inq;

	if (p < e && *p == '-')
		return (p + 1);
	if (p >= e || *p != '[')
		return (NULL);
	while (p < e && *p == '[') {
		for (p++, inq = 0; p < e; p++) {
			if (inq) {
				if (*p == '\\' && p + 1 < e)
					p++;
				else if (*p == '"')
					inq = 0;
			} else if (*p == '"')
				inq = 1;
			else if (*p == ']')
				break;
		}
		if (p >= e)
			return (NULL);
		p++;
	}
	return (p);
}

/* rfc5424 - "TIME HOST APP PROCID MSGID SD MSG" after "<PRI>1 "; message or NULL */
static const char *
rfc5424(const char *p, const char *e, struct logline *ll)
{
	const char *f[5], *fe[5];
	int	 i;

	for (i = 0; i < 5; i++) {
		f[i] = p;
		fe[i] = word(p, e);
		if (fe[i] == p || fe[i] >= e)
			return (NULL);
		p = fe[i] + 1;
	}
	/* "-" is the nil value of every header field */
	if (ts_iso(f[0], fe[0]) != fe[0] && fe[0] - f[0] != 1)
		return (NULL);
	field(ll->time, sizeof(ll->time), f[0], fe[0]);
	if (fe[1] - f[1] != 1 || *f[1] != '-')
		field(ll->host, sizeof(ll->host), f[1], fe[1]);
	if (fe[2] - f[2] != 1 || *f[2] != '-')
		field(ll->program, sizeof(ll->program), f[2], fe[2]);
	ll->pid = tag_pid(f[3], fe[3]);
	if ((p = sd_skip(p, e)) == NULL)
		return (NULL);
	if (p < e && *p == ' ')
		p++;
	if (e - p >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	return (p);
}

/* tag - "[host ]program[pid]: " at p; message start, or NULL */
static const char *
tag(const char *p, const char *e, struct logline *ll)
{
	const char *q, *r;

	q = word(p, e);
	if (q == p)
		return (NULL);
	/* no host name when /dev/log was read directly */
	if (q[-1] != ':') {
		field(ll->host, sizeof(ll->host), p, q);
		if (q >= e)
			return (NULL);
		p = q + 1;
		q = word(p, e);
		if (q == p || q[-1] != ':')
			return (NULL);
	}
	q--;
	if ((r = memchr(p, '[', (size_t)(q - p))) == NULL)
		r = q;
	if (r < q ? q[-1] != ']' : memchr(p, ']', (size_t)(q - p)) != NULL)
		return (NULL);
	field(ll->program, sizeof(ll->program), p, r);
	if (r < q)
		ll->pid = tag_pid(r + 1, q - 1);
	q++;
	return (q < e ? q + 1 : q);
}

/* is_postfix - "postfix/...", "postfix-out/smtp" and other instances */
static int
is_postfix(const char *s)
{
	if (strncmp(s, "postfix", 7) != 0)
		return (0);
	for (s += 7; ISALNUM(*s) || *s == '-' || *s == '_' || *s == '.'; s++)
		;
	return (*s == '/');
}

/* is_exim - "exim", "exim4" */
static int
is_exim(const char *s)
{
	return (strcmp(s, "exim") == 0 || strcmp(s, "exim4") == 0);
}

/* logline_parse - recognise one log line; see logline.h */
enum logline_kind
logline_parse(const char *line, size_t len, struct logline *ll)
{
	const char *p, *e, *q, *msg;
	size_t	 n;
	int	 pri = 0;

	/* every field is a terminated string: clearing each first byte is
	 * enough, and zeroing the whole struct (1.2 KB) per line was a
	 * measurable part of a scan */
	ll->mta = LOGLINE_NONE;
	ll->kind = LOGLINE_OTHER;
	ll->time[0] = ll->host[0] = ll->program[0] = ll->queue_id[0] = '\0';
	ll->recipient[0] = ll->relay[0] = ll->relay_ip[0] = ll->dsn[0] = '\0';
	ll->related_id[0] = '\0';
	ll->pid = 0;
	ll->xoauth2 = 0;
	ll->reason = NULL;
	ll->reason_len = 0;
	p = line;
	e = line + len;
	while (e > p && (e[-1] == '\n' || e[-1] == '\r'))
		e--;
	if (p < e && *p == '<') {
		q = ndigits(p + 1, e, 3, &n);
		if (n > 0 && q < e && *q == '>') {
			p = q + 1;
			pri = 1;
		}
	}
	if (pri && e - p >= 2 && p[0] == '1' && p[1] == ' ')
		msg = rfc5424(p + 2, e, ll);
	else if ((q = ts_bsd(p, e)) != NULL || (q = ts_iso(p, e)) != NULL) {
		field(ll->time, sizeof(ll->time), p, q);
		msg = (q < e && *q == ' ') ? tag(q + 1, e, ll) : NULL;
	} else if (ts_exim(p, e) != NULL)
		return (ll->kind = exim_body(p, e, ll));
	else
		msg = NULL;
	if (msg == NULL)
		ll->kind = LOGLINE_OTHER;
	else if (is_postfix(ll->program))
		ll->kind = pf_body(msg, e, ll);
	else if (is_exim(ll->program))
		ll->kind = exim_body(msg, e, ll);
	else if (strcmp(ll->program, "sasl-xoauth2") == 0)
		ll->kind = xoauth2_body(msg, e, ll);
	else
		ll->kind = LOGLINE_OTHER;
	return (ll->kind);
}
