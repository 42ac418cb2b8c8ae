/*
 * html.h - the hint at the top of an HTML bounce
 */
#ifndef RH_HTML_H
#define RH_HTML_H

#include <stddef.h>

struct buf;

/* The comment that opens our block: a document holding it has the hint. */
#define HTML_MARKER	"<!--relayhint-hint-->"

/* html_has_hint - the document already carries our block */
int	html_has_hint(const char *html, size_t len);

/*
 * html_insert_hint - append to out the UTF-8 document html with the hint
 * (UTF-8 text, LF line ends, as hint_render writes it) as the first thing
 * in its <body>: escaped text in a block with inline styles only, lang
 * (when not NULL) and dir attributes, a visible border and rule between
 * it and the original.  A <meta> charset declaration before the body is
 * changed to utf-8 (the document is UTF-8 now).  Every line of the block
 * starts with '<', so it can never be read as a MIME delimiter.  Returns
 * 0, or -1 when out overflows.
 */
int	html_insert_hint(const char *html, size_t len, const char *hint,
	    size_t hint_len, const char *lang, int rtl, struct buf *out);

#endif
