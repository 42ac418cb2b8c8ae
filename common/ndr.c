/*
 * ndr.c - Microsoft-generated non-delivery reports
 *
 * Functions: ndr_parse, ndr_parse_split, ndr_host_is_cloud, ndr_kind_name, ndr_kind_label.
 *
 * Some Microsoft 365 failures come after the relay got 250: Exchange
 * Online accepts the message, then bounces it in its own format to the
 * envelope sender.  So do Outlook.com and on-premises Exchange.  The
 * facts sit in the human-readable text, not always in a delivery-status
 * part:
 *
 *	Diagnostic information for administrators:
 *	Generating server: SN4PR0501MB1234.namprd05.prod.outlook.com
 *	user@example.com
 *	mx.example.com
 *	Remote Server returned '550 5.7.708 Access denied, ...'
 *	Original message headers:
 *
 * Exchange 2007/2010 write "#550 5.1.1 RESOLVER.ADR.RecipNotFound ##"
 * instead of "Remote Server returned", Exchange 2003 lists "addr on
 * date" lines under "could not be reached", and the old Hotmail servers
 * (Microsoft SMTPSVC, X-DSNContext) send a plain RFC 3464 report.  We
 * read the text/plain part (or the text/html one, tags removed) at most
 * one multipart level down, decoded, and the delivery-status part through
 * dsn_parse, and merge the two per recipient.
 *
 * Which Microsoft wrote it decides the advice: a generating server in
 * Microsoft's cloud (*.prod.outlook.com, ...) is Exchange Online, or
 * Outlook.com when the report comes from postmaster@outlook.com (or a
 * Hotmail host); any other generating server is an on-premises Exchange,
 * and we say so rather than give Exchange Online advice.
 *
 * Limits: NDR_MAX_RCPT recipients (more are counted), the decoded text
 * is cut at NDR_TEXT_MAX bytes and at most NDR_SCAN_LINES lines are read;
 * no recursion, the two multipart levels are fixed arrays.  Every field
 * is printable, CR/LF/NUL free, and cut to its size.  Nothing is logged.
 */
#include <stdlib.h>
#include <string.h>

#include "budget.h"
#include "buf.h"
#include "dsn.h"
#include "mime.h"
#include "ndr.h"
#include "text.h"

#define NDR_SCAN_LINES	4000		/* lines of that text we read */
#define NDR_LINE_WINDOW	4096		/* bytes of one line we look at */
#define NDR_CTYPE_MAX	1024

/* The parts of one message that matter here; pointers into the input. */
struct ndr_ctx {
	struct mime_multipart top;
	struct ndr_share *sh;		/* the caller's split, or NULL */
	struct mime_multipart sub;	/* one nested multipart, no deeper */
	const char *plain, *html, *dsn, *orig;
	size_t	 plain_len, html_len, dsn_len, orig_len;
	char	 plain_cte[32], html_cte[32];
	struct dsn d;
	int	 markers;		/* Exchange wording seen */
};

/*
 * The line markers.  Each is looked for in the whole text once and again
 * only after a line has passed its last occurrence: searching every line
 * for every marker was most of the cost of reading an NDR.
 */
static const char *const marker[] = {
	"Original message headers", "Generating server:",
	"Diagnostic information for admin", "Sent by Microsoft Exchange",
	"MSEXCH:", "Remote Server ", "could not be reached",
	"did not reach the following recip",
};
enum { M_ORIG, M_GEN, M_DIAG, M_SENT, M_MSEXCH, M_REMOTE, M_UNREACH,
    M_DIDNOT, M_COUNT };

/* Line scanner state. */
struct ndr_scan {
	int	 cur;			/* current recipient, -1 none,
					 * -2 one beyond NDR_MAX_RCPT */
	int	 want_host;		/* the line after an address */
	int	 old2003;		/* inside "could not be reached" */
	int	 stop;			/* reached the original headers */
	const char *end;		/* end of the text */
	const char *next[M_COUNT];	/* next occurrence of each marker */
};

/* line_has - where marker m occurs inside the line [s, s + len), or NULL */
static const char *
line_has(struct ndr_scan *st, int m, const char *s, size_t len)
{
	size_t	 n = strlen(marker[m]);

	if (st->next[m] != NULL && st->next[m] < s)
		st->next[m] = text_casestr(s, (size_t)(st->end - s),
		    marker[m]);
	if (st->next[m] != NULL && st->next[m] + n <= s + len)
		return (st->next[m]);
	return (NULL);
}

/* is_wsp - blank */
static int
is_wsp(int c)
{
	return (c == ' ' || c == '\t' || c == '\r');
}

/* is_hostch - a byte of a host name */
static int
is_hostch(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_');
}

/* host_copy - the host name at s (up to len bytes) into out; its length */
static size_t
host_copy(const char *s, size_t len, char *out, size_t outlen)
{
	size_t	 k;

	while (len > 0 && is_wsp(*s)) {
		s++;
		len--;
	}
	for (k = 0; k < len && is_hostch(s[k]); k++)
		;
	if (k == 0 || k >= outlen || memchr(s, '.', k) == NULL)
		return (0);
	text_copy(out, outlen, s, k);
	return (k);
}

/* is_addr_line - the whole (trimmed) line is one mailbox address */
static int
is_addr_line(const char *s, size_t n)
{
	size_t	 k, at = 0, nat = 0;

	if (n < 3 || n >= 320)
		return (0);
	for (k = 0; k < n; k++) {
		unsigned char c = (unsigned char)s[k];

		if (c == '@') {
			at = k;
			nat++;
		} else if (c <= ' ' || c >= 0x7f || strchr("<>()[]:;,'\"\\",
		    c) != NULL)
			return (0);
	}
	return (nat == 1 && at > 0 && at + 1 < n);
}

/* is_host_line - the whole line is one host name with a dot */
static int
is_host_line(const char *s, size_t n)
{
	size_t	 k;

	if (n < 3 || n >= 256 || memchr(s, '.', n) == NULL)
		return (0);
	for (k = 0; k < n; k++)
		if (!is_hostch(s[k]))
			return (0);
	return (1);
}

/* ndr_host_is_cloud - a host in Microsoft's cloud (Exchange Online, Outlook.com) */
int
ndr_host_is_cloud(const char *h)
{
	static const char *const sfx[] = {
		".outlook.com", ".office365.com", ".outlook.cn",
		".exchangelabs.com", ".office365.us",
	};
	size_t	 i, n = strlen(h);

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++)
		if (text_has_suffix(h, n, sfx[i]))
			return (1);
	return (0);
}

/* is_consumer_domain - a domain of Microsoft's consumer mail service */
static int
is_consumer_domain(const char *s, size_t n)
{
	static const char *const dom[] = {
		"outlook.com", "hotmail.com", "live.com", "msn.com",
	};
	size_t	 i, dl;

	for (i = 0; i < sizeof(dom) / sizeof(dom[0]); i++) {
		dl = strlen(dom[i]);
		if (n == dl && text_casecmp_n(s, dom[i], n) == 0)
			return (1);
	}
	return (0);
}

/* from_consumer - the From: address is postmaster@outlook.com or alike */
static int
from_consumer(const char *from)
{
	const char *at = strrchr(from, '@');
	size_t	 k;

	if (at == NULL)
		return (0);
	at++;
	for (k = 0; is_hostch(at[k]); k++)
		;
	return (is_consumer_domain(at, k));
}

/* msgid_copy - a "<local@domain>" token from s into out; 1 when found */
static int
msgid_copy(const char *s, size_t n, char *out, size_t outlen)
{
	const char *lt = memchr(s, '<', n), *e = s + n, *q;
	int	 at = 0;

	if (lt == NULL)
		return (0);
	for (q = lt + 1; q < e && *q != '>'; q++) {
		if ((unsigned char)*q <= ' ' || (unsigned char)*q >= 0x7f ||
		    *q == '<')
			return (0);
		at |= *q == '@';
	}
	if (q >= e || !at || (size_t)(q - lt) + 2 > outlen || q - lt < 4)
		return (0);
	text_copy(out, outlen, lt, (size_t)(q - lt) + 1);
	return (1);
}

/* rcpt_get - the recipient with this address, a new one, or -1 */
static int
rcpt_get(struct ndr *n, const char *addr, size_t len)
{
	int	 i;

	for (i = 0; i < n->nrcpt && len > 0; i++)
		if (strlen(n->rcpt[i].address) == len &&
		    text_casecmp_n(n->rcpt[i].address, addr, len) == 0)
			return (i);
	if (n->nrcpt >= NDR_MAX_RCPT) {
		n->rcpt_dropped++;
		return (-1);
	}
	memset(&n->rcpt[n->nrcpt], 0, sizeof(n->rcpt[0]));
	text_printable(n->rcpt[n->nrcpt].address,
	    sizeof(n->rcpt[0].address), addr, len);
	return (n->nrcpt++);
}

/* pick - remember a part by its type; the first of each kind wins */
static void
pick(struct ndr_ctx *c, const struct mime_part *p)
{
	if (mime_type_is(p->ctype, "message/delivery-status") ||
	    mime_type_is(p->ctype, "message/global-delivery-status")) {
		if (c->dsn == NULL) {
			c->dsn = p->body;
			c->dsn_len = p->body_len;
		}
	} else if (p->ctype[0] == '\0' || mime_type_is(p->ctype,
	    "text/plain")) {
		if (c->plain == NULL) {
			c->plain = p->body;
			c->plain_len = p->body_len;
			memcpy(c->plain_cte, p->cte, sizeof(c->plain_cte));
		}
	} else if (mime_type_is(p->ctype, "text/html")) {
		if (c->html == NULL) {
			c->html = p->body;
			c->html_len = p->body_len;
			memcpy(c->html_cte, p->cte, sizeof(c->html_cte));
		}
	} else if (mime_type_is(p->ctype, "message/rfc822") ||
	    mime_type_is(p->ctype, "text/rfc822-headers") ||
	    mime_type_is(p->ctype, "message/rfc822-headers")) {
		if (c->orig == NULL) {
			c->orig = p->body;
			c->orig_len = p->body_len;
		}
	}
}

/* find_parts - the text, HTML, DSN and returned parts, two levels at most */
static void
find_parts(struct ndr_ctx *c, const char *hdrs, size_t hlen,
    const char *body, size_t blen)
{
	char	 ctype[NDR_CTYPE_MAX];
	const char *ct = ctype;
	const struct mime_multipart *top = &c->top;
	struct mime_part whole;
	int	 i, j, nested = 0;

	/* the caller's value when it is whole: no second walk */
	if (c->sh != NULL && c->sh->hdr_ctype != NULL)
		ct = c->sh->hdr_ctype;
	else if (mime_header_get(hdrs, hlen, "Content-Type", ctype,
	    sizeof(ctype)) < 0)
		ctype[0] = '\0';
	if (text_casecmp_n(ct, "multipart/", 10) != 0) {
		memset(&whole, 0, sizeof(whole));
		whole.body = body;
		whole.body_len = blen;
		text_copy(whole.ctype, sizeof(whole.ctype), ct, strlen(ct));
		if (mime_header_get(hdrs, hlen, "Content-Transfer-Encoding",
		    whole.cte, sizeof(whole.cte)) < 0)
			whole.cte[0] = '\0';
		if (c->sh != NULL) {
			/* the caller's text path wants it as written */
			memcpy(c->sh->hdr_cte, whole.cte, sizeof(whole.cte));
			c->sh->hdr_cte_read = 1;
		}
		for (i = 0; whole.cte[i] != '\0'; i++)
			if (whole.cte[i] >= 'A' && whole.cte[i] <= 'Z')
				whole.cte[i] += 32;
		pick(c, &whole);
		return;
	}
	/* the caller split the body by the same Content-Type: its parts */
	if (c->sh != NULL && c->sh->ctype != NULL &&
	    strcmp(c->sh->ctype, ct) == 0) {
		if (c->sh->split_rc < 0)
			return;
		top = c->sh->top;
	} else if (mime_split_multipart(ct, body, blen, &c->top) < 0)
		return;
	for (i = 0; i < top->nparts; i++) {
		const struct mime_part *p = &top->part[i];

		if (text_casecmp_n(p->ctype, "multipart/", 10) != 0) {
			pick(c, p);
			continue;
		}
		/* the Content-Type again, through the wider window */
		if (nested || mime_header_get(p->start, p->hdr_len,
		    "Content-Type", ctype, sizeof(ctype)) < 0)
			continue;
		nested = 1;
		if (mime_split_multipart(ctype, p->body, p->body_len,
		    &c->sub) < 0)
			continue;
		for (j = 0; j < c->sub.nparts; j++)
			if (text_casecmp_n(c->sub.part[j].ctype, "multipart/",
			    10) != 0)
				pick(c, &c->sub.part[j]);
	}
}

/* html_text - HTML to text: tags out, block tags to line breaks */
static void
html_text(const char *s, size_t n, struct buf *out)
{
	static const struct {
		const char *name;
		char	 c;
	} ent[] = {
		{ "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' },
		{ "&quot;", '"' }, { "&#39;", '\'' }, { "&nbsp;", ' ' },
		{ "&#43;", '+' },
	};
	size_t	 i, k, el;

	for (i = 0; i < n && !out->overflow; i++) {
		if (s[i] == '<') {
			/* <br>, <p>, </p>, <div>, <tr>, <li>: a line break */
			k = i + 1 < n && s[i + 1] == '/' ? i + 2 : i + 1;
			if (k < n && strchr("bBpPdDtTlL", s[k]) != NULL)
				buf_putc(out, '\n');
			while (i < n && s[i] != '>')
				i++;
			continue;
		}
		if (s[i] == '&') {
			for (k = 0; k < sizeof(ent) / sizeof(ent[0]); k++) {
				el = strlen(ent[k].name);
				if (n - i >= el && text_casecmp_n(s + i,
				    ent[k].name, el) == 0)
					break;
			}
			if (k < sizeof(ent) / sizeof(ent[0])) {
				buf_putc(out, ent[k].c);
				i += el - 1;
				continue;
			}
		}
		if (s[i] != '\r')
			buf_putc(out, s[i]);
	}
}

/* set_reply - a recipient's reply from the text, unless it has one */
static void
set_reply(struct ndr *n, int r, const char *s, size_t len)
{
	while (len > 0 && is_wsp(*s)) {
		s++;
		len--;
	}
	if (r < 0 || len == 0 || n->rcpt[r].reply[0] != '\0')
		return;
	text_printable(n->rcpt[r].reply, sizeof(n->rcpt[r].reply), s, len);
}

/* append_reply - Exchange 2003 reasons come one per line: join them */
static void
append_reply(struct ndr *n, int r, const char *s, size_t len)
{
	char	*rp = n->rcpt[r].reply;
	size_t	 o = strlen(rp);

	if (o + 2 >= sizeof(n->rcpt[r].reply))
		return;
	if (o > 0)
		rp[o++] = ' ';
	text_printable(rp + o, sizeof(n->rcpt[r].reply) - o, s, len);
}

/* scan_line - one trimmed line of the human-readable text */
static void
scan_line(struct ndr *n, struct ndr_ctx *c, struct ndr_scan *st,
    const char *s, size_t len)
{
	const char *p, *q, *e = s + len;
	char	 host[256];
	size_t	 k;

	if (st->stop) {
		/* the original headers: only the Message-ID */
		if (n->orig_msgid[0] == '\0' && len > 11 &&
		    text_casecmp_n(s, "Message-ID:", 11) == 0)
			msgid_copy(s, len, n->orig_msgid,
			    sizeof(n->orig_msgid));
		return;
	}
	if (len == 0) {
		return;
	}
	if (line_has(st, M_ORIG, s, len) != NULL ||
	    (c->markers > 0 && len > 14 &&
	    text_casecmp_n(s, "Received: from", 14) == 0)) {
		st->stop = 1;
		return;
	}
	if ((p = line_has(st, M_GEN, s, len)) != NULL) {
		c->markers++;
		if (n->generating[0] == '\0')
			host_copy(p + 18, (size_t)(e - p - 18), n->generating,
			    sizeof(n->generating));
		st->want_host = 0;
		return;
	}
	if (line_has(st, M_DIAG, s, len) != NULL ||
	    line_has(st, M_SENT, s, len) != NULL ||
	    line_has(st, M_MSEXCH, s, len) != NULL)
		c->markers++;
	/* "Remote Server returned '...'", "Remote Server at H (ip) returned '...'" */
	if ((p = line_has(st, M_REMOTE, s, len)) != NULL &&
	    (q = text_casestr(p, (size_t)(e - p), "returned '")) != NULL) {
		c->markers++;
		host[0] = '\0';
		if (text_casecmp_n(p + 14, "at ", 3) == 0 && p + 17 < q)
			host_copy(p + 17, (size_t)(q - p - 17), host,
			    sizeof(host));
		q += 10;
		for (p = e; p > q && p[-1] != '\''; p--)
			;
		if (p == q)		/* no closing quote: to the end */
			p = e + 1;
		if (st->cur == -1)
			st->cur = rcpt_get(n, "", 0);
		if (st->cur >= 0) {
			set_reply(n, st->cur, q, (size_t)(p - 1 - q));
			if (n->rcpt[st->cur].remote[0] == '\0' && host[0])
				memcpy(n->rcpt[st->cur].remote, host,
				    sizeof(host));
		}
		st->want_host = 0;
		return;
	}
	/* Exchange 2007/2010: "#550 5.1.1 RESOLVER.ADR.RecipNotFound; not found ##" */
	if (len > 4 && s[0] == '#' && s[1] >= '2' && s[1] <= '5' &&
	    s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9') {
		c->markers++;
		q = text_casestr(s + 1, len - 1, "##");
		if (st->cur == -1)
			st->cur = rcpt_get(n, "", 0);
		if (st->cur >= 0)
			set_reply(n, st->cur, s + 1, (size_t)((q ? q : e) -
			    (s + 1)));
		st->want_host = 0;
		return;
	}
	/* Exchange 2003 */
	if (line_has(st, M_UNREACH, s, len) != NULL ||
	    line_has(st, M_DIDNOT, s, len) != NULL) {
		c->markers++;
		st->old2003 = 1;
		st->cur = -1;
		return;
	}
	if (st->old2003) {
		if ((p = memchr(s, '@', len)) != NULL &&
		    text_casestr(s, len, " on ") != NULL) {
			for (q = p; q > s && !is_wsp(q[-1]); q--)
				;
			for (k = 0; p + k < e && !is_wsp(p[k]); k++)
				;
			if ((st->cur = rcpt_get(n, q, (size_t)(p + k - q))) < 0)
				st->cur = -2;
		} else if (st->cur >= 0)
			append_reply(n, st->cur, s, len);
		return;
	}
	if (is_addr_line(s, len)) {
		if ((st->cur = rcpt_get(n, s, len)) < 0)
			st->cur = -2;
		st->want_host = 1;
		return;
	}
	if (st->want_host && st->cur >= 0 && is_host_line(s, len) &&
	    n->rcpt[st->cur].remote[0] == '\0')
		text_copy(n->rcpt[st->cur].remote,
		    sizeof(n->rcpt[0].remote), s, len);
	st->want_host = 0;
}

/* text_first - where each marker from M_GEN on first occurs in t, or NULL */
static void
text_first(const char *t, size_t len, const char *first[M_COUNT])
{
	int	 m;

	first[M_ORIG] = NULL;		/* needed only past the gate */
	for (m = M_GEN; m < M_COUNT; m++)
		first[m] = len > 0 ? text_casestr(t, len, marker[m]) : NULL;
}

/* scan_text - every line of the decoded human-readable text */
static void
scan_text(struct ndr *n, struct ndr_ctx *c, const char *t, size_t len,
    const char *const first[M_COUNT])
{
	struct ndr_scan st;
	size_t	 i, eol, a, b;
	int	 lines = 0, m;

	memset(&st, 0, sizeof(st));
	st.cur = -1;
	st.end = t + len;
	if (budget_charge(len))
		return;
	for (m = 0; m < M_COUNT; m++)
		st.next[m] = first[m];
	for (i = 0; i < len && lines < NDR_SCAN_LINES; i = eol + 1) {
		const char *nl = memchr(t + i, '\n', len - i);

		eol = nl ? (size_t)(nl - t) : len;
		lines++;
		a = i;
		b = eol;
		if (b - a > NDR_LINE_WINDOW)
			b = a + NDR_LINE_WINDOW;
		while (a < b && is_wsp(t[a]))
			a++;
		while (b > a && is_wsp(t[b - 1]))
			b--;
		/* old Exchange reasons are indented; a blank ends a block */
		if (a == b && st.old2003)
			st.cur = -1;
		scan_line(n, c, &st, t + a, b - a);
	}
}

/* merge_dsn - recipients of the delivery-status part, over the text's */
static void
merge_dsn(struct ndr *n, const struct dsn *d)
{
	int	 i, r;

	if (n->generating[0] == '\0')
		host_copy(d->reporting_mta, strlen(d->reporting_mta),
		    n->generating, sizeof(n->generating));
	for (i = 0; i < d->nrcpt; i++) {
		const struct dsn_rcpt *dr = &d->rcpt[i];
		size_t	 al = strlen(dr->final_recipient);

		/* the lone recipient of the text is this one */
		if (n->nrcpt == 1 && d->nrcpt == 1 &&
		    n->rcpt[0].address[0] == '\0')
			text_copy(n->rcpt[0].address,
			    sizeof(n->rcpt[0].address), dr->final_recipient,
			    al);
		if ((r = rcpt_get(n, dr->final_recipient, al)) < 0)
			continue;
		/* the DSN's Diagnostic-Code is unfolded, not re-wrapped */
		if (dr->diag[0] != '\0')
			text_copy(n->rcpt[r].reply, sizeof(n->rcpt[r].reply),
			    dr->diag, strlen(dr->diag));
		if (n->rcpt[r].remote[0] == '\0')
			host_copy(dr->remote_mta, strlen(dr->remote_mta),
			    n->rcpt[r].remote, sizeof(n->rcpt[r].remote));
		text_copy(n->rcpt[r].status, sizeof(n->rcpt[r].status),
		    dr->status, reply_status_valid(dr->status,
		    strlen(dr->status)));
		if (text_casecmp_n(dr->action, "delayed", 8) == 0)
			n->rcpt[r].delayed = 1;
	}
}

/* decide_kind - whose NDR this is; NDR_NONE when not Microsoft's */
static enum ndr_kind
decide_kind(const struct ndr *n, const struct ndr_ctx *c, const char *hdrs,
    size_t hlen, const char *body, size_t blen)
{
	/* the fields read below, found in one walk over the block */
	static const char *const names[] = { "X-MS-Exchange-Message-Is-Ndr",
	    "X-DSNContext", "From", "X-OriginatorOrg", "X-Mailer",
	    "Message-ID" };
	enum { H_ISNDR, H_DSNCTX, H_FROM, H_ORGORG, H_MAILER, H_MSGID, H_N };
	char	 v[512];
	size_t	 hat[H_N];
	int	 is_ndr_hdr, dsnctx, smtpsvc, consumer = 0, hotmail = 0;
	int	 exch_mailer;

	_Static_assert(H_N == sizeof(names) / sizeof(names[0]) &&
	    H_N <= MIME_FIND_MAX, "a name per field");
	mime_header_find(hdrs, hlen, names, H_N, hat);
	is_ndr_hdr = hat[H_ISNDR] != SIZE_MAX;
	dsnctx = hat[H_DSNCTX] != SIZE_MAX;
	smtpsvc = text_casestr(hdrs, hlen, "Microsoft SMTPSVC") != NULL;
	/* not an NDR whatever the other headers say: they need not be read */
	if (c->markers == 0 && !dsnctx && !(smtpsvc && n->has_dsn) &&
	    !(is_ndr_hdr && (n->has_dsn || n->nrcpt > 0)))
		return (NDR_NONE);
	if (mime_header_at(hdrs, hlen, hat[H_FROM], names[H_FROM], v,
	    sizeof(v)) >= 0) {
		consumer = from_consumer(v);
		hotmail = text_casestr(v, strlen(v), "hotmail") != NULL ||
		    text_casestr(v, strlen(v), "@mail.outlook") != NULL;
	}
	if (mime_header_at(hdrs, hlen, hat[H_ORGORG], names[H_ORGORG], v,
	    sizeof(v)) >= 0 && is_consumer_domain(v, strlen(v)))
		consumer = 1;
	exch_mailer = mime_header_at(hdrs, hlen, hat[H_MAILER],
	    names[H_MAILER], v, sizeof(v)) >= 0 && text_casestr(v, strlen(v),
	    "Microsoft Exchange") != NULL;
	hotmail |= text_casestr(n->generating, strlen(n->generating),
	    "hotmail") != NULL;
	/* Hotmail's message ids in the whole body: only where they count */
	if (!hotmail && (dsnctx || smtpsvc))
		hotmail = text_casestr(body, blen, "@phx.gbl>") != NULL;
	if (c->markers == 0 && !dsnctx && !(smtpsvc && hotmail &&
	    n->has_dsn) && !(is_ndr_hdr && (n->has_dsn || n->nrcpt > 0)))
		return (NDR_NONE);
	if (exch_mailer)	/* Exchange 5.5/2000/2003 Internet Mail Connector */
		return (NDR_ONPREM);
	if (n->generating[0] != '\0' && ndr_host_is_cloud(n->generating))
		return (consumer ? NDR_OUTLOOKCOM : NDR_EXO);
	if ((dsnctx || smtpsvc) && hotmail)
		return (NDR_OUTLOOKCOM);
	if (n->generating[0] == '\0' && mime_header_at(hdrs, hlen,
	    hat[H_MSGID], names[H_MSGID], v, sizeof(v)) >= 0) {
		char	*at = strrchr(v, '@'), host[256];

		if (at != NULL && host_copy(at + 1, strlen(at + 1), host,
		    sizeof(host)) > 0 && ndr_host_is_cloud(host))
			return (consumer ? NDR_OUTLOOKCOM : NDR_EXO);
	}
	return (NDR_ONPREM);
}

/*
 * maybe_ndr_hdr, maybe_ndr_body - can this message be a Microsoft NDR
 * at all?  Most bounces the milter and "relayhint bounce" see are the
 * MTA's own, and decoding and scanning their parts line by line cost
 * more than the rest of the classification.  Every NDR decide_kind()
 * accepts carries one of these in its header block (Exchange's
 * X-MS-Exchange-* and X-DSNContext headers, Microsoft's Received lines)
 * or, in its body, one of the markers scan_line() counts: marker[] from
 * "Generating server:" on, or the "##" that ends an Exchange 2007/2010
 * reason line.
 */
static int
maybe_ndr_hdr(const char *hdrs, size_t hlen)
{
	static const char *const inhdr[] = {
		"X-MS-Exchange", "X-DSNContext", "Microsoft", "hotmail",
		"outlook.com", "exchangelabs",
	};
	size_t	 i;

	for (i = 0; i < sizeof(inhdr) / sizeof(inhdr[0]); i++)
		if (text_casestr(hdrs, hlen, inhdr[i]) != NULL)
			return (1);
	return (0);
}

static int
maybe_ndr_body(const char *body, size_t blen)
{
	size_t	 i;

	for (i = M_GEN; i < M_COUNT; i++)
		if (text_casestr(body, blen, marker[i]) != NULL)
			return (1);
	return (text_casestr(body, blen, "##") != NULL);
}

/*
 * text_may_count - can scan_text() count a marker in the decoded text t?
 * Only at a line with marker[] from "Generating server:" on, or one that
 * starts with '#'.  Without the Microsoft headers maybe_ndr_hdr() looks
 * for, a marker counted is decide_kind()'s only way to an NDR, so a
 * bounce whose human-readable text has none is not one, and its whole
 * body (the returned message, mostly) need not be searched.  first[]
 * is where each marker first occurs in t (text_first).
 */
static int
text_may_count(const char *t, size_t len, const char *const first[M_COUNT])
{
	size_t	 i;

	if (len == 0)
		return (0);
	for (i = M_GEN; i < M_COUNT; i++)
		if (first[i] != NULL)
			return (1);
	return (memchr(t, '#', len) != NULL);
}

/* ndr_clear - an empty NDR; rcpt_get() clears each recipient it hands out */
static void
ndr_clear(struct ndr *n)
{
	n->kind = NDR_NONE;
	n->generating[0] = n->orig_msgid[0] = '\0';
	n->has_dsn = n->nrcpt = n->rcpt_dropped = 0;
}

/* ndr_parse - recognise a Microsoft NDR and take its fields */
int
ndr_parse(const char *hdrs, size_t hlen, const char *body, size_t blen,
    struct ndr *n)
{
	return (ndr_parse_split(hdrs, hlen, body, blen, NULL, n));
}

/*
 * ndr_parse_split - the same, sharing the split and the decoded text.
 * The parts are found and the text decoded before the body is searched
 * for markers: without Microsoft's headers, a text in which no marker
 * can count (text_may_count) ends it there, and that is most bounces.
 */
int
ndr_parse_split(const char *hdrs, size_t hlen, const char *body, size_t blen,
    struct ndr_share *sh, struct ndr *n)
{
	struct ndr_ctx *c;
	struct buf raw, txt, own, *pt;
	const char *first[M_COUNT];
	char	 v[512];
	int	 hdr, rc;

	ndr_clear(n);
	hdr = maybe_ndr_hdr(hdrs, hlen);
	/* not calloc: the multiparts and the DSN (60 KB) clear themselves
	 * when they are parsed, and most messages never get that far */
	if ((c = malloc(sizeof(*c))) == NULL)
		return (0);
	c->sh = sh;
	c->top.nparts = c->sub.nparts = 0;
	c->plain = c->html = c->dsn = c->orig = NULL;
	c->plain_len = c->html_len = c->dsn_len = c->orig_len = 0;
	c->plain_cte[0] = c->html_cte[0] = '\0';
	c->markers = 0;
	find_parts(c, hdrs, hlen, body, blen);
	buf_init(&raw, NDR_TEXT_MAX);
	buf_init(&txt, NDR_TEXT_MAX);
	buf_init(&own, NDR_TEXT_MAX);
	/* the text/plain part decoded where the caller can reuse it */
	pt = sh != NULL ? &sh->plain_txt : &own;
	if (c->plain != NULL) {
		rc = mime_decode_body(c->plain_cte, c->plain, c->plain_len, pt);
		if (sh != NULL) {
			sh->plain = c->plain;
			sh->plain_len = c->plain_len;
			memcpy(sh->plain_cte, c->plain_cte,
			    sizeof(sh->plain_cte));
			sh->plain_rc = rc;
		}
	}
	if (pt->len == 0 && c->html != NULL) {
		(void)mime_decode_body(c->html_cte, c->html, c->html_len,
		    &raw);
		if (raw.len > 0)
			html_text(raw.data, raw.len, &txt);
		pt = &txt;
	}
	text_first(pt->data, pt->len, first);
	if (!hdr && (!text_may_count(pt->data, pt->len, first) ||
	    !maybe_ndr_body(body, blen)))
		goto done;
	first[M_ORIG] = pt->len > 0 ? text_casestr(pt->data, pt->len,
	    marker[M_ORIG]) : NULL;
	if (pt->len > 0)
		scan_text(n, c, pt->data, pt->len, first);
	if (c->dsn != NULL && dsn_parse(c->dsn, c->dsn_len, &c->d) == 0) {
		n->has_dsn = 1;
		merge_dsn(n, &c->d);
	}
	if (n->orig_msgid[0] == '\0' && c->orig != NULL &&
	    mime_header_get(c->orig, c->orig_len, "Message-ID", v,
	    sizeof(v)) >= 0)
		msgid_copy(v, strlen(v), n->orig_msgid, sizeof(n->orig_msgid));
	if (n->orig_msgid[0] == '\0' && mime_header_get(hdrs, hlen,
	    "In-Reply-To", v, sizeof(v)) >= 0)
		msgid_copy(v, strlen(v), n->orig_msgid, sizeof(n->orig_msgid));
	n->kind = decide_kind(n, c, hdrs, hlen, body, blen);
done:
	buf_free(&raw);
	buf_free(&txt);
	buf_free(&own);
	free(c);
	if (n->kind == NDR_NONE) {
		ndr_clear(n);
		return (0);
	}
	return (1);
}

/* ndr_kind_name - for JSON */
const char *
ndr_kind_name(enum ndr_kind k)
{
	switch (k) {
	case NDR_EXO:
		return ("exchange-online");
	case NDR_OUTLOOKCOM:
		return ("outlook.com");
	case NDR_ONPREM:
		return ("exchange-onprem");
	default:
		return (NULL);
	}
}

/* ndr_kind_label - for people */
const char *
ndr_kind_label(enum ndr_kind k)
{
	switch (k) {
	case NDR_EXO:
		return ("Exchange Online (Microsoft 365)");
	case NDR_OUTLOOKCOM:
		return ("Outlook.com / Hotmail (consumer)");
	case NDR_ONPREM:
		return ("on-premises Exchange Server, not Exchange Online");
	default:
		return ("none");
	}
}
