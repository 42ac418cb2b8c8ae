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
 * The JSON itself is read by jsonr.c (its limits: no recursion, nesting
 * bounded, nothing allocated, strings cut at whole UTF-8 sequences);
 * escaped controls and lone surrogates become '?'.  Recipients past
 * PQJSON_MAX_RCPT are parsed and counted in rcpt_dropped.
 */
#include <stddef.h>
#include <string.h>

#include "jsonr.h"
#include "pqjson.h"

#define ISNUM(ch)	((ch) == '-' || ((ch) >= '0' && (ch) <= '9'))

/* rcpt_object - one {"address": ..., "delay_reason": ...}; depth 3 inside */
static int
rcpt_object(struct jsonr *c, struct pqjson_rcpt *r)
{
	char	 key[16];
	int	 rc;

	if ((rc = jsonr_open(c, '{')) != 0)
		return (rc == 1 ? 0 : -1);
	do {
		if (jsonr_key(c, key, sizeof(key)) < 0)
			return (-1);
		if (jsonr_peek(c) == '"' && strcmp(key, "address") == 0)
			rc = jsonr_string(c, r ? r->address : NULL,
			    sizeof(r->address));
		else if (jsonr_peek(c) == '"' &&
		    strcmp(key, "delay_reason") == 0)
			rc = jsonr_string(c, r ? r->delay_reason : NULL,
			    sizeof(r->delay_reason));
		else
			rc = jsonr_skip(c, 3);
		if (rc < 0)
			return (-1);
	} while ((rc = jsonr_next(c, '}')) == 1);
	return (rc);
}

/* recipients - the recipients array; depth 2 inside */
static int
recipients(struct jsonr *c, struct pqjson *pq)
{
	struct pqjson_rcpt *r;
	int	 rc;

	if ((rc = jsonr_open(c, '[')) != 0)
		return (rc == 1 ? 0 : -1);
	do {
		jsonr_ws(c);
		if (jsonr_peek(c) == '{') {
			if (pq->nrcpt < PQJSON_MAX_RCPT) {
				r = &pq->rcpt[pq->nrcpt++];
				memset(r, 0, sizeof(*r));
			} else {
				r = NULL;
				pq->rcpt_dropped++;
			}
			rc = rcpt_object(c, r);
		} else
			rc = jsonr_skip(c, 2);
		if (rc < 0)
			return (-1);
	} while ((rc = jsonr_next(c, ']')) == 1);
	return (rc);
}

/* member - one top-level member, its key read; 0 or -1 */
static int
member(struct jsonr *c, const char *key, struct pqjson *pq)
{
	int	 ch = jsonr_peek(c);

	if (ch == '"' && strcmp(key, "queue_name") == 0)
		return (jsonr_string(c, pq->queue_name,
		    sizeof(pq->queue_name)) < 0 ? -1 : 0);
	if (ch == '"' && strcmp(key, "queue_id") == 0)
		return (jsonr_string(c, pq->queue_id,
		    sizeof(pq->queue_id)) < 0 ? -1 : 0);
	if (ch == '"' && strcmp(key, "sender") == 0)
		return (jsonr_string(c, pq->sender,
		    sizeof(pq->sender)) < 0 ? -1 : 0);
	if (ISNUM(ch) && strcmp(key, "arrival_time") == 0)
		return (jsonr_number(c, &pq->arrival_time));
	if (ISNUM(ch) && strcmp(key, "message_size") == 0)
		return (jsonr_number(c, &pq->message_size));
	if ((ch == 't' || ch == 'f') && strcmp(key, "forced_expire") == 0)
		return (jsonr_literal(c, &pq->forced_expire) < 0 ? -1 : 0);
	if (ch == '[' && strcmp(key, "recipients") == 0)
		return (recipients(c, pq));
	return (jsonr_skip(c, 1));
}

/* pqjson_parse - parse one line of postqueue -j output; see pqjson.h */
int
pqjson_parse(const char *line, size_t len, struct pqjson *pq)
{
	struct jsonr c;
	char	 key[16];
	int	 rc;

	memset(pq, 0, offsetof(struct pqjson, rcpt));
	jsonr_init(&c, line, len, '?');
	if ((rc = jsonr_open(&c, '{')) < 0)
		return (-1);
	if (rc == 0)
		do {
			if (jsonr_key(&c, key, sizeof(key)) < 0 ||
			    member(&c, key, pq) < 0)
				return (-1);
		} while ((rc = jsonr_next(&c, '}')) == 1);
	/* one object per line: only white space may follow */
	return (rc < 0 ? -1 : jsonr_end(&c));
}
