/*
 * jsonr.c - the one JSON reader: a bounded cursor over one JSON text
 *
 * Functions: jsonr_init, jsonr_ws, jsonr_peek, jsonr_string,
 * jsonr_number, jsonr_literal, jsonr_skip, jsonr_key, jsonr_open,
 * jsonr_next, jsonr_end, jsonr_get.
 *
 * The callers walk the shape they expect (pqjson.c: a postqueue -j
 * record) or take one top-level member (jsonr_get: token files, Entra
 * ID answers) and skip everything else, whatever its value, so a later
 * producer may add members freely.
 *
 * Limits: no recursion; more than JSONR_MAX_DEPTH open containers fail,
 * counted by an explicit stack.  Nothing is allocated.  Input is never
 * read past its length.  Strings are unescaped into fixed buffers and cut
 * there (never inside a UTF-8 sequence); \uXXXX escapes and surrogate
 * pairs become UTF-8, while escapes that give NUL, other control
 * characters, DEL or C1 controls become the cursor's ctl byte ('?', or a
 * space where "\r\n" separates sentences, as in Entra's error texts) and
 * a lone surrogate '?'.  Raw control bytes in a string are a syntax
 * error; raw bytes >= 0x80 are copied as they are (UTF-8 is not
 * validated).  Numbers are read as long long: a fraction or exponent is
 * checked and dropped, a value out of range is clamped.
 */
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "jsonr.h"

#define ISDIGIT(c)	((c) >= '0' && (c) <= '9')

/* jsonr_ws - skip JSON white space */
void
jsonr_ws(struct jsonr *c)
{
	while (c->p < c->e && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

/* jsonr_peek - next byte, or -1 at the end */
int
jsonr_peek(const struct jsonr *c)
{
	return (c->p < c->e ? (unsigned char)*c->p : -1);
}

/* hex4 - value of four hex digits at c->p, or -1 */
static long
hex4(struct jsonr *c)
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
	char	 ctl;		/* what a control character becomes */
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

/* put_cp - a code point as UTF-8; controls as o->ctl, surrogates as '?' */
static void
put_cp(struct out *o, long cp)
{
	char	 b[4];

	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		put(o, &o->ctl, 1);
	else if (cp >= 0xd800 && cp < 0xe000)
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
string(struct jsonr *c, struct out *o)
{
	long	 cp, hi = -1;
	int	 ch;

	if (jsonr_peek(c) != '"')
		return (-1);
	c->p++;
	for (;;) {
		if ((ch = jsonr_peek(c)) < 0)
			return (-1);
		c->p++;
		/* a high surrogate pairs only with a low one right after it */
		if (hi >= 0 && !(ch == '\\' && jsonr_peek(c) == 'u')) {
			put_cp(o, hi);
			hi = -1;
		}
		if (ch == '"')
			break;
		if (ch < 0x20)
			return (-1);
		if (ch != '\\') {
			put_raw(o, ch == 0x7f ? o->ctl : ch);
			continue;
		}
		if ((ch = jsonr_peek(c)) < 0)
			return (-1);
		c->p++;
		switch (ch) {
		case '"': case '\\': case '/':
			put_cp(o, ch);
			break;
		case 'b': case 'f': case 'n': case 'r': case 't':
			put_cp(o, 0x01);	/* a control: o->ctl */
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

/* jsonr_string - a string into a fixed buffer (NULL: check); 0, 1 cut, -1 */
int
jsonr_string(struct jsonr *c, char *dst, size_t size)
{
	struct out o = { dst, size, 0, 0, c->ctl };
	int	 rc = string(c, &o);

	/* terminated on a syntax error too: the caller may look at dst */
	if (dst != NULL)
		dst[o.len] = '\0';
	return (rc < 0 ? -1 : o.full);
}

/* jsonr_number - a JSON number; *vp gets its integer part, clamped */
int
jsonr_number(struct jsonr *c, long long *vp)
{
	long long v = 0;
	int	 neg = 0, d, n = 0;

	if (jsonr_peek(c) == '-') {
		neg = 1;
		c->p++;
	}
	if (jsonr_peek(c) == '0')
		c->p++, n = 1;
	else
		for (; ISDIGIT(jsonr_peek(c)); c->p++, n++) {
			d = *c->p - '0';
			if (v > (LLONG_MAX - d) / 10)
				v = LLONG_MAX;
			else
				v = v * 10 + d;
		}
	if (n == 0)
		return (-1);
	if (jsonr_peek(c) == '.') {
		c->p++;
		for (n = 0; ISDIGIT(jsonr_peek(c)); c->p++)
			n++;
		if (n == 0)
			return (-1);
	}
	if (jsonr_peek(c) == 'e' || jsonr_peek(c) == 'E') {
		c->p++;
		if (jsonr_peek(c) == '+' || jsonr_peek(c) == '-')
			c->p++;
		for (n = 0; ISDIGIT(jsonr_peek(c)); c->p++)
			n++;
		if (n == 0)
			return (-1);
	}
	if (vp != NULL)
		*vp = neg ? -v : v;
	return (0);
}

/* jsonr_literal - "true", "false" or "null"; *bp gets 1 for true */
int
jsonr_literal(struct jsonr *c, int *bp)
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

/* jsonr_key - "key" then ':'; the key into buf (may be NULL), "" when too long */
int
jsonr_key(struct jsonr *c, char *buf, size_t size)
{
	int	 rc;

	jsonr_ws(c);
	if ((rc = jsonr_string(c, buf, size)) < 0)
		return (-1);
	if (rc == 1)
		buf[0] = '\0';
	jsonr_ws(c);
	if (jsonr_peek(c) != ':')
		return (-1);
	c->p++;
	jsonr_ws(c);
	return (0);
}

/*
 * jsonr_skip - any JSON value at c->p, inside depth open containers.  The
 * containers it opens are kept on an explicit stack, not the C stack.
 */
int
jsonr_skip(struct jsonr *c, int depth)
{
	char	 stack[JSONR_MAX_DEPTH];
	int	 n = 0, ch;

	for (;;) {
		/* a value */
		jsonr_ws(c);
		ch = jsonr_peek(c);
		if (ch == '{' || ch == '[') {
			if (depth + n >= JSONR_MAX_DEPTH)
				return (-1);
			stack[n++] = (char)ch;
			c->p++;
			jsonr_ws(c);
			if (jsonr_peek(c) == (ch == '{' ? '}' : ']')) {
				c->p++;
				n--;
			} else {
				if (ch == '{' && jsonr_key(c, NULL, 0) < 0)
					return (-1);
				continue;
			}
		} else if (ch == '"') {
			if (jsonr_string(c, NULL, 0) < 0)
				return (-1);
		} else if (ch == '-' || ISDIGIT(ch)) {
			if (jsonr_number(c, NULL) < 0)
				return (-1);
		} else if (jsonr_literal(c, NULL) < 0)
			return (-1);
		/* after a value: close containers or go on to the next one */
		for (;;) {
			if (n == 0)
				return (0);
			jsonr_ws(c);
			ch = jsonr_peek(c);
			if (ch == ',') {
				c->p++;
				if (stack[n - 1] == '{' &&
				    jsonr_key(c, NULL, 0) < 0)
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

/* jsonr_init - a cursor over s[0..len) */
void
jsonr_init(struct jsonr *c, const char *s, size_t len, int ctl)
{
	c->p = s;
	c->e = s + len;
	c->ctl = (char)ctl;
}

/* jsonr_open - the open byte of a container; 1 empty, 0 not, -1 absent */
int
jsonr_open(struct jsonr *c, int open)
{
	jsonr_ws(c);
	if (jsonr_peek(c) != open)
		return (-1);
	c->p++;
	jsonr_ws(c);
	if (jsonr_peek(c) == (open == '{' ? '}' : ']')) {
		c->p++;
		return (1);
	}
	return (0);
}

/* jsonr_next - ',' (1) or the close byte (0) after a member or element */
int
jsonr_next(struct jsonr *c, int close)
{
	jsonr_ws(c);
	if (jsonr_peek(c) == ',') {
		c->p++;
		return (1);
	}
	if (jsonr_peek(c) != close)
		return (-1);
	c->p++;
	return (0);
}

/* jsonr_end - only white space left */
int
jsonr_end(struct jsonr *c)
{
	jsonr_ws(c);
	return (c->p == c->e ? 0 : -1);
}

/* jsonr_get - one top-level member of a JSON object; see jsonr.h */
int
jsonr_get(const char *s, size_t len, const char *key, char *out,
    size_t outlen)
{
	struct jsonr c;
	char	 name[128];
	const char *v;
	size_t	 n;
	int	 found = 0, rc, ch;

	if (outlen > 0)
		out[0] = '\0';
	/* "\r\n" between the sentences of an error text: a space */
	jsonr_init(&c, s, len, ' ');
	if ((rc = jsonr_open(&c, '{')) != 0)
		return (rc == 1 ? jsonr_end(&c) : -1);
	do {
		if ((rc = jsonr_key(&c, name, sizeof(name))) < 0)
			break;
		v = c.p;
		ch = jsonr_peek(&c);
		if (found || strcmp(name, key) != 0 || outlen == 0)
			rc = jsonr_skip(&c, 1);
		else if (ch == '"')
			rc = jsonr_string(&c, out, outlen) < 0 ? -1 : 0;
		else if ((rc = jsonr_skip(&c, 1)) == 0 && ch != '{' &&
		    ch != '[') {
			/* a number or literal as written */
			n = (size_t)(c.p - v);
			if (n > outlen - 1)
				n = outlen - 1;
			memcpy(out, v, n);
			out[n] = '\0';
		}
		if (rc < 0)
			break;
		if (!found && strcmp(name, key) == 0)
			found = 1;
	} while ((rc = jsonr_next(&c, '}')) == 1);
	if (rc < 0 || jsonr_end(&c) < 0) {
		/* no value from a text that is not JSON */
		if (outlen > 0)
			out[0] = '\0';
		return (-1);
	}
	return (found);
}
