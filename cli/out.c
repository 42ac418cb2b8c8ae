/*
 * out.c - how relayhint prints a verdict: for people and as JSON
 *
 * Functions: cli_read_all, cli_read_pass, out_verdict_json, out_verdict_json_buf,
 * out_verdict_text, out_hint_json_members, out_hintmemo_init, out_hintmemo_free.
 *
 * The JSON object always has the same members (null when unknown) so
 * that scripts can rely on them: form, provider, cause, area, evidence,
 * read, smtp_code, enhanced_code, server_id, relay, queue_id, recipient,
 * reply, ndr, ndr_server, original_message_id, lang, summary, steps,
 * sources, user_note.  evidence says what made it Microsoft's ("host",
 * "server_id", "marker", "wording"); read is the span of the input that
 * was read as the reply ({"offset": N, "length": N}, bytes); sources are
 * the documentation links the steps rest on.
 * The three ndr members are set for a Microsoft-generated NDR: who wrote
 * it ("exchange-online", "outlook.com", "exchange-onprem"), its
 * generating server and the Message-ID of the message that bounced.
 *
 * Over many messages (bounce on an mbox) the hint members are the same
 * for every message with the same cause: an out_hintmemo keeps them
 * rendered, one entry per cause met (at most OUT_HINTMEMO_MAX; past that
 * they are rendered each time), so a hint is escaped once per run, not
 * once per message.  A memo belongs to one thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "cli.h"
#include "hint.h"
#include "jsonw.h"

/*
 * cli_read_pass - whole input, bounded by b's limit; with pass set, input
 * over the limit is not an error: what was read and the rest of the input
 * are copied to pass unchanged (bounce --rewrite never eats a message),
 * and the result is 1
 */
int
cli_read_pass(const char *path, struct buf *b, FILE *pass)
{
	/*
	 * static: with -fstack-clash-protection (Debian's hardening) a 64 KiB
	 * frame is probed page by page, 16 faults on every start; the command
	 * reads one input at a time
	 */
	static char chunk[65536];
	struct stat st;
	FILE	*f;
	size_t	 n;
	int	 rc = 0;

	if (strcmp(path, "-") == 0)
		f = stdin;
	else if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "relayhint: %s: %s\n", path, strerror(errno));
		return (-1);
	} else if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "relayhint: %s: is a directory\n", path);
		fclose(f);
		return (-1);
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(b, chunk, n) < 0) {
			if (pass == NULL) {
				fprintf(stderr, "relayhint: %s: input larger "
				    "than %zu bytes\n", path, b->max);
				rc = -1;
				break;
			}
			rc = 1;
			if (b->len > 0)
				fwrite(b->data, 1, b->len, pass);
			do
				fwrite(chunk, 1, n, pass);
			while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0);
			if (fflush(pass) != 0 || ferror(pass)) {
				fprintf(stderr, "relayhint: write error\n");
				rc = -1;
			}
			break;
		}
	if (ferror(f)) {
		fprintf(stderr, "relayhint: %s: read error\n", path);
		rc = -1;
	}
	if (f != stdin)
		fclose(f);
	if (b->data == NULL)
		buf_append(b, "", 0);
	return (rc);
}

/* cli_read_all - whole input, bounded by b's limit (CLI_INPUT_MAX) */
int
cli_read_all(const char *path, struct buf *b)
{
	return (cli_read_pass(path, b, NULL));
}

/* opt_str - empty string as JSON null */
static void
opt_str(struct buf *b, const char *key, const char *v)
{
	jsonw_key(b, key);
	jsonw_str(b, v && v[0] ? v : NULL);
	buf_putc(b, ',');
}

/* out_hint_json_members - the rendered hint as JSON members, no trailing comma */
void
out_hint_json_members(struct buf *b, const struct cli *c, const char *cause)
{
	const struct hint_entry *e = NULL;
	const char *used = NULL;
	char *const *src = NULL;
	int	 k, nsrc = 0;

	if (cause != NULL)
		e = hints_find(&c->kb.hints, c->lang, cause, &used);
	if (e != NULL)
		src = hints_sources(&c->kb.hints, used, cause, &nsrc);
	opt_str(b, "lang", e ? used : NULL);
	opt_str(b, "summary", e ? e->summary : NULL);
	jsonw_key(b, "steps");
	buf_putc(b, '[');
	for (k = 0; e != NULL && k < e->nsteps; k++) {
		if (k > 0)
			buf_putc(b, ',');
		jsonw_str(b, e->step[k]);
	}
	buf_puts(b, "],");
	jsonw_key(b, "sources");
	buf_putc(b, '[');
	for (k = 0; k < nsrc; k++) {
		if (k > 0)
			buf_putc(b, ',');
		jsonw_str(b, src[k]);
	}
	buf_puts(b, "],");
	jsonw_key(b, "user_note");
	jsonw_str(b, e ? e->user : NULL);
}

/* read_span - offset of the span read as the reply, -1 when not in c->in */
static long
read_span(const struct cli *c, const struct verdict *v)
{
	if (c->in == NULL || v->read_at == NULL ||
	    (uintptr_t)v->read_at < (uintptr_t)c->in ||
	    (uintptr_t)v->read_at + v->read_len > (uintptr_t)c->in + c->inlen)
		return (-1);
	return ((long)(v->read_at - c->in));
}

/* out_hintmemo_init - an empty memo for c's hints in c's language */
void
out_hintmemo_init(struct out_hintmemo *m, const struct cli *c)
{
	memset(m, 0, sizeof(*m));
	m->c = c;
}

/* out_hintmemo_free - its rendered hints */
void
out_hintmemo_free(struct out_hintmemo *m)
{
	int	 i;

	for (i = 0; i < m->n; i++)
		free(m->e[i].json);
	m->n = 0;
}

/*
 * out_hint_json_memo - out_hint_json_members through the memo.  The key
 * is the cause pointer: a verdict's cause points into the knowledge base,
 * which does not change during a run, so one pointer is one string.
 */
void
out_hint_json_memo(struct buf *b, const struct cli *c, const char *cause,
    struct out_hintmemo *m)
{
	struct buf one;
	int	 i;

	if (m == NULL || m->c != c) {
		out_hint_json_members(b, c, cause);
		return;
	}
	for (i = 0; i < m->n; i++)
		if (m->e[i].cause == cause) {
			buf_append(b, m->e[i].json, m->e[i].len);
			return;
		}
	if (m->n == OUT_HINTMEMO_MAX) {
		out_hint_json_members(b, c, cause);
		return;
	}
	buf_init(&one, b->max);
	out_hint_json_members(&one, c, cause);
	if (one.overflow || one.data == NULL) {
		buf_free(&one);
		out_hint_json_members(b, c, cause);
		return;
	}
	m->e[m->n].cause = cause;
	m->e[m->n].json = one.data;
	m->e[m->n].len = one.len;
	m->n++;
	buf_append(b, one.data, one.len);
}

/* key - a member name that needs no escaping, and its colon */
#define key(b, k)	buf_append((b), "\"" k "\":", sizeof(k) + 2)

/* opt_lit - opt_str for a member name that needs no escaping */
static void
opt_lit(struct buf *b, const char *k, size_t klen, const char *v)
{
	buf_append(b, k, klen);
	if (v != NULL && v[0])
		jsonw_str(b, v);
	else
		buf_append(b, "null", 4);
	buf_putc(b, ',');
}

#define OPT(b, k, v)	opt_lit((b), "\"" k "\":", sizeof(k) + 2, (v))

/*
 * out_verdict_json_buf - one line of JSON appended to b; source and
 * offset (>= 0) name where a message of a batch came from (NULL: none);
 * memo (may be NULL) keeps the rendered hints of this thread
 */
void
out_verdict_json_buf(struct buf *b, const struct cli *c,
    const struct verdict *v, const char *source, long long offset,
    struct out_hintmemo *memo)
{
	buf_puts(b, "{\"schema\":\"" JSONW_SCHEMA "\",");
	if (source != NULL) {
		/* batch: where the message came from */
		OPT(b, "source", source);
		if (offset >= 0) {
			buf_append(b, "\"offset\":", 9);
			buf_putnum(b, offset);
			buf_putc(b, ',');
		}
	}
	OPT(b, "form", form_name(v->form));
	OPT(b, "provider", v->provider == PROVIDER_M365 ? "m365" : NULL);
	OPT(b, "cause", v->cause);
	OPT(b, "area", v->area);
	OPT(b, "evidence", evidence_name(v->evidence));
	key(b, "read");
	if (read_span(c, v) >= 0) {
		buf_append(b, "{\"offset\":", 10);
		buf_putnum(b, read_span(c, v));
		buf_append(b, ",\"length\":", 10);
		buf_putnum(b, (long long)v->read_len);
		buf_append(b, "},", 2);
	} else
		buf_append(b, "null,", 5);
	key(b, "smtp_code");
	if (v->smtp_code) {
		buf_putnum(b, v->smtp_code);
		buf_putc(b, ',');
	} else
		buf_append(b, "null,", 5);
	OPT(b, "enhanced_code", v->status);
	OPT(b, "server_id", v->server_id);
	OPT(b, "relay", v->relay);
	OPT(b, "queue_id", v->queue_id);
	OPT(b, "recipient", v->recipient);
	OPT(b, "reply", v->reply);
	OPT(b, "ndr", ndr_kind_name(v->ndr_kind));
	OPT(b, "ndr_server", v->ndr_server);
	OPT(b, "original_message_id", v->orig_msgid);
	out_hint_json_memo(b, c, v->cause, memo);
	buf_append(b, "}\n", 2);
}

/* out_verdict_json - one line of JSON */
void
out_verdict_json(FILE *fp, const struct cli *c, const struct verdict *v)
{
	struct buf b;

	buf_init(&b, 1024 * 1024);
	out_verdict_json_buf(&b, c, v, c->source, c->offset, NULL);
	fwrite(b.data, 1, b.len, fp);
	buf_free(&b);
}

/* out_verdict_text - for a person at a terminal */
void
out_verdict_text(FILE *fp, const struct cli *c, const struct verdict *v)
{
	const struct hint_entry *e = NULL;
	char *const *src;
	const char *colon;
	int	 k, nsrc;

	/* relay.* causes failed on this host, before any server answered */
	fprintf(fp, "Provider:     %s\n", v->cause != NULL &&
	    strncmp(v->cause, "relay.", 6) == 0 ? "this relay (local failure; "
	    "no reply from the server)" : v->provider == PROVIDER_M365 ?
	    "Microsoft 365 / Exchange Online" : "not Microsoft 365");
	fprintf(fp, "Cause:        %s\n", v->cause ? v->cause : "(none)");
	if (v->smtp_code || v->status[0]) {
		char	 code[8] = "";

		if (v->smtp_code)
			snprintf(code, sizeof(code), "%d", v->smtp_code);
		fprintf(fp, "Code:         %s%s%s\n", code,
		    code[0] && v->status[0] ? " " : "", v->status);
	}
	if (v->server_id[0])
		fprintf(fp, "Server id:    %s\n", v->server_id);
	if (v->relay[0])
		fprintf(fp, "Relay:        %s\n", v->relay);
	if (v->queue_id[0])
		fprintf(fp, "Queue id:     %s\n", v->queue_id);
	if (v->recipient[0])
		fprintf(fp, "Recipient:    %s\n", v->recipient);
	if (v->reply[0])
		fprintf(fp, "Reply:        %s\n", v->reply);
	if (read_span(c, v) >= 0 && (read_span(c, v) > 0 ||
	    v->read_len < c->inlen))
		fprintf(fp, "Read:         bytes %ld-%zu of the input\n",
		    read_span(c, v) + 1, (size_t)read_span(c, v) + v->read_len);
	if (v->evidence != EVIDENCE_NONE)
		fprintf(fp, "Evidence:     %s\n", evidence_name(v->evidence));
	if (v->ndr_kind != NDR_NONE)
		fprintf(fp, "NDR from:     %s\n", ndr_kind_label(v->ndr_kind));
	if (v->ndr_server[0])
		fprintf(fp, "Generated by: %s\n", v->ndr_server);
	if (v->orig_msgid[0])
		fprintf(fp, "Original id:  %s\n", v->orig_msgid);
	if (v->cause != NULL)
		e = hints_find(&c->kb.hints, c->lang, v->cause, NULL);
	if (e == NULL) {
		if (v->provider != PROVIDER_M365)
			fprintf(fp, "\nThis is not a Microsoft 365 reply; "
			    "relayhint has no advice for it.\n");
		return;
	}
	if (v->evidence == EVIDENCE_WORDING)
		fprintf(fp, "\nProbably Microsoft 365: the wording is Exchange's; "
		    "paste the full log line to confirm.\n");
	fprintf(fp, "\n%s\n\n", e->summary);
	colon = hints_ui(&c->kb.hints, c->lang, "colon");
	fprintf(fp, "%s%s\n", hints_ui(&c->kb.hints, c->lang,
	    "admin_heading"), colon);
	for (k = 0; k < e->nsteps; k++)
		fprintf(fp, "  %d. %s\n", k + 1, e->step[k]);
	if ((src = hints_sources(&c->kb.hints, c->lang, v->cause, &nsrc)) !=
	    NULL) {
		fprintf(fp, "\n%s%s\n", hints_ui(&c->kb.hints, c->lang,
		    "sources_label"), colon);
		for (k = 0; k < nsrc; k++)
			fprintf(fp, "  %s\n", src[k]);
	}
	fprintf(fp, "\n%s%s\n  %s\n", hints_ui(&c->kb.hints, c->lang,
	    "user_heading"), colon, e->user);
}
