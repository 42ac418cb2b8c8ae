/*
 * pqjson.c - one record of "postqueue -j" output
 *
 * Functions: pqjson_parse.
 *
 * postqueue -j (Postfix 3.1 and later) prints one JSON object per queue
 * file: queue_name, queue_id, arrival_time, message_size, forced_expire,
 * sender and a recipients array of {address, delay_reason}.  This is a
 * small cursor parser for exactly that shape.  Members it does not know,
 * and known members of an unexpected type, are skipped whatever their
 * value, so a later Postfix may add members freely.
 *
 * Limits: no recursion; nesting deeper than PQJSON_MAX_DEPTH fails,
 * counted by an explicit stack of container types.  Nothing is
 * allocated.  Strings are unescaped into the fixed buffers and cut there
 * (never inside a UTF-8 sequence); \uXXXX escapes and surrogate pairs
 * become UTF-8, while escapes that give NUL, other control characters,
 * DEL, C1 controls or a lone surrogate become '?'.  Raw bytes >= 0x80 are
 * copied as they are (UTF-8 is not validated).  Numbers are read as long
 * long: a fraction or exponent is checked and dropped, a value out of
 * range is clamped.  Recipients past PQJSON_MAX_RCPT are parsed and
 * counted in rcpt_dropped.  Input is never read past len.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "pqjson.h"

#define ISDIGIT(c)	((c) >= '0' && (c) <= '9')

struct cur {
	const char *p;
	const char *e;
};

/* ws - skip JSON white space */
static void
ws(struct cur *c)
{
	while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* peek - next byte, or -1 at the end */
static int
peek(struct cur *c)
{
	return (c->p < c->e ? (unsigned char)*c->p : -1);
}

/* hex4 - value of four hex digits at c->p, or -1 */
static long
hex4(struct cur *c)
{
	long	 v = 0;
	int	 i, ch;

	if (c->e - c->p < 4)
		return (-1);
	for (i = 0; i < 4; i++) {
		ch = (unsigned char)c->p[i];
		v <<= 4;
		if (ISDIGIT(ch))
			v |= ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v |= ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v |= ch - 'A' + 10;
		else
			return (-1);
	}
	c->p += 4;
	return (v);
}

struct out {
	char	*dst;		/* NULL: only check the string */
	size_t	 size;
	size_t	 len;
	int	 full;		/* something did not fit */
};

/* put - append n bytes as one unit, or none of them when they do not fit */
static void
put(struct out *o, const char *s, size_t n)
{
	if (o->dst == NULL || o->full)
		return;
	if (o->len + n > o->size - 1) {
		o->full = 1;
		return;
	}
	memcpy(o->dst + o->len, s, n);
	o->len += n;
}

/* put_cp - a code point as UTF-8; controls and surrogates as '?' */
static void
put_cp(struct out *o, long cp)
{
	char	 b[4];

	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
	    (cp >= 0xd800 && cp < 0xe000))
		put(o, "?", 1);
	else if (cp < 0x80) {
		b[0] = (char)cp;
		put(o, b, 1);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		put(o, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		put(o, b, 3);
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		put(o, b, 4);
	}
}

/* put_raw - a raw byte; when cutting, drop a UTF-8 sequence left incomplete */
static void
put_raw(struct out *o, int ch)
{
	char	 b = (char)ch;
	size_t	 i;

	if (o->dst == NULL || o->full)
		return;
	if (o->len + 1 <= o->size - 1) {
		put(o, &b, 1);
		return;
	}
	o->full = 1;
	/* back up to the lead byte of the last sequence and drop it if cut */
	for (i = o->len; i > 0 && i + 4 > o->len &&
	    ((unsigned char)o->dst[i - 1] & 0xc0) == 0x80; i--)
		;
	if (i > 0 && ((unsigned char)o->dst[i - 1] & 0xc0) == 0xc0 &&
	    (ch & 0xc0) == 0x80)
		o->len = i - 1;
}

/* string - a JSON string at c->p into o (dst may be NULL); 0 or -1 */
static int
string(struct cur *c, struct out *o)
{
	long	 cp, hi = -1;
	int	 ch;

	if (peek(c) != '"')
		return (-1);
	c->p++;
	for (;;) {
		if ((ch = peek(c)) < 0)
			return (-1);
		c->p++;
		/* a high surrogate pairs only with a low one right after it */
		if (hi >= 0 && !(ch == '\\' && peek(c) == 'u')) {
			put_cp(o, hi);
			hi = -1;
		}
		if (ch == '"')
			break;
		if (ch < 0x20)
			return (-1);
		if (ch != '\\') {
			put_raw(o, ch == 0x7f ? '?' : ch);
			continue;
		}
		if ((ch = peek(c)) < 0)
			return (-1);
		c->p++;
		switch (ch) {
		case '"': case '\\': case '/':
			put_cp(o, ch);
			break;
		case 'b': case 'f': case 'n': case 'r': case 't':
			put_cp(o, 0x01);	/* a control: '?' */
			break;
		case 'u':
			if ((cp = hex4(c)) < 0)
				return (-1);
			if (hi >= 0 && cp >= 0xdc00 && cp < 0xe000) {
				cp = 0x10000 + ((hi - 0xd800) << 10) +
				    (cp - 0xdc00);
				hi = -1;
			} else {
				if (hi >= 0)
					put_cp(o, hi);
				hi = -1;
				if (cp >= 0xd800 && cp < 0xdc00) {
					hi = cp;
					break;
				}
			}
			put_cp(o, cp);
			break;
		default:
			return (-1);
		}
	}
	if (o->dst != NULL)
		o->dst[o->len] = '\0';
	return (0);
}

/* sfield - a string member into a fixed buffer (NULL: check and drop) */
static int
sfield(struct cur *c, char *dst, size_t size)
{
	struct out o = { dst, size, 0, 0 };

	return (string(c, &o));
}

/* number - a JSON number; *vp gets its integer part, clamped */
static int
number(struct cur *c, long long *vp)
{
	long long v = 0;
	int	 neg = 0, d, n = 0;

	if (peek(c) == '-') {
		neg = 1;
		c->p++;
	}
	if (peek(c) == '0')
		c->p++, n = 1;
	else
		for (; ISDIGIT(peek(c)); c->p++, n++) {
			d = *c->p - '0';
			if (v > (LLONG_MAX - d) / 10)
				v = LLONG_MAX;
			else
				v = v * 10 + d;
		}
	if (n == 0)
		return (-1);
	if (peek(c) == '.') {
		c->p++;
		for (n = 0; ISDIGIT(peek(c)); c->p++)
			n++;
		if (n == 0)
			return (-1);
	}
	if (peek(c) == 'e' || peek(c) == 'E') {
		c->p++;
		if (peek(c) == '+' || peek(c) == '-')
			c->p++;
		for (n = 0; ISDIGIT(peek(c)); c->p++)
			n++;
		if (n == 0)
			return (-1);
	}
	if (vp != NULL)
		*vp = neg ? -v : v;
	return (0);
}

/* literal - "true", "false" or "null"; *bp gets 1 for true */
static int
literal(struct cur *c, int *bp)
{
	static const char *const lit[] = { "true", "false", "null" };
	size_t	 i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(lit[i]);
		if ((size_t)(c->e - c->p) >= n && memcmp(c->p, lit[i], n) == 0) {
			c->p += n;
			if (bp != NULL)
				*bp = i == 0;
			return ((int)i);
		}
	}
	return (-1);
}

/* member_key - "key" then ':'; the key into buf (may be NULL), "" when too long */
static int
member_key(struct cur *c, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0 };

	ws(c);
	if (string(c, &o) < 0)
		return (-1);
	if (o.full)
		buf[0] = '\0';
	ws(c);
	if (peek(c) != ':')
		return (-1);
	c->p++;
	ws(c);
	return (0);
}

/*
 * skip - any JSON value at c->p, inside depth open containers.  The
 * containers it opens are kept on an explicit stack, not the C stack.
 */
static int
skip(struct cur *c, int depth)
{
	struct out none = { NULL, 0, 0, 0 };
	char	 stack[PQJSON_MAX_DEPTH];
	int	 n = 0, ch;

	for (;;) {
		/* a value */
		ws(c);
		ch = peek(c);
		if (ch == '{' || ch == '[') {
			if (depth + n >= PQJSON_MAX_DEPTH)
				return (-1);
			stack[n++] = (char)ch;
			c->p++;
			ws(c);
			if (peek(c) == (ch == '{' ? '}' : ']')) {
				c->p++;
				n--;
			} else {
				if (ch == '{' && member_key(c, NULL, 0) < 0)
					return (-1);
				continue;
			}
		} else if (ch == '"') {
			if (string(c, &none) < 0)
				return (-1);
		} else if (ch == '-' || ISDIGIT(ch)) {
			if (number(c, NULL) < 0)
				return (-1);
		} else if (literal(c, NULL) < 0)
			return (-1);
		/* after a value: close containers or go on to the next one */
		for (;;) {
			if (n == 0)
				return (0);
			ws(c);
			ch = peek(c);
			if (ch == ',') {
				c->p++;
				if (stack[n - 1] == '{' &&
				    member_key(c, NULL, 0) < 0)
					return (-1);
				break;
			}
			if (ch != (stack[n - 1] == '{' ? '}' : ']'))
				return (-1);
			c->p++;
			n--;
		}
	}
}

/* rcpt_object - one {"address": ..., "delay_reason": ...}; depth 3 inside */
static int
rcpt_object(struct cur *c, struct pqjson_rcpt *r)
{
	char	 key[16];

	c->p++;				/* '{' */
	ws(c);
	if (peek(c) == '}') {
		c->p++;
		return (0);
	}
	for (;;) {
		if (member_key(c, key, sizeof(key)) < 0)
			return (-1);
		if (peek(c) == '"' && strcmp(key, "address") == 0) {
			if (sfield(c, r ? r->address : NULL,
			    sizeof(r->address)) < 0)
				return (-1);
		} else if (peek(c) == '"' && strcmp(key, "delay_reason") == 0) {
			if (sfield(c, r ? r->delay_reason : NULL,
			    sizeof(r->delay_reason)) < 0)
				return (-1);
		} else if (skip(c, 3) < 0)
			return (-1);
		ws(c);
		if (peek(c) == ',') {
			c->p++;
			continue;
		}
		if (peek(c) != '}')
			return (-1);
		c->p++;
		return (0);
	}
}

/* recipients - the recipients array; depth 2 inside */
static int
recipients(struct cur *c, struct pqjson *pq)
{
	struct pqjson_rcpt *r;

	c->p++;				/* '[' */
	ws(c);
	if (peek(c) == ']') {
		c->p++;
		return (0);
	}
	for (;;) {
		ws(c);
		if (peek(c) == '{') {
			if (pq->nrcpt < PQJSON_MAX_RCPT) {
				r = &pq->rcpt[pq->nrcpt++];
				memset(r, 0, sizeof(*r));
			} else {
				r = NULL;
				pq->rcpt_dropped++;
			}
			if (rcpt_object(c, r) < 0)
				return (-1);
		} else if (skip(c, 2) < 0)
			return (-1);
		ws(c);
		if (peek(c) == ',') {
			c->p++;
			continue;
		}
		if (peek(c) != ']')
			return (-1);
		c->p++;
		return (0);
	}
}

/* pqjson_parse - parse one line of postqueue -j output; see pqjson.h */
int
pqjson_parse(const char *line, size_t len, struct pqjson *pq)
{
	struct cur c = { line, line + len };
	char	 key[16];
	int	 ch, rc;

	memset(pq, 0, offsetof(struct pqjson, rcpt));
	ws(&c);
	if (peek(&c) != '{')
		return (-1);
	c.p++;
	ws(&c);
	if (peek(&c) == '}')
		c.p++;
	else
		for (;;) {
			if (member_key(&c, key, sizeof(key)) < 0)
				return (-1);
			ch = peek(&c);
			if (ch == '"' && strcmp(key, "queue_name") == 0)
				rc = sfield(&c, pq->queue_name,
				    sizeof(pq->queue_name));
			else if (ch == '"' && strcmp(key, "queue_id") == 0)
				rc = sfield(&c, pq->queue_id,
				    sizeof(pq->queue_id));
			else if (ch == '"' && strcmp(key, "sender") == 0)
				rc = sfield(&c, pq->sender, sizeof(pq->sender));
			else if ((ch == '-' || ISDIGIT(ch)) &&
			    strcmp(key, "arrival_time") == 0)
				rc = number(&c, &pq->arrival_time);
			else if ((ch == '-' || ISDIGIT(ch)) &&
			    strcmp(key, "message_size") == 0)
				rc = number(&c, &pq->message_size);
			else if ((ch == 't' || ch == 'f') &&
			    strcmp(key, "forced_expire") == 0)
				rc = literal(&c, &pq->forced_expire) < 0 ? -1 : 0;
			else if (ch == '[' && strcmp(key, "recipients") == 0)
				rc = recipients(&c, pq);
			else
				rc = skip(&c, 1);
			if (rc < 0)
				return (-1);
			ws(&c);
			if (peek(&c) == ',') {
				c.p++;
				continue;
			}
			if (peek(&c) != '}')
				return (-1);
			c.p++;
			break;
		}
	/* one object per line: only white space may follow */
	ws(&c);
	return (c.p == c.e ? 0 : -1);
}
