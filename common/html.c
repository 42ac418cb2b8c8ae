/*
 * html.c - the hint at the top of an HTML bounce
 *
 * Functions: html_has_hint, html_insert_hint.
 *
 * Outlook, Gmail, Apple Mail and Thunderbird show the text/html
 * alternative of a bounce, so the hint must be there too, first in the
 * <body>, with the same words as the plain-text one.  What goes in is
 * built for mail clients: text escaped (the hint quotes the remote
 * server's reply, which anyone can choose), inline styles only, no
 * images, fonts, links to load, scripts or forms, so nothing is blocked
 * or fetched; lang and dir so an Arabic hint runs right to left; a
 * border and a rule so the reader sees where our words end and the
 * original report begins; wrapping that works in a phone-width window.
 *
 * The document itself is not parsed, only searched: the insertion point
 * is just after the <body> start tag (else after </head>, else after
 * <html>, else the very start), found by a bounded scan that skips
 * quoted attribute values.  A <meta> charset declaration before the
 * insertion point is changed to utf-8, since the caller writes the
 * document back as UTF-8 and a browser reading the file would
 * otherwise believe the meta tag.
 *
 * Limits: out's max; nothing is logged.
 */
#include <string.h>

#include "buf.h"
#include "html.h"
#include "text.h"

#define HTML_TITLE_STYLE \
	"font-weight:bold;font-size:16px;margin:0 0 8px 0;"
#define HTML_BOX_STYLE \
	"margin:0 0 12px 0;padding:10px 12px;border:2px solid #1f5fa8;" \
	"border-radius:4px;background:#eef4fb;color:#111111;" \
	"font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px;" \
	"line-height:1.45;max-width:100%;box-sizing:border-box;" \
	"overflow-wrap:break-word;word-wrap:break-word;word-break:break-word;"
#define HTML_RULE_STYLE \
	"border:0;border-top:2px solid #1f5fa8;height:0;margin:0 0 16px 0;"

/* html_has_hint - our marker anywhere in the document */
int
html_has_hint(const char *html, size_t len)
{
	return (text_casestr(html, len, HTML_MARKER) != NULL);
}

/* tag_at - a start tag called name (lower case) begins at s[i] */
static int
tag_at(const char *s, size_t len, size_t i, const char *name)
{
	size_t	 n = strlen(name);

	if (i + 1 + n > len || s[i] != '<' ||
	    text_casecmp_n(s + i + 1, name, n) != 0)
		return (0);
	return (i + 1 + n == len || strchr(" \t\r\n/>", s[i + 1 + n]) != NULL);
}

/* tag_end - offset just past the '>' of the tag at i, quotes skipped */
static size_t
tag_end(const char *s, size_t len, size_t i)
{
	char	 q = 0;

	for (i++; i < len; i++) {
		if (q != 0) {
			if (s[i] == q)
				q = 0;
		} else if (s[i] == '"' || s[i] == '\'')
			q = s[i];
		else if (s[i] == '>')
			return (i + 1);
	}
	return (len);
}

/* find_tag - offset of the first start tag called name, or len */
static size_t
find_tag(const char *s, size_t len, const char *name)
{
	const char *p = s, *end = s + len;

	while (p < end && (p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if (tag_at(s, len, (size_t)(p - s), name))
			return ((size_t)(p - s));
		p++;
	}
	return (len);
}

/* insert_at - where our block goes: after <body>, </head>, <html>, or 0 */
static size_t
insert_at(const char *s, size_t len)
{
	size_t	 i;

	if ((i = find_tag(s, len, "body")) < len)
		return (tag_end(s, len, i));
	if ((i = find_tag(s, len, "/head")) < len)
		return (tag_end(s, len, i));
	if ((i = find_tag(s, len, "html")) < len)
		return (tag_end(s, len, i));
	return (0);
}

/* is_csname - a byte of a charset name */
static int
is_csname(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
	    c == ':');
}

/*
 * head_put - the document up to the insertion point, with the value of
 * every "charset=" inside a <meta> tag written as utf-8
 */
static void
head_put(const char *s, size_t len, struct buf *out)
{
	size_t	 i = 0, m, e, k, v;

	while (i < len) {
		if ((m = find_tag(s + i, len - i, "meta")) >= len - i)
			break;
		m += i;
		e = tag_end(s, len, m);
		buf_append(out, s + i, m - i);
		for (k = m; k < e; ) {
			if (k + 7 <= e && text_casecmp_n(s + k, "charset", 7) ==
			    0) {
				for (v = k + 7; v < e && (s[v] == ' ' ||
				    s[v] == '='); v++)
					;
				if (v < e && (s[v] == '"' || s[v] == '\''))
					v++;
				if (v > k + 7 && memchr(s + k + 7, '=',
				    v - k - 7) != NULL && v < e &&
				    is_csname((unsigned char)s[v])) {
					buf_append(out, s + k, v - k);
					buf_puts(out, "utf-8");
					while (v < e &&
					    is_csname((unsigned char)s[v]))
						v++;
					k = v;
					continue;
				}
			}
			buf_append(out, s + k, 1);
			k++;
		}
		i = e;
	}
	buf_append(out, s + i, len - i);
}

/* esc_put - text as HTML character data; C0 controls but TAB dropped */
static void
esc_put(struct buf *out, const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		switch (s[i]) {
		case '&':
			buf_puts(out, "&amp;");
			break;
		case '<':
			buf_puts(out, "&lt;");
			break;
		case '>':
			buf_puts(out, "&gt;");
			break;
		case '"':
			buf_puts(out, "&quot;");
			break;
		case '\'':
			buf_puts(out, "&#39;");
			break;
		default:
			if ((unsigned char)s[i] >= 0x20 || s[i] == '\t')
				buf_append(out, s + i, 1);
		}
	}
}

/* rule_line - a line of nothing but a separator character, 8 or more */
static int
rule_line(const char *s, size_t n)
{
	size_t	 i;

	if (n < 8)
		return (0);
	for (i = 0; i < n; i++)
		if (s[i] != s[0] || strchr("-=_*", s[i]) == NULL)
			return (0);
	return (1);
}

/* indent_of - leading spaces of a line */
static size_t
indent_of(const char *s, size_t n)
{
	size_t	 i;

	for (i = 0; i < n && s[i] == ' '; i++)
		;
	return (i);
}

/*
 * starts_item - the line opens a new logical line of the hint: a
 * numbered or bulleted item, or a "Label: value" line
 */
static int
starts_item(const char *s, size_t n)
{
	size_t	 i = indent_of(s, n), d;

	for (d = i; d < n && s[d] >= '0' && s[d] <= '9'; d++)
		;
	if (d > i && d < n && (s[d] == '.' || s[d] == ')'))
		return (1);
	if (i < n && (s[i] == '-' || s[i] == '*') && i + 1 < n &&
	    s[i + 1] == ' ')
		return (1);
	/* a short label of words, then ':' and a space */
	for (d = i; d < n && d - i < 24 && ((s[d] >= 'A' && s[d] <= 'Z') ||
	    (s[d] >= 'a' && s[d] <= 'z') || s[d] == ' '); d++)
		;
	return (d > i && d < n && s[d] == ':' && d + 1 < n && s[d + 1] == ' ');
}

/*
 * block_put - our block: marker, box with title and text, rule.  The
 * plain-text hint is wrapped at 76 columns; in HTML those breaks would
 * leave ragged lines in a narrow window, so each wrapped line is joined
 * to the one it continues (more or equally indented, not a new item,
 * the previous not ending in ':') and the browser wraps the result.
 * Each logical line is a <div> indented as the text was.
 */
static void
block_put(struct buf *out, const char *hint, size_t n, const char *lang,
    int rtl)
{
	size_t	 i = 0, e, last, ind, pind = 0, pe = 0, ps = 0;
	int	 first = 1, open = 0, blank = 0;

	/* no trailing empty lines or rule: the box and <hr> do that */
	for (last = n; last > 0; ) {
		for (e = last; e > 0 && hint[e - 1] == '\n'; e--)
			;
		for (i = e; i > 0 && hint[i - 1] != '\n'; i--)
			;
		if (e > i && !rule_line(hint + i, e - i)) {
			last = e;
			break;
		}
		last = i;
	}
	buf_puts(out, "\n" HTML_MARKER "\n<div");
	if (lang != NULL && text_lang_ok(lang))
		buf_printf(out, " lang=\"%s\"", lang);
	buf_puts(out, rtl ? " dir=\"rtl\"" : " dir=\"ltr\"");
	buf_puts(out, " style=\"" HTML_BOX_STYLE "\">\n");
	for (i = 0; i < last; i = e + 1) {
		for (e = i; e < last && hint[e] != '\n'; e++)
			;
		if (first) {
			if (e == i)
				continue;	/* blank lines before the title */
			buf_puts(out, "<div style=\"" HTML_TITLE_STYLE "\">");
			esc_put(out, hint + i, e - i);
			buf_puts(out, "</div>\n");
			first = 0;
			continue;
		}
		ind = indent_of(hint + i, e - i);
		if (ind == e - i) {
			/* an empty line: a paragraph break */
			if (open)
				buf_puts(out, "</div>\n");
			open = 0;
			blank = 1;
			continue;
		}
		if (open && ind >= pind && !starts_item(hint + i, e - i) &&
		    !rule_line(hint + i, e - i) && pe > ps &&
		    hint[pe - 1] != ':') {
			buf_puts(out, " ");
			esc_put(out, hint + i + ind, e - i - ind);
			pe = e;
			continue;
		}
		if (open)
			buf_puts(out, "</div>\n");
		if (rule_line(hint + i, e - i)) {
			buf_puts(out, "<hr style=\"" HTML_RULE_STYLE "\">\n");
			open = blank = 0;
			continue;
		}
		/* a line break as a tag: no raw line starts with text */
		buf_printf(out, "<div style=\"margin:%s;%s:%zuch;\">",
		    blank ? "8px 0 0 0" : "0", rtl ? "padding-right" :
		    "padding-left", ind);
		esc_put(out, hint + i + ind, e - i - ind);
		open = 1;
		blank = 0;
		pind = ind;
		ps = i;
		pe = e;
	}
	if (open)
		buf_puts(out, "</div>\n");
	buf_puts(out, "</div>\n<hr style=\"" HTML_RULE_STYLE "\">\n"
	    "<!--/relayhint-hint-->\n");
}

/* html_insert_hint - the document with our block first in its body */
int
html_insert_hint(const char *html, size_t len, const char *hint,
    size_t hint_len, const char *lang, int rtl, struct buf *out)
{
	size_t	 at = insert_at(html, len);

	head_put(html, at, out);
	block_put(out, hint, hint_len, lang, rtl);
	buf_append(out, html + at, len - at);
	return (out->overflow ? -1 : 0);
}
