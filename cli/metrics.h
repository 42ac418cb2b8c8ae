/*
 * metrics.h - Prometheus metrics in the textfile-collector format
 */
#ifndef RH_METRICS_H
#define RH_METRICS_H

#include <stddef.h>

#define METRICS_SERIES_MAX	4096
#define METRICS_RELAYS_MAX	32
#define METRICS_LABELS_MAX	320

struct metrics_series {
	int	 fam;			/* index in the family table */
	char	 labels[METRICS_LABELS_MAX];	/* k="v",... escaped */
	double	 v;
};

struct metrics {
	struct metrics_series *s;	/* METRICS_SERIES_MAX */
	int	*slot;			/* hash of series, -1 when empty */
	int	 n;
	char	 relay[METRICS_RELAYS_MAX][64];
	int	 nrelay;
	unsigned long dropped;		/* series over the limit */
};

enum metrics_op { METRICS_ADD, METRICS_SET, METRICS_MAX };

int	metrics_init(struct metrics *);
void	metrics_free(struct metrics *);

/*
 * metrics_put - apply op with v to the series of family name with the
 * label pairs that follow (key, value, ..., NULL); values are escaped.
 */
int	metrics_put(struct metrics *, enum metrics_op, const char *name,
	    double v, ...);

/* metrics_relay - a relay host as a label value: at most METRICS_RELAYS_MAX */
const char *metrics_relay(struct metrics *, const char *host);

/* metrics_write - the exposition at path, atomically; -1 with err */
int	metrics_write(const struct metrics *, const char *path, char *err,
	    size_t errlen);

#endif
