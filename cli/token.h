/*
 * token.h - OAuth 2.0 tokens from Microsoft Entra ID for the relay
 *
 * The device authorization grant (a person signs in once as the sending
 * mailbox), the client credentials grant (app-only, SMTP.SendAsApp) and
 * the refresh of a delegated token, against
 * BASE/TENANT/oauth2/v2.0/{devicecode,token}; and the atomic, 0600 file
 * writes that hand the result to the MTA.  Tokens and secrets are never
 * printed: errors carry only the endpoint's error code and description.
 */
#ifndef RH_TOKEN_H
#define RH_TOKEN_H

#include <stdio.h>
#include <sys/types.h>

#define TOKEN_MAX		16384
#define TOKEN_DEFAULT_BASE	"https://login.microsoftonline.com"
#define TOKEN_SCOPE_USER	"https://outlook.office.com/SMTP.Send offline_access"
#define TOKEN_SCOPE_APP		"https://outlook.office365.com/.default"

struct oauth {
	const char	*base;		/* TOKEN_DEFAULT_BASE, or a test's */
	const char	*tenant;	/* GUID or domain */
	const char	*client_id;
	const char	*secret;	/* client secret; NULL for a public client */
	const char	*ca_file;	/* NULL: the system's */
	long		 timeout;	/* seconds per request */
	long		 max_wait;	/* device flow: give up after (0: expires_in) */
};

struct token_set {
	char	 access[TOKEN_MAX];
	char	 refresh[TOKEN_MAX];	/* "" when none was issued */
	long	 expires_at;		/* epoch seconds */
};

/*
 * oauth_device, oauth_client, oauth_refresh - one grant each; 0 with the
 * tokens in ts, or -1 with the reason in err (the endpoint's error code and
 * its AADSTS description, never a token).  oauth_device prints the sign-in
 * instructions (URL and user code: not secrets) to tty.
 */
int	oauth_device(const struct oauth *, FILE *tty, struct token_set *,
	    char *err, size_t errlen);
int	oauth_client(const struct oauth *, struct token_set *, char *err,
	    size_t errlen);
int	oauth_refresh(const struct oauth *, const char *refresh,
	    struct token_set *, char *err, size_t errlen);

/*
 * token_write - write data to path atomically (a temporary file in the same
 * directory, fsync, chown, chmod 0600, rename), so that a reader sees the
 * old file or the new one, never a part.  0, or -1 with errno.
 */
int	token_write(const char *path, const char *data, size_t len, uid_t,
	    gid_t);

/* token_write_mode - the same with another mode (relayhint migrate's files) */
int	token_write_mode(const char *path, const char *data, size_t len,
	    mode_t, uid_t, gid_t);

/* token_wipe - zero a token set */
void	token_wipe(struct token_set *);

/*
 * token_login - the first token for a relayhint token refresh
 * configuration file (device flow, or client credentials for app-only),
 * stored as the refresher stores it; max_wait bounds the device flow
 * (0: the code's lifetime).  Exit status as relayhint token refresh.
 */
struct cli;
int	token_login(struct cli *, const char *conf, long max_wait);


#endif
