/*
 * reply.c - SMTP replies: reply code, RFC 3463 enhanced status, server id
 *
 * Functions: reply_status_valid, reply_parse, reply_server_id,
 * reply_status_class_eq.
 *
 * A reply reaches us in many wrappings: bare ("535 5.7.3 ..."), as
 * multi-line continuation lines ("535-5.7.8 ...\r\n535 5.7.8 ..."),
 * folded into a Diagnostic-Code field, or at the end of a log line after
 * "said: ".  reply_parse finds the first "NNN X.Y.Z" pair in whatever it
 * is given, so callers need not strip the wrapping first.
 *
 * Limits: the reply text is cut at REPLY_TEXT_MAX (flagged), the server
 * id at REPLY_SERVERID_MAX; the enhanced code follows the RFC 3463
 * grammar (class 2/4/5, subject and detail 1-3 digits).  Nothing is
 * allocated; the input is never read past its length.
 */
#include <string.h>

#include "budget.h"
#include "reply.h"
#include "text.h"

#define ISDIGIT(c)	((c) >= '0' && (c) <= '9')
#define ISALNUM(c)	(ISDIGIT(c) || ((c) >= 'a' && (c) <= 'z') || \
			 ((c) >= 'A' && (c) <= 'Z'))

/* digits - count of consecutive digits at s, at most max+1 */
static size_t
digits(const char *s, size_t len, size_t max)
{
	size_t	 n = 0;

	while (n < len && n <= max && ISDIGIT(s[n]))
		n++;
	return (n);
}

/* reply_status_valid - length of "C.SSS.DDD" at s, or 0 (RFC 3463 grammar) */
size_t
reply_status_valid(const char *s, size_t len)
{
	size_t	 i, n;

	if (len < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') ||
	    s[1] != '.')
		return (0);
	i = 2;
	n = digits(s + i, len - i, 3);
	if (n < 1 || n > 3)
		return (0);
	i += n;
	if (i >= len || s[i] != '.')
		return (0);
	i++;
	n = digits(s + i, len - i, 3);
	if (n < 1 || n > 3)
		return (0);
	i += n;
	/* "5.7.1394" or "5.7.13.4" is not an enhanced code */
	if (i < len && (ISDIGIT(s[i]) || (s[i] == '.' && i + 1 < len &&
	    ISDIGIT(s[i + 1]))))
		return (0);
	return (i);
}

/* code_at - reply code at s[i] when it stands alone as a token, else 0 */
static int
code_at(const char *s, size_t len, size_t i)
{
	if (i + 3 > len || s[i] < '2' || s[i] > '5' || !ISDIGIT(s[i + 1]) ||
	    !ISDIGIT(s[i + 2]))
		return (0);
	if (i > 0 && (ISALNUM(s[i - 1]) || s[i - 1] == '.' ||
	    s[i - 1] == '-' || s[i - 1] == '[' || s[i - 1] == '/' ||
	    s[i - 1] == '=' || s[i - 1] == ':'))
		return (0);
	if (i + 3 < len && s[i + 3] != ' ' && s[i + 3] != '-' &&
	    s[i + 3] != '\t' && s[i + 3] != '\r' && s[i + 3] != '\n')
		return (0);
	return ((s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0'));
}

/* status_at - enhanced status as a standalone token at s[i], else 0 */
static size_t
status_at(const char *s, size_t len, size_t i)
{
	if (i > 0 && (ISALNUM(s[i - 1]) || s[i - 1] == '.' ||
	    s[i - 1] == '-' || s[i - 1] == '_'))
		return (0);
	return (reply_status_valid(s + i, len - i));
}

/* skip_ws - index of the first byte at or after i that is not white space */
static size_t
skip_ws(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' ||
	    s[i] == '\n'))
		i++;
	return (i);
}

/*
 * join_lines - copy the reply from s[start] on into out, dropping the
 * "NNN-" / "NNN " prefixes (and a repeated enhanced code) of continuation
 * lines, so "535-5.7.8 a\n535 5.7.8 b" reads "535 5.7.8 a b".
 */
static size_t
join_lines(const char *s, size_t len, size_t start, int code,
    const char *status, char *out, size_t outlen, int *cut)
{
	const char *nl;
	size_t	 i = start, o = 0, eol, n, slen = strlen(status);
	int	 first = 1;

	*cut = 0;
	while (i < len) {
		nl = memchr(s + i, '\n', len - i);
		eol = nl != NULL ? (size_t)(nl - s) : len;
		if (!first && code != 0 && eol - i >= 4 &&
		    code_at(s, len, i) == code &&
		    (s[i + 3] == '-' || s[i + 3] == ' ')) {
			i += 4;
			if (slen > 0 && eol - i >= slen &&
			    memcmp(s + i, status, slen) == 0)
				i += slen;
		} else if (first && code != 0 && i + 3 < len &&
		    s[i + 3] == '-') {
			/* first line of a multi-line reply: "535-" -> "535 " */
			if (o + 4 < outlen) {
				memcpy(out + o, s + i, 3);
				out[o + 3] = ' ';
				o += 4;
			}
			i += 4;
		}
		n = eol - i;
		if (o + n + 1 >= outlen) {
			n = outlen > o + 1 ? outlen - o - 1 : 0;
			*cut = 1;
		}
		memcpy(out + o, s + i, n);
		o += n;
		if (*cut)
			break;
		if (o + 1 < outlen)
			out[o++] = ' ';
		first = 0;
		i = eol + 1;
	}
	out[o] = '\0';
	return (o);
}

/* reply_parse - find and split the first SMTP reply in free text */
int
reply_parse(const char *s, size_t len, struct reply *r)
{
	size_t	 i, j, st = 0, found = (size_t)-1;
	int	 code = 0, c, cut;
	char	 raw[REPLY_TEXT_MAX * 2];
	size_t	 rawlen;

	memset(r, 0, sizeof(*r));
	if (budget_charge(len))
		return (0);
	reply_server_id(s, len, r->server_id, sizeof(r->server_id));

	/* First choice: "NNN X.Y.Z" or "NNN-X.Y.Z" */
	for (i = 0; i < len && found == (size_t)-1; i++) {
		/* a reply code and an enhanced code start at 2 to 5 */
		if ((i = text_next_in(s, len, i, '2', '5')) >= len)
			break;
		if ((c = code_at(s, len, i)) == 0)
			continue;
		j = skip_ws(s, len, i + 4 <= len ? i + 4 : len);
		if (i + 3 < len && s[i + 3] == '-')
			j = i + 4;
		if (j < len && (st = reply_status_valid(s + j, len - j)) > 0) {
			code = c;
			text_copy(r->status, sizeof(r->status), s + j, st);
			found = i;
		}
	}
	/* Second: a bare enhanced code ("5.7.708 Access denied ...") */
	for (i = 0; found == (size_t)-1 && i < len; i++) {
		if ((i = text_next_in(s, len, i, '2', '5')) >= len)
			break;
		if ((st = status_at(s, len, i)) > 0) {
			text_copy(r->status, sizeof(r->status), s + i, st);
			found = i;
		}
	}
	/* Last: a reply code at the very start ("530 Client not ...") */
	if (found == (size_t)-1) {
		i = skip_ws(s, len, 0);
		if ((code = code_at(s, len, i)) != 0)
			found = i;
	}
	if (found == (size_t)-1) {
		text_printable(r->text, sizeof(r->text), s,
		    len < sizeof(raw) ? len : sizeof(raw));
		return (0);
	}
	r->code = code;
	rawlen = join_lines(s, len, found, code, r->status, raw, sizeof(raw),
	    &cut);
	text_printable(r->text, sizeof(r->text), raw, rawlen);
	r->truncated = cut || strlen(r->text) + 8 >= sizeof(r->text);
	return (1);
}

/*
 * reply_server_id - a bracketed server id: "[ID.dom.ain]",
 * "[ID.dom.ain 2023-09-12T20:59:57.214Z 08DBB276B7E699C4]" or
 * "[Hostname=ID.dom.ain]".  The first label is 6..24 letters and digits
 * with at least one digit (SN4PR0501CA0054), which keeps "[127.0.0.1]"
 * and "[mail.example.com]" out; whether the domain is Microsoft's is the
 * rules' decision, not ours.
 */
int
reply_server_id(const char *s, size_t len, char *out, size_t outlen)
{
	const char *b;
	size_t	 i, j, k, lab, dots;
	int	 digit;

	for (i = 0; i < len; i++) {
		if (s[i] != '[') {
			/* most of the text holds no '[': memchr passes it */
			if ((b = memchr(s + i, '[', len - i)) == NULL)
				break;
			i = (size_t)(b - s);
		}
		j = i + 1;
		if (len - j > 9 && text_casecmp_n(s + j, "Hostname=", 9) == 0)
			j += 9;
		for (k = j, digit = 0; k < len && ISALNUM(s[k]); k++)
			digit |= ISDIGIT(s[k]);
		lab = k - j;
		if (lab < 6 || lab > 24 || !digit || k >= len || s[k] != '.')
			continue;
		for (dots = 0; k < len && (ISALNUM(s[k]) || s[k] == '.' ||
		    s[k] == '-'); k++)
			dots += s[k] == '.';
		if (dots < 2 || k >= len || (s[k] != ']' && s[k] != ' '))
			continue;
		/* the timestamp and hex suffix must still close with ']' */
		if (s[k] == ' ') {
			size_t	 e;

			/* a folded Diagnostic-Code may break the trailer */
			for (e = k; e < len && e - k < 80 && s[e] != ']' &&
			    s[e] != '['; e++)
				;
			if (e >= len || s[e] != ']')
				continue;
		}
		text_copy(out, outlen, s + j, k - j);
		return (1);
	}
	if (outlen > 0)
		out[0] = '\0';
	return (0);
}

/* reply_status_class_eq - "4.7.139" equals "5.7.139": Postfix soft bounce */
int
reply_status_class_eq(const char *a, const char *b)
{
	if (a[0] == '\0' || b[0] == '\0')
		return (0);
	return (strcmp(a + 1, b + 1) == 0);
}
