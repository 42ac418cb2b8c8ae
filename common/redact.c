/*
 * redact.c - mask passwords, tokens and AUTH data in text we echo
 *
 * Functions: redact_text.
 *
 * What a user pastes into "relayhint explain", and what a log line or a
 * bounce carries, may hold the relay's own credentials: a swaks or
 * openssl transcript echoes the AUTH exchange, a sasl-xoauth2 or curl
 * trace shows the token request, a config excerpt shows sasl_passwd or
 * passwd.client.  The reply text is echoed on stdout, in --json, in the
 * inserted hint, in the alert spool and from there in webhooks, so
 * whatever looks like a credential is overwritten here, once, before
 * any of those sees it:
 *
 *   - everything after an AUTH verb with a SASL mechanism (AUTH PLAIN
 *     b64, AUTH LOGIN and its continuation lines, AUTH XOAUTH2 b64) and
 *     after a 334 challenge, up to the server's next reply code; only
 *     reply codes and transcript markers ("->", "<~") are kept;
 *   - the value of every key=value, key: value and JSON member ("k" :
 *     "v", quoted, escaped or not, spaces allowed) whose key looks like
 *     a credential (password, passwd, pass, pwd, secret, token,
 *     assertion, api key, authorization, cookie, auth, ...); for an
 *     Authorization value the scheme (Bearer, Basic) is kept;
 *   - the token after "Bearer";
 *   - URL userinfo (https://user:pw@host keeps "user");
 *   - the password of "user@domain:pw" and "host:user:pw" (sasl_passwd
 *     and passwd.client lines) and the value after "[host]:port";
 *   - a JWT (eyJ...) and any opaque run of 32 or more base64 characters
 *     that mixes upper case, lower case and digits.
 *
 * Known-safe words are whitelisted by shape rather than the other way
 * round where the text is a transcript: after AUTH only reply codes and
 * markers survive.  Elsewhere the reply text is Microsoft's prose and
 * must stay readable (the rule table matches it), so it is kept.
 *
 * A masked value becomes up to three '*' (never more bytes than it had,
 * so the work is in place).  One pass, left to right; every lookahead
 * stops at a byte the next step would stop at too, so the cost is
 * linear in the text.  Only input bytes and '*' are written: no CR, LF
 * or NUL can appear that was not there.
 */
#include <string.h>

#include "redact.h"

#define REDACT_BLOB_MIN	32	/* opaque base64 runs this long are masked */
#define REDACT_KEY_MAX	64	/* longer "keys" are not looked at */

struct rd {
	char	*s;
	size_t	 n;		/* strlen(s) */
	size_t	 r;		/* read position */
	size_t	 w;		/* write position, w <= r */
};

/*
 * The byte classes below, one table lookup each: every byte of a reply
 * goes through several of them (a comparison chain per byte was a
 * third of redacting one).
 */
#define C_SPACE	0x01		/* ' ', \t, \r, \n, \f, \v */
#define C_ALNUM	0x02		/* ASCII letter or digit */
#define C_IDENT	0x04		/* alnum, '_', '-', '.' */
#define C_HOST	0x08		/* alnum, '.', '-', '_', '*' */
#define A	(C_ALNUM | C_IDENT | C_HOST)

static const unsigned char cls[256] = {
	['\t'] = C_SPACE, ['\n'] = C_SPACE, ['\v'] = C_SPACE,
	['\f'] = C_SPACE, ['\r'] = C_SPACE, [' '] = C_SPACE,
	['_'] = C_IDENT | C_HOST, ['-'] = C_IDENT | C_HOST,
	['.'] = C_IDENT | C_HOST, ['*'] = C_HOST,
	['0'] = A, ['1'] = A, ['2'] = A, ['3'] = A, ['4'] = A, ['5'] = A,
	['6'] = A, ['7'] = A, ['8'] = A, ['9'] = A,
	['A'] = A, ['B'] = A, ['C'] = A, ['D'] = A, ['E'] = A, ['F'] = A,
	['G'] = A, ['H'] = A, ['I'] = A, ['J'] = A, ['K'] = A, ['L'] = A,
	['M'] = A, ['N'] = A, ['O'] = A, ['P'] = A, ['Q'] = A, ['R'] = A,
	['S'] = A, ['T'] = A, ['U'] = A, ['V'] = A, ['W'] = A, ['X'] = A,
	['Y'] = A, ['Z'] = A,
	['a'] = A, ['b'] = A, ['c'] = A, ['d'] = A, ['e'] = A, ['f'] = A,
	['g'] = A, ['h'] = A, ['i'] = A, ['j'] = A, ['k'] = A, ['l'] = A,
	['m'] = A, ['n'] = A, ['o'] = A, ['p'] = A, ['q'] = A, ['r'] = A,
	['s'] = A, ['t'] = A, ['u'] = A, ['v'] = A, ['w'] = A, ['x'] = A,
	['y'] = A, ['z'] = A,
};
#undef A

/* is_space - what separates words (the text is usually folded already) */
static inline int
is_space(int c)
{
	return (cls[c & 0xff] & C_SPACE);
}

/* is_alnum - ASCII letter or digit */
static inline int
is_alnum(int c)
{
	return (cls[c & 0xff] & C_ALNUM);
}

/* is_ident - a byte of a key name */
static inline int
is_ident(int c)
{
	return (cls[c & 0xff] & C_IDENT);
}

/* is_hostc - a byte of a host name or a passwd.client host pattern */
static inline int
is_hostc(int c)
{
	return (cls[c & 0xff] & C_HOST);
}

/* lc - ASCII lower case */
static int
lc(int c)
{
	return (c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
}

/* eq_ci - s[0..len) equals the lower-case word w */
static int
eq_ci(const char *s, size_t len, const char *w)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (w[i] == '\0' || lc((unsigned char)s[i]) != w[i])
			return (0);
	return (w[len] == '\0');
}

/* word_end - end of the non-space run at i */
static size_t
word_end(const struct rd *d, size_t i)
{
	while (i < d->n && !is_space((unsigned char)d->s[i]))
		i++;
	return (i);
}

/* copy - keep bytes [r, e) */
static void
copy(struct rd *d, size_t e)
{
	if (d->w != d->r)
		memmove(d->s + d->w, d->s + d->r, e - d->r);
	d->w += e - d->r;
	d->r = e;
}

/* mask - replace bytes [r, e) with up to three '*' */
static void
mask(struct rd *d, size_t e)
{
	size_t	 k, m = e - d->r < 3 ? e - d->r : 3;

	for (k = 0; k < m; k++)
		d->s[d->w++] = '*';
	d->r = e;
}

/* is_mech - a SASL mechanism name after AUTH (a trailing ':' allowed) */
static int
is_mech(const char *s, size_t len)
{
	static const char *const mech[] = {
		"plain", "login", "xoauth2", "xoauth", "oauthbearer",
		"cram-md5", "digest-md5", "ntlm", "gssapi", "external",
		"anonymous", "msn",
	};
	size_t	 i;

	if (len > 0 && s[len - 1] == ':')
		len--;
	if (len > 6 && eq_ci(s, 6, "scram-"))
		return (1);
	for (i = 0; i < sizeof(mech) / sizeof(mech[0]); i++)
		if (eq_ci(s, len, mech[i]))
			return (1);
	return (0);
}

/* reply_code - 200..599 at the start of a word ("535", "250-..."); else 0 */
static int
reply_code(const char *s, size_t len)
{
	if (len < 3 || s[0] < '2' || s[0] > '5' || s[1] < '0' || s[1] > '9' ||
	    s[2] < '0' || s[2] > '9' || (len > 3 && s[3] != '-'))
		return (0);
	return ((s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0'));
}

/* is_marker - a transcript direction marker: "->", "<-", "<~*", "===" */
static int
is_marker(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (strchr("<>-~*=", s[i]) == NULL)
			return (0);
	return (1);
}

/* is_blob - a JWT, or a long opaque base64 run of mixed classes */
static int
is_blob(const char *s, size_t len)
{
	size_t	 i;
	int	 up = 0, low = 0, dig = 0;

	/* quotes and brackets around it, a comma or a stop after it
	 * (strchr's sets as switches: every word of a reply comes here) */
	for (; len > 0; s++, len--) {
		switch (s[0]) {
		case '"': case '\'': case '(': case '[': case '{': case '<':
			continue;
		}
		break;
	}
	for (; len > 0; len--) {
		switch (s[len - 1]) {
		case '"': case '\'': case ')': case ']': case '}': case '>':
		case ',': case '.': case ';': case ':':
			continue;
		}
		break;
	}
	if (len >= 16 && s[0] == 'e' && s[1] == 'y' && s[2] == 'J') {
		for (i = 0; i < len; i++)
			if (!is_alnum((unsigned char)s[i]) &&
			    strchr("-_.=+/", s[i]) == NULL)
				return (0);
		return (1);
	}
	if (len < REDACT_BLOB_MIN)
		return (0);
	for (i = 0; i < len; i++) {
		if (s[i] >= 'A' && s[i] <= 'Z')
			up = 1;
		else if (s[i] >= 'a' && s[i] <= 'z')
			low = 1;
		else if (s[i] >= '0' && s[i] <= '9')
			dig = 1;
		else if (strchr("+/=_-", s[i]) == NULL)
			return (0);
	}
	return (up && low && dig);
}

/*
 * cred_key - a key name that announces a credential value.  Every
 * identifier of the text comes here, so the "anywhere" parts are found
 * in one pass over the key: only at a byte that starts one of them is
 * that part compared (a first-byte table instead of one strstr per
 * part, which was most of the cost of redacting a reply).
 */
static int
cred_key(const char *s, size_t len)
{
	static const char *const part[] = {	/* anywhere in the key */
		"passw", "secret", "token", "assertion", "authoriz",
		"credential", "passphrase", "apikey", "api_key", "api-key",
		"cookie", "bearer", "private_key", "hmac",
	};
	static const char *const word[] = {	/* a whole _-. component */
		"pass", "pwd", "pw", "auth", "key", "sig", "access",
		"refresh", "psk",
	};
	static const unsigned char wlen[] = { 4, 3, 2, 4, 3, 3, 6, 7, 3 };
	char	 k[REDACT_KEY_MAX + 1];
	size_t	 i, j, a, pl;

	_Static_assert(sizeof(wlen) == sizeof(word) / sizeof(word[0]),
	    "a length per word");

	if (len == 0 || len > REDACT_KEY_MAX)
		return (0);
	for (i = 0; i < len; i++)
		k[i] = (char)lc((unsigned char)s[i]);
	k[len] = '\0';
	for (a = 0; a < len; a++) {
		/* the first bytes of part[]: a, b, c, h, p, s, t */
		switch (k[a]) {
		case 'a': case 'b': case 'c': case 'h': case 'p': case 's':
		case 't':
			break;
		default:
			continue;
		}
		for (i = 0; i < sizeof(part) / sizeof(part[0]); i++) {
			if (part[i][0] != k[a])
				continue;
			pl = strlen(part[i]);
			if (len - a >= pl && memcmp(k + a, part[i], pl) == 0)
				return (1);
		}
	}
	for (a = 0; a <= len; a = j + 1) {
		for (j = a; j < len && k[j] != '_' && k[j] != '-' &&
		    k[j] != '.'; j++)
			;
		/* no word is longer than 7 bytes */
		for (i = 0; j - a <= 7 && i < sizeof(word) / sizeof(word[0]);
		    i++)
			if (j - a == wlen[i] &&
			    memcmp(k + a, word[i], j - a) == 0)
				return (1);
	}
	return (0);
}

/* is_auth_key - a key whose value starts with a scheme (Bearer, Basic) */
static int
is_auth_key(const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i + 8 <= len; i++)
		if (eq_ci(s + i, 8, "authoriz"))
			return (1);
	return (eq_ci(s, len, "auth"));
}

/* value_end - end of an unquoted value at i: white space, '&' or ';', less
 * trailing punctuation that belongs to the sentence or the JSON */
static size_t
value_end(const struct rd *d, size_t i)
{
	size_t	 e = i;

	while (e < d->n && !is_space((unsigned char)d->s[e]) &&
	    d->s[e] != '&' && d->s[e] != ';')
		e++;
	while (e > i && strchr(",.)]}\"'>", d->s[e - 1]) != NULL)
		e--;
	return (e);
}

/* mask_value - mask the value that starts at r (quoted or not) */
static void
mask_value(struct rd *d, int scheme)
{
	size_t	 e, i, esc;
	char	 q;

	if (d->r < d->n && (d->s[d->r] == '"' || d->s[d->r] == '\'' ||
	    (d->s[d->r] == '\\' && d->r + 1 < d->n &&
	    (d->s[d->r + 1] == '"' || d->s[d->r + 1] == '\'')))) {
		/* "v", 'v', or \"v\" inside a JSON string */
		esc = d->s[d->r] == '\\' ? 1 : 0;
		q = d->s[d->r + esc];
		copy(d, d->r + 1 + esc);
		for (i = d->r; i < d->n; i++) {
			if (!esc && d->s[i] == '\\' && i + 1 < d->n) {
				i++;
				continue;
			}
			if (esc && d->s[i] == '\\' && i + 1 < d->n &&
			    d->s[i + 1] == q)
				break;
			if (!esc && d->s[i] == q)
				break;
		}
		/* no closing quote: everything to the end is the value */
		mask(d, i);
		return;
	}
	if (scheme) {
		/* "Bearer TOKEN", "Basic B64": keep the scheme name */
		for (e = d->r; e < d->n && is_alnum((unsigned char)d->s[e]);
		    e++)
			;
		if (e > d->r && e < d->n && d->s[e] == ' ' && e + 1 < d->n &&
		    !is_space((unsigned char)d->s[e + 1])) {
			copy(d, e + 1);
		}
	}
	mask(d, value_end(d, d->r));
}

/*
 * try_key - at the start of an identifier: "key=v", "key: v", "\"key\" :
 * \"v\""; 1 when it consumed something
 */
static int
try_key(struct rd *d)
{
	size_t	 k = d->r, p;
	int	 scheme;

	while (k < d->n && is_ident((unsigned char)d->s[k]))
		k++;
	/* "Bearer TOKEN" anywhere */
	if (eq_ci(d->s + d->r, k - d->r, "bearer") && k + 1 < d->n &&
	    d->s[k] == ' ' && !is_space((unsigned char)d->s[k + 1])) {
		copy(d, k + 1);
		mask(d, value_end(d, d->r));
		return (1);
	}
	/*
	 * A value must follow: '=' or ':' after the key, but not "://"
	 * (a URL) nor "::" (a C++ scope).  Looked at before the key's name,
	 * which is most words of a reply: prose has no separator after them.
	 */
	p = k;
	if (p < d->n && d->s[p] == '\\')
		p++;
	if (p < d->n && (d->s[p] == '"' || d->s[p] == '\''))
		p++;
	while (p < d->n && d->s[p] == ' ')
		p++;
	if (p >= d->n || (d->s[p] != '=' && d->s[p] != ':') ||
	    (d->s[p] == ':' && p + 1 < d->n && (d->s[p + 1] == ':' ||
	    d->s[p + 1] == '/'))) {
		copy(d, k);
		return (1);
	}
	p++;
	while (p < d->n && d->s[p] == ' ')
		p++;
	/* "TokenStore::Refresh: request failed" names a method, not a key */
	if (p >= d->n || (d->r >= 2 && d->s[d->r - 1] == ':' &&
	    d->s[d->r - 2] == ':') || !cred_key(d->s + d->r, k - d->r)) {
		copy(d, k);
		return (1);
	}
	scheme = is_auth_key(d->s + d->r, k - d->r);
	copy(d, p);
	mask_value(d, scheme);
	return (1);
}

/* try_userinfo - at "://": mask the password (or the whole userinfo) */
static void
try_userinfo(struct rd *d)
{
	size_t	 a = d->r + 3, i, colon = 0;

	for (i = a; i < d->n && !is_space((unsigned char)d->s[i]) &&
	    strchr("/?#@\"'<>", d->s[i]) == NULL; i++)
		if (d->s[i] == ':' && colon == 0)
			colon = i;
	copy(d, a);
	if (i >= d->n || d->s[i] != '@' || i == a)
		return;
	if (colon != 0 && colon > a) {
		copy(d, colon + 1);
		if (colon + 1 < i)
			mask(d, i);
	} else
		mask(d, i);
}

/* try_at - at '@' of "user@domain:pw": mask pw; 1 when it did */
static int
try_at(struct rd *d)
{
	size_t	 i = d->r + 1, e;

	while (i < d->n && is_hostc((unsigned char)d->s[i]))
		i++;
	if (i == d->r + 1 || i + 1 >= d->n || d->s[i] != ':' ||
	    is_space((unsigned char)d->s[i + 1]) || d->s[i + 1] == '/')
		return (0);
	e = word_end(d, i + 1);
	copy(d, i + 1);
	mask(d, e);
	return (1);
}

/* host_port - "[host]:port", the key of a sasl_passwd line */
static int
host_port(const char *s, size_t len)
{
	size_t	 i = 1;

	if (len < 5 || s[0] != '[')
		return (0);
	while (i < len && is_hostc((unsigned char)s[i]))
		i++;
	if (i + 2 >= len || s[i] != ']' || s[i + 1] != ':')
		return (0);
	for (i += 2; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return (0);
	return (1);
}

/* three_fields - "hostpattern:user:pw" (passwd.client); offset of pw or 0 */
static size_t
three_fields(const char *s, size_t len)
{
	size_t	 i, c1 = 0, c2 = 0;
	int	 dot = 0;

	for (i = 0; i < len && s[i] != ':'; i++) {
		if (!is_hostc((unsigned char)s[i]))
			return (0);
		if (s[i] == '.' || s[i] == '*')
			dot = 1;
	}
	if (!dot || i == 0 || i >= len)
		return (0);
	c1 = i;
	for (i = c1 + 1; i < len && s[i] != ':'; i++)
		;
	if (i >= len || i == c1 + 1 || i + 1 >= len)
		return (0);
	c2 = i;
	return (c2 + 1);
}

/* redact_text - overwrite credentials in the NUL-terminated text s */
void
redact_text(char *s)
{
	struct rd d;
	size_t	 e, k, a;
	int	 auth = 0, after_hp = 0, code;

	d.s = s;
	d.n = strlen(s);
	d.r = d.w = 0;
	while (d.r < d.n) {
		if (is_space((unsigned char)s[d.r])) {
			/* a sasl_passwd entry is one line: "[host]:port" on
			 * its own is no key for the next line's first word
			 * (fuzz_redact: a JSON key there hid its value) */
			if (s[d.r] == '\n')
				after_hp = 0;
			copy(&d, d.r + 1);
			continue;
		}
		if (d.r == 0 || is_space((unsigned char)s[d.r - 1])) {
			/* a word starts */
			e = word_end(&d, d.r);
			if (auth) {
				/* inside an AUTH exchange: codes and markers */
				if ((code = reply_code(s + d.r, e - d.r)) != 0)
					auth = code == 334;
				if (code != 0 || is_marker(s + d.r, e - d.r))
					copy(&d, e);
				else
					mask(&d, e);
				continue;
			}
			if (eq_ci(s + d.r, e - d.r, "auth")) {
				/* AUTH MECH: keep both words, mask what follows */
				for (a = e; a < d.n && is_space((unsigned char)
				    s[a]); a++)
					;
				if (is_mech(s + a, word_end(&d, a) - a)) {
					copy(&d, word_end(&d, a));
					auth = 1;
					continue;
				}
			}
			if (reply_code(s + d.r, e - d.r) == 334) {
				/* a challenge: the client's answer follows */
				copy(&d, e);
				auth = 1;
				continue;
			}
			if (after_hp) {
				/* "[host]:port user:pw" or "[host]:port pw" */
				after_hp = 0;
				for (k = d.r; k < e && s[k] != ':'; k++)
					;
				if (k + 1 < e) {
					copy(&d, k + 1);
					mask(&d, e);
					continue;
				}
				if (k == e) {
					mask(&d, e);
					continue;
				}
			}
			if (host_port(s + d.r, e - d.r)) {
				after_hp = 1;
				copy(&d, e);
				continue;
			}
			if ((k = three_fields(s + d.r, e - d.r)) != 0) {
				copy(&d, d.r + k);
				mask(&d, e);
				continue;
			}
			if (is_blob(s + d.r, e - d.r)) {
				mask(&d, e);
				continue;
			}
		}
		if (is_ident((unsigned char)s[d.r]) && (d.r == 0 ||
		    !is_ident((unsigned char)s[d.r - 1])) && try_key(&d))
			continue;
		if (s[d.r] == ':' && d.r + 2 < d.n && s[d.r + 1] == '/' &&
		    s[d.r + 2] == '/') {
			try_userinfo(&d);
			continue;
		}
		if (s[d.r] == '@' && try_at(&d))
			continue;
		copy(&d, d.r + 1);
	}
	s[d.w] = '\0';
}
