/*
 * pqjson.h - one record of "postqueue -j" output (one JSON object per line)
 */
#ifndef RH_PQJSON_H
#define RH_PQJSON_H

#include <stddef.h>

#include "jsonr.h"

#define PQJSON_MAX_RCPT		64
#define PQJSON_REASON_MAX	1024

struct pqjson_rcpt {
	char	address[320];
	char	delay_reason[PQJSON_REASON_MAX];	/* JSON-unescaped, "" when absent */
};

struct pqjson {
	char	queue_name[32];		/* "deferred", "active", "hold", "incoming" */
	char	queue_id[64];
	long long arrival_time;		/* seconds since the epoch, 0 when absent */
	long long message_size;
	int	forced_expire;
	char	sender[320];
	int	nrcpt;			/* entries filled in rcpt[] */
	int	rcpt_dropped;		/* recipients beyond PQJSON_MAX_RCPT */
	struct pqjson_rcpt rcpt[PQJSON_MAX_RCPT];
};

/*
 * pqjson_parse - parse one line.  Unknown members are skipped (any JSON
 * value, nesting bounded by PQJSON_MAX_DEPTH without recursion on input).
 * Returns 0 on success, -1 on malformed input (struct partly filled).
 */
#define PQJSON_MAX_DEPTH	JSONR_MAX_DEPTH
int	pqjson_parse(const char *line, size_t len, struct pqjson *);

#endif
