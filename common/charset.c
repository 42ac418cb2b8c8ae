/*
 * charset.c - text in a MIME charset, converted to UTF-8 or refused
 *
 * Functions: charset_to_utf8, charset_is_utf8.
 *
 * Bounces come in whatever charset the writing server liked: Exchange
 * writes Windows-1252 or ISO-2022-JP, Outlook.com's legacy servers
 * "unicode-1-1-utf-7", Japanese carriers Shift_JIS.  The rewrite reads
 * them through glibc's iconv, strictly: an invalid or incomplete byte
 * sequence fails the whole conversion, so a part we cannot read exactly
 * passes unchanged instead of coming out as mojibake under a utf-8
 * label.
 *
 * The names MIME uses are not all iconv's: a small table maps the
 * aliases mail really carries (unicode-1-1-utf-7, ks_c_5601-1987, x-sjis)
 * and, as browsers do (WHATWG Encoding), reads a few labels through
 * their common superset: shift_jis as CP932, gb2312 as GBK, iso-8859-1
 * as windows-1252 (with ISO-8859-1 itself when that fails), since the
 * servers that write those labels write the superset.  Any other name
 * goes to iconv_open as it is, after a check that it is a plain token
 * (letters, digits, "-_.:+"; no "//" suffixes) of at most
 * CHARSET_NAME_MAX bytes.
 *
 * Limits: the output is bounded by out's max; a text that does not fit
 * fails like one that does not decode.  Nothing is logged.
 */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "buf.h"
#include "charset.h"
#include "text.h"

/* MIME label (lower case) -> iconv names to try, in order */
static const struct {
	const char *label;
	const char *iconv[3];
} charset_alias[] = {
	{ "unicode-1-1-utf-7", { "UTF-7" } },
	{ "x-unicode-2-0-utf-7", { "UTF-7" } },
	{ "utf-7", { "UTF-7" } },
	{ "shift_jis", { "CP932", "SHIFT_JIS" } },
	{ "shift-jis", { "CP932", "SHIFT_JIS" } },
	{ "x-sjis", { "CP932", "SHIFT_JIS" } },
	{ "sjis", { "CP932", "SHIFT_JIS" } },
	{ "ms_kanji", { "CP932", "SHIFT_JIS" } },
	{ "csshiftjis", { "CP932", "SHIFT_JIS" } },
	{ "windows-31j", { "CP932" } },
	{ "iso-2022-jp", { "ISO-2022-JP", "ISO-2022-JP-3" } },
	{ "csiso2022jp", { "ISO-2022-JP", "ISO-2022-JP-3" } },
	{ "ks_c_5601-1987", { "CP949" } },
	{ "ks_c_5601", { "CP949" } },
	{ "euc-kr", { "EUC-KR", "CP949" } },
	{ "gb2312", { "GBK", "GB18030" } },
	{ "euc-cn", { "GBK", "GB18030" } },
	{ "x-gbk", { "GBK", "GB18030" } },
	{ "gbk", { "GBK", "GB18030" } },
	{ "cp936", { "GBK", "GB18030" } },
	{ "big5", { "BIG5", "CP950", "BIG5-HKSCS" } },
	{ "x-x-big5", { "BIG5", "CP950", "BIG5-HKSCS" } },
	{ "cn-big5", { "BIG5", "CP950", "BIG5-HKSCS" } },
	{ "iso-8859-1", { "CP1252", "ISO-8859-1" } },
	{ "latin1", { "CP1252", "ISO-8859-1" } },
	{ "iso_8859-1", { "CP1252", "ISO-8859-1" } },
};

/* charset_is_utf8 - utf-8, us-ascii or no label at all */
int
charset_is_utf8(const char *cs)
{
	return (cs[0] == '\0' || text_casecmp_n(cs, "utf-8", 6) == 0 ||
	    text_casecmp_n(cs, "utf8", 5) == 0 ||
	    text_casecmp_n(cs, "us-ascii", 9) == 0 ||
	    text_casecmp_n(cs, "ascii", 6) == 0);
}

/* name_ok - a charset name safe to hand to iconv_open */
static int
name_ok(const char *cs)
{
	size_t	 i;

	for (i = 0; cs[i] != '\0'; i++)
		if (i >= CHARSET_NAME_MAX || !((cs[i] >= 'a' && cs[i] <= 'z') ||
		    (cs[i] >= 'A' && cs[i] <= 'Z') || (cs[i] >= '0' &&
		    cs[i] <= '9') || strchr("-_.:+", cs[i]) != NULL))
			return (0);
	return (i > 0);
}

/* convert - one strict iconv pass; -1 leaves out as it was */
static int
convert(const char *name, const char *in, size_t len, struct buf *out)
{
	char	 chunk[4096], *ip = (char *)in, *op;
	size_t	 il = len, ol, start = out->len;
	iconv_t	 cd;
	int	 rc = 0;

	if ((cd = iconv_open("UTF-8", name)) == (iconv_t)-1)
		return (-1);
	for (;;) {
		op = chunk;
		ol = sizeof(chunk);
		/* the last call, with no input, ends a stateful encoding */
		if (il > 0 ? iconv(cd, &ip, &il, &op, &ol) == (size_t)-1 :
		    iconv(cd, NULL, NULL, &op, &ol) == (size_t)-1) {
			if (errno != E2BIG)
				rc = -1;	/* EILSEQ, EINVAL: not clean */
		}
		if (rc == 0 && op > chunk &&
		    buf_append(out, chunk, (size_t)(op - chunk)) < 0)
			rc = -1;
		if (rc < 0 || (il == 0 && op == chunk))
			break;
	}
	iconv_close(cd);
	/* iconv's UTF-8 is well formed; this only guards a broken module */
	if (rc == 0 && out->len > start &&
	    !text_utf8_valid(out->data + start, out->len - start))
		rc = -1;
	if (rc < 0) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		out->overflow = 0;
	}
	return (rc);
}

/* charset_to_utf8 - the text as UTF-8, or -1 when it is not clean */
int
charset_to_utf8(const char *cs, const char *in, size_t len, struct buf *out)
{
	char	 low[CHARSET_NAME_MAX + 1];
	size_t	 i, j, start = out->len;

	if (charset_is_utf8(cs)) {
		if (text_casecmp_n(cs, "utf", 3) == 0 ?
		    !text_utf8_valid(in, len) : !text_is_ascii(in, len))
			return (-1);
		if (buf_append(out, in, len) < 0) {
			out->len = start;
			if (out->data != NULL)
				out->data[start] = '\0';
			out->overflow = 0;
			return (-1);
		}
		return (0);
	}
	if (!name_ok(cs))
		return (-1);
	for (i = 0; cs[i] != '\0'; i++)
		low[i] = (char)(cs[i] >= 'A' && cs[i] <= 'Z' ? cs[i] + 32 :
		    cs[i]);
	low[i] = '\0';
	for (i = 0; i < sizeof(charset_alias) / sizeof(charset_alias[0]); i++) {
		if (strcmp(low, charset_alias[i].label) != 0)
			continue;
		for (j = 0; j < 3 && charset_alias[i].iconv[j] != NULL; j++)
			if (convert(charset_alias[i].iconv[j], in, len,
			    out) == 0)
				return (0);
		return (-1);
	}
	return (convert(low, in, len, out));
}
