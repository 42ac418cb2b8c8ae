/*
 * evidence.c - find the SMTP reply inside any text
 *
 * Functions: evidence_find, evidence_host_before, evidence_ms_tag,
 * evidence_name.
 *
 * People do not paste replies, they paste what their program printed:
 * a Python tuple "(535, b'5.7.139 ...')", a .NET "The server response
 * was: 5.7.57 ...", Swift Mailer's 'got code "550", with message "550
 * 5.7.60 ..."', a nodemailer stack in JSON with "\n" escapes, an
 * Exchange NDR's "Remote Server returned '550 5.7.708 ...'", an Exim
 * callout "550-Callout verification failed: 550-550 5.1.10 ...", a log
 * line of a shape nobody parses.  Rather than a pattern per program,
 * evidence_find reads the grammar every one of them keeps: a 4xx/5xx
 * reply code standing alone as a token, an RFC 3463 enhanced code, and
 * the text after it up to the end of the string it sits in (the closing
 * quote of the quote that opened it, or the end of the line; an escaped
 * line break "\n" ends it too unless the next line continues the same
 * reply).  Quote escapes (\' \" \\) are undone; continuation lines
 * ("535-5.7.8 a\n535 5.7.8 b", Python's "...\n5.7.8  b") are joined,
 * and so are wrapped lines indented at least as deep as the reply's
 * first (Postfix's bounce text folds "said: 535 5.7.139 Authentication"
 * onto lines indented by four).
 * The reply code may stand a few bytes before the enhanced code with
 * punctuation or a short label between ("(535, b'", "retcode (535);
 * Msg: b'"), or after the text ("... SMTP code: 550").
 *
 * Candidates rank: both codes (3), an enhanced code alone (2), a reply
 * code followed by words (1).  The first candidate of the best rank
 * wins, so a wrapper's own numbers ("Expected response code 250") lose
 * to the reply it quotes.  2xx and 3xx codes are never candidates: they
 * are not failures, and a 334 line carries AUTH data.
 *
 * Limits: at most EVIDENCE_SCAN_MAX input bytes are read; the text is
 * cut at REPLY_TEXT_MAX - 1 bytes; a code is looked for at most
 * EVIDENCE_BACK bytes before its enhanced code, on the same line.
 * Nothing is allocated.
 */
#include <string.h>

#include "evidence.h"
#include "reply.h"
#include "text.h"

#define ISDIGIT(c)	((c) >= '0' && (c) <= '9')
#define ISALNUM(c)	(ISDIGIT(c) || ((c) >= 'a' && (c) <= 'z') || \
			 ((c) >= 'A' && (c) <= 'Z'))
#define ISQUOTE(c)	((c) == '\'' || (c) == '"' || (c) == '`')

#define EVIDENCE_BACK	24	/* "retcode (535); Msg: b'" */
#define EVIDENCE_SEP	8	/* ", b'" between code and enhanced code */
#define EVIDENCE_LINE_BACK 512	/* how far back a line start is looked for */
#define NO_WRAP		((size_t)-1)	/* wrap_indent: no wrapped lines */

/* code_tok - a 4xx/5xx reply code standing alone at s[i], else 0 */
static int
code_tok(const char *s, size_t len, size_t i)
{
	if (i + 3 > len || (s[i] != '4' && s[i] != '5') || s[i + 1] < '0' ||
	    s[i + 1] > '5' || !ISDIGIT(s[i + 2]))
		return (0);
	if (i > 0 && (ISALNUM(s[i - 1]) || s[i - 1] == '.' ||
	    s[i - 1] == '_' || s[i - 1] == '=' || s[i - 1] == '/' ||
	    s[i - 1] == '+' || s[i - 1] == '[' || s[i - 1] == '%'))
		return (0);
	if (i + 3 < len && (ISALNUM(s[i + 3]) || s[i + 3] == '.' ||
	    s[i + 3] == '_' || s[i + 3] == '/' || s[i + 3] == '%'))
		return (0);
	return ((s[i] - '0') * 100 + (s[i + 1] - '0') * 10 + (s[i + 2] - '0'));
}

/* status_tok - length of a 4.x.x/5.x.x enhanced code alone at s[i], or 0 */
static size_t
status_tok(const char *s, size_t len, size_t i)
{
	size_t	 n;

	if (s[i] != '4' && s[i] != '5')
		return (0);
	if (i > 0 && (ISALNUM(s[i - 1]) || s[i - 1] == '.' ||
	    s[i - 1] == '_' || s[i - 1] == '/'))
		return (0);
	if ((n = reply_status_valid(s + i, len - i)) == 0)
		return (0);
	/* "5.7.3" in "5.7.3-beta" or "5.4.2.1" is a version, not a code */
	if (i + n < len && (ISALNUM(s[i + n]) || s[i + n] == '-' ||
	    (s[i + n] == '.' && i + n + 1 < len && ISALNUM(s[i + n + 1]))))
		return (0);
	return (n);
}

/* at_break - length of a line break at s[i], real or escaped ("\n"), or 0 */
static size_t
at_break(const char *s, size_t len, size_t i)
{
	if (s[i] == '\n')
		return (1);
	if (s[i] == '\r' && i + 1 < len && s[i + 1] == '\n')
		return (2);
	if (s[i] == '\\' && i + 1 < len && s[i + 1] == 'n')
		return (2);
	if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'r' &&
	    s[i + 2] == '\\' && s[i + 3] == 'n')
		return (4);
	return (0);
}

/*
 * continues - bytes to skip at s[i] when a continuation line of the same
 * reply starts there ("535-", "535 ", "5.7.8 ", optional indent), else 0
 */
static size_t
continues(const char *s, size_t len, size_t i, int code, const char *st,
    size_t slen, size_t indent)
{
	size_t	 j = i, w;

	while (j < len && j - i < 8 && (s[j] == ' ' || s[j] == '\t'))
		j++;
	/* not code_tok: after an escaped "\n" the code follows a letter */
	if (code != 0 && j + 3 < len && s[j] == '0' + code / 100 &&
	    s[j + 1] == '0' + code / 10 % 10 && s[j + 2] == '0' + code % 10 &&
	    (s[j + 3] == '-' || s[j + 3] == ' ')) {
		j += 4;
		if (slen > 0 && len - j >= slen && memcmp(s + j, st, slen) == 0)
			j += slen;
		return (j - i);
	}
	if (slen > 0 && len - j > slen && memcmp(s + j, st, slen) == 0 &&
	    (s[j + slen] == ' ' || s[j + slen] == '\t'))
		return (j + slen - i);
	/*
	 * A wrapped line: Postfix's bounce text folds the reply after
	 * "said: " onto lines indented by four, as header folding does.  An
	 * indented, non-blank line at least as deep as the reply's first
	 * line goes on with it; a shallower one is the next record (Exim's
	 * next address), one deeper than the 8 blanks read above a column
	 * of its own (mailq's recipients, 41 blanks), and a stack frame
	 * ("at com.sun.mail...") is not the server's text.
	 */
	w = j - i;
	if (indent == NO_WRAP || w == 0 || w < indent || j >= len ||
	    s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r' ||
	    (j + 2 < len && s[j] == 'a' && s[j + 1] == 't' && s[j + 2] == ' '))
		return (0);
	return (w);
}

/*
 * copy_text - the reply text from s[i] into out[o..]: up to quote q
 * (0: none), a line break that does not continue the reply, or the end;
 * escapes undone.  indent is that of the line the reply starts on.
 * Returns the index where reading stopped.
 */
static size_t
copy_text(const char *s, size_t len, size_t i, int q, int code,
    const char *st, size_t indent, char *out, size_t *op, size_t outlen)
{
	size_t	 o = *op, b, k, slen = strlen(st);

	while (i < len && o + 1 < outlen) {
		/* a quote closes only at the end of a word: "can't" */
		if (q != 0 && s[i] == q && (i + 1 >= len ||
		    !ISALNUM(s[i + 1])))
			break;
		if ((b = at_break(s, len, i)) > 0) {
			if ((k = continues(s, len, i + b, code, st, slen,
			    indent)) == 0)
				break;
			i += b + k;
			out[o++] = ' ';
			continue;
		}
		if (s[i] == '\\' && i + 1 < len && (ISQUOTE(s[i + 1]) ||
		    s[i + 1] == '\\' || s[i + 1] == '/')) {
			out[o++] = s[i + 1];
			i += 2;
			continue;
		}
		if (s[i] == '\\' && i + 1 < len && (s[i + 1] == 't' ||
		    s[i + 1] == 'r')) {
			out[o++] = ' ';
			i += 2;
			continue;
		}
		out[o++] = s[i++];
	}
	out[o] = '\0';
	*op = o;
	return (i);
}

/* code_after - a reply code of class c named after the text ("code: 550") */
static int
code_after(const char *t, size_t tlen, char c)
{
	const char *p = t, *e = t + tlen;
	size_t	 k;
	int	 v;

	while ((p = text_casestr(p, (size_t)(e - p), "code")) != NULL) {
		p += 4;
		for (k = 0; k < 3 && p + k < e && (p[k] == ':' ||
		    p[k] == ' ' || p[k] == '(' || p[k] == '='); k++)
			;
		if (k > 0 && p + k < e && p[k] == c &&
		    (v = code_tok(p, (size_t)(e - p), k)) != 0)
			return (v);
	}
	return (0);
}

/* put_code - "535 " at out[0] */
static size_t
put_code(char *out, int code)
{
	out[0] = (char)('0' + code / 100);
	out[1] = (char)('0' + code / 10 % 10);
	out[2] = (char)('0' + code % 10);
	out[3] = ' ';
	return (4);
}

/*
 * wrap_indent - for a reply Postfix's bounce text wraps ("host H[ip]
 * said: 535 ..." and lines indented by four), the leading blanks of its
 * line; NO_WRAP for every other wrapper, whose indented lines are its
 * own prose.  The line start is looked for at most EVIDENCE_LINE_BACK
 * bytes back (0 beyond), so each candidate costs a bounded amount.
 */
static size_t
wrap_indent(const char *s, size_t off)
{
	size_t	 k, w;

	if (off < 6 || memcmp(s + off - 6, "said: ", 6) != 0)
		return (NO_WRAP);
	for (k = off; k > 0 && off - k < EVIDENCE_LINE_BACK && s[k - 1] != '\n';
	    k--)
		;
	if (k > 0 && s[k - 1] != '\n')
		return (0);
	for (w = 0; k + w < off && (s[k + w] == ' ' || s[k + w] == '\t'); w++)
		;
	return (w);
}

/* candidate - the reply that starts at s[i], built into ev; its rank */
static int
candidate(const char *s, size_t len, size_t i, struct evidence_reply *ev)
{
	char	 st[REPLY_STATUS_MAX];
	size_t	 j, n, o = 0, from, end, k;
	int	 code, q = 0, rank;

	st[0] = '\0';
	if ((code = code_tok(s, len, i)) != 0) {
		/* the separator: "535 5", "535-5", "535, b'5", "535: 5" */
		for (j = i + 3; j < len && j - i - 3 < EVIDENCE_SEP &&
		    (s[j] == ' ' || s[j] == '\t' || s[j] == '-' ||
		    s[j] == ',' || s[j] == ':' || s[j] == ';' ||
		    s[j] == ')' || ISQUOTE(s[j]) || (s[j] == 'b' &&
		    j + 1 < len && ISQUOTE(s[j + 1]))); j++)
			if (ISQUOTE(s[j]))
				q = s[j];
		if (j < len && (n = status_tok(s, len, j)) > 0) {
			rank = 3;
			text_copy(st, sizeof(st), s + j, n);
			from = j;
		} else if (j == i + 4 && (s[i + 3] == ' ' ||
		    s[i + 3] == '-') && j < len && ((s[j] >= 'a' &&
		    s[j] <= 'z') || (s[j] >= 'A' && s[j] <= 'Z'))) {
			rank = 1;
			from = j;
		} else
			return (0);
		if (q == 0 && i > 0 && ISQUOTE(s[i - 1]))
			q = s[i - 1];
		o = put_code(ev->text, code);
		ev->off = i;
	} else if ((n = status_tok(s, len, i)) > 0) {
		rank = 2;
		text_copy(st, sizeof(st), s + i, n);
		from = i;
		/* the nearest code of the same class before it, same line */
		for (k = i; k > 0 && i - k < EVIDENCE_BACK && s[k - 1] != '\n';
		    k--)
			if (s[k - 1] == s[i] && (code = code_tok(s, len,
			    k - 1)) != 0)
				break;
		if (code != 0) {
			o = put_code(ev->text, code);
			ev->off = k - 1;
		} else
			ev->off = i;
		if (i > 0 && ISQUOTE(s[i - 1]))
			q = s[i - 1];
		if (i > 1 && s[i - 1] == '\'' && s[i - 2] == 'b')
			q = '\'';
	} else
		return (0);
	end = copy_text(s, len, from, q, code, st, wrap_indent(s, ev->off),
	    ev->text, &o, sizeof(ev->text));
	if (rank == 2 && code == 0 && (code = code_after(ev->text, o,
	    st[0])) != 0) {
		/* "5.7.60 ... SMTP code: 550": the code goes in front */
		if (o + 4 >= sizeof(ev->text))
			o = sizeof(ev->text) - 5;
		memmove(ev->text + 4, ev->text, o);
		put_code(ev->text, code);
		o += 4;
		ev->text[o] = '\0';
	}
	if (code != 0 && st[0] != '\0')
		rank = 3;
	ev->nested = ev->off >= 4 && code_tok(s, len, ev->off - 4) != 0 &&
	    (s[ev->off - 1] == '-' || s[ev->off - 1] == ' ');
	ev->len = end - ev->off;
	ev->rank = rank;
	return (rank);
}

/* evidence_find - the best SMTP reply candidate in text */
int
evidence_find(const char *text, size_t len, struct evidence_reply *ev)
{
	struct evidence_reply one;
	size_t	 i;

	memset(ev, 0, sizeof(*ev));
	if (len > EVIDENCE_SCAN_MAX)
		len = EVIDENCE_SCAN_MAX;
	for (i = 0; i < len && ev->rank < 3; i++) {
		/* a reply or its enhanced code starts at '4' or '5' */
		if ((i = text_next_in(text, len, i, '4', '5')) >= len)
			break;
		if (candidate(text, len, i, &one) > ev->rank)
			memcpy(ev, &one, sizeof(*ev));
	}
	return (ev->rank > 0);
}

/*
 * evidence_host_before - the server named as "HOST[address]" (Postfix's
 * notation, kept by many wrappers) nearest before s[off]: at least two
 * labels, a letter in the last.  Returns 1 and the name in out.
 */
int
evidence_host_before(const char *s, size_t off, char *out, size_t outlen)
{
	size_t	 i, b, last;

	out[0] = '\0';
	if (off > EVIDENCE_SCAN_MAX)
		off = EVIDENCE_SCAN_MAX;
	for (i = off; i > 1; i--) {
		if (s[i - 1] != '[')
			continue;
		for (b = i - 1; b > 0 && i - 1 - b < 255 && (ISALNUM(s[b - 1]) ||
		    s[b - 1] == '.' || s[b - 1] == '-'); b--)
			;
		if (b == i - 1 || s[b] == '.' || s[i - 2] == '.')
			continue;
		for (last = i - 1; last > b && s[last - 1] != '.'; last--)
			;
		if (last == b || ISDIGIT(s[last]))
			continue;
		text_copy(out, outlen, s + b, i - 1 - b);
		return (1);
	}
	return (0);
}

/* tag_digits - 3 to 10 digits at s[j], then ')' */
static int
tag_digits(const char *s, size_t len, size_t j)
{
	size_t	 n;

	for (n = 0; j + n < len && ISDIGIT(s[j + n]); n++)
		;
	return (n >= 3 && n <= 10 && j + n < len && s[j + n] == ')');
}

/*
 * evidence_ms_tag - Exchange Online Protection's diagnostic tags in a
 * reply: "AS(7555)", "(S3140)", "(AS3150)", "(S77719)" - a parenthesised
 * S or AS and 3 to 10 digits.  Returns 1 when one is found.
 */
int
evidence_ms_tag(const char *s, size_t len)
{
	const char *q;
	size_t	 i, p;

	if (len > EVIDENCE_SCAN_MAX)
		len = EVIDENCE_SCAN_MAX;
	/* every tag has its '(' at i ("(S", "(AS") or i + 2 ("AS("), for a
	 * start i with i + 5 < len: the parentheses are found by memchr */
	for (p = 0; p < len && (q = memchr(s + p, '(', len - p)) != NULL;
	    p = i + 1) {
		i = (size_t)(q - s);
		if (i >= 2 && i + 3 < len && s[i - 2] == 'A' &&
		    s[i - 1] == 'S' && (i == 2 || !ISALNUM(s[i - 3])) &&
		    tag_digits(s, len, i + 1))
			return (1);
		if (i + 5 < len && ((s[i + 1] == 'S' &&
		    tag_digits(s, len, i + 2)) || (s[i + 1] == 'A' &&
		    s[i + 2] == 'S' && tag_digits(s, len, i + 3))))
			return (1);
	}
	return (0);
}

/* evidence_name - for JSON and humans */
const char *
evidence_name(enum evidence_kind k)
{
	switch (k) {
	case EVIDENCE_HOST:
		return ("host");
	case EVIDENCE_SERVER_ID:
		return ("server_id");
	case EVIDENCE_MARKER:
		return ("marker");
	case EVIDENCE_WORDING:
		return ("wording");
	default:
		return (NULL);
	}
}
