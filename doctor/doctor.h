/*
 * doctor.h - audit the local MTA's Microsoft 365 path before mail fails
 *
 * relayhint doctor reads the Postfix or Exim configuration (through the
 * MTA's own tools: postconf, postmap, exim -bP/-bV) and the files they
 * name (sasl-xoauth2 token files and configuration, passwd.client), and
 * says for each relay host that goes to Microsoft 365 what will fail and
 * how to fix it, before mail piles up.  It is read-only and never prints
 * a secret: passwords, client secrets and token values are not copied
 * into the report at all.
 *
 * Everything the checks read goes through struct doctor_io, so the unit
 * tests run the same code on configuration fixtures.
 */
#ifndef RH_DOCTOR_H
#define RH_DOCTOR_H

#include <stddef.h>
#include <time.h>

struct buf;

/*
 * When Microsoft turns Basic authentication for SMTP AUTH off by default
 * for existing tenants: "the end of December 2026" (Exchange Team blog,
 * January 2026 timeline), taken as 2027-01-01T00:00:00Z.
 */
#define DOCTOR_BASIC_OFF_TIME	1798761600L

enum doctor_level {
	DOCTOR_OK = 0,
	DOCTOR_INFO,		/* worth knowing, changes nothing */
	DOCTOR_WARN,		/* works now, will fail or hide failures */
	DOCTOR_FAIL,		/* mail fails now */
	DOCTOR_SKIP		/* could not check */
};

enum doctor_kind {
	DOCTOR_KIND_OTHER = 0,	/* not Microsoft's */
	DOCTOR_KIND_SUBMIT,	/* smtp.office365.com, smtp-legacy, GCC High, 21Vianet */
	DOCTOR_KIND_HVE,	/* smtp-hve.office365.com */
	DOCTOR_KIND_CONSUMER,	/* smtp-mail.outlook.com (Outlook.com) */
	DOCTOR_KIND_CONNECTOR	/* <tenant>.mail.protection.outlook.com, *.mx.microsoft */
};

enum doctor_way {
	DOCTOR_WAY_NONE = 0,	/* no login (connector, or none found) */
	DOCTOR_WAY_PASSWORD,	/* SMTP AUTH LOGIN with a password */
	DOCTOR_WAY_XOAUTH2	/* SMTP AUTH XOAUTH2 (sasl-xoauth2 token file) */
};

#define DOCTOR_MAX_CHECKS	64
#define DOCTOR_MAX_HOPS		8
#define DOCTOR_ID_MAX		40
#define DOCTOR_TEXT_MAX		1536

struct doctor_check {
	char	 id[DOCTOR_ID_MAX];		/* "sasl.password_map" */
	enum doctor_level level;
	char	 subject[256];			/* what was checked: a relayhost, a file */
	char	 reason[DOCTOR_TEXT_MAX];	/* why this level */
	char	 fix[DOCTOR_TEXT_MAX];		/* exact fix; "" for OK */
};

struct doctor_hop {
	char	 nexthop[256];		/* as written: "[smtp.office365.com]:587" */
	char	 host[256];		/* "smtp.office365.com" */
	int	 port;
	int	 bracket;		/* no MX lookup */
	enum doctor_kind kind;
	enum doctor_way way;
	char	 mailbox[320];		/* login name, "" when none */
	char	 key[300];		/* the password-map key that matched */
	char	 token[512];		/* XOAUTH2: token path as in the map */
};

struct doctor_report {
	char	 mta[16];			/* "postfix", "exim" */
	char	 config_dir[256];
	int	 nhops;
	struct doctor_hop hop[DOCTOR_MAX_HOPS];
	int	 n;
	struct doctor_check c[DOCTOR_MAX_CHECKS];
	int	 dropped;			/* checks beyond DOCTOR_MAX_CHECKS */
};

/* How doctor reads the system; the tests substitute fixtures. */
struct doctor_io {
	/*
	 * run - run argv[0] (searched in PATH) with argv, no shell; its
	 * standard output into out (bounded by out's limit).  Returns the
	 * exit status, or -1 when it could not be run.
	 */
	int	 (*run)(void *ctx, char *const argv[], struct buf *out);
	/* uid - the uid of a user name, -1 when unknown */
	long	 (*uid)(void *ctx, const char *user);
	void	*ctx;
	const char *root;		/* prefix of every file path read; "" */
	time_t	 now;
};

struct doctor_opts {
	const char *config_dir;		/* NULL: the MTA's default */
	const char *xoauth2_conf;	/* NULL: /etc/sasl-xoauth2.conf */
	const char *passwd_client;	/* NULL: /etc/exim4/passwd.client */
	const char *exim;		/* NULL: "exim4", else "exim" */
};

/*
 * doctor_postfix, doctor_exim - run every check into r.  Return 0, or -1
 * when the MTA could not be queried at all (r then holds one SKIP check
 * saying why).
 */
int	doctor_postfix(const struct doctor_io *, const struct doctor_opts *,
	    struct doctor_report *);
int	doctor_exim(const struct doctor_io *, const struct doctor_opts *,
	    struct doctor_report *);

/* doctor_exit - 0 OK, 1 WARN, 2 FAIL, 3 could not check */
int	doctor_exit(const struct doctor_report *);

/* doctor_level_name - "OK", "INFO", "WARN", "FAIL", "SKIP" */
const char *doctor_level_name(enum doctor_level);

/* doctor_kind_name, doctor_way_name - short words for the report */
const char *doctor_kind_name(enum doctor_kind);
const char *doctor_way_name(enum doctor_way);

/* doctor_kind_of - what a relay host name is, Microsoft-wise */
enum doctor_kind doctor_kind_of(const char *host);

/* doctor_find - the first check with this id (and subject, if not NULL) */
const struct doctor_check *doctor_find(const struct doctor_report *,
	    const char *id, const char *subject);

/* doctor_text, doctor_json - the report for people, and for tools */
void	doctor_text(const struct doctor_report *, struct buf *);
void	doctor_json(const struct doctor_report *, struct buf *);

/*
 * Helpers shared by the MTA modules (doctor.c).
 */
struct doctor_check *doctor_add(struct doctor_report *, enum doctor_level,
	    const char *id, const char *subject);
void	doctor_reason(struct doctor_check *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
void	doctor_fix(struct doctor_check *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* doctor_file - root + path into out; 0, or -1 when too long */
int	doctor_file(const struct doctor_io *, const char *path, char *out,
	    size_t outlen);

/* doctor_read - a whole small file (at most max bytes) into b; -1 with errno */
int	doctor_read(const struct doctor_io *, const char *path, size_t max,
	    struct buf *b);

/* doctor_duration - a Postfix time value ("5d", "4h", "300s") in seconds, default unit du */
long	doctor_duration(const char *value, int du);

/* doctor_days - seconds as "5 days", "4 hours", "30 minutes" */
void	doctor_days(long secs, char *out, size_t outlen);

#endif
