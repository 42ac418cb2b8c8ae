/*
 * alert_sign.c - the webhook signature
 *
 * Functions: alert_sign.
 *
 * HMAC-SHA256 with OpenSSL, for alert-drain (relayhint-net) only: apart
 * from alert.c so that scan --follow, which spools alerts but posts none,
 * keeps the relayhint command free of libcrypto.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "alert.h"

/* alert_sign - hex HMAC-SHA256 of "timestamp.body" */
int
alert_sign(const void *key, size_t keylen, const char *timestamp,
    const char *body, size_t bodylen, char hex[ALERT_SIG_HEX])
{
	unsigned char md[EVP_MAX_MD_SIZE], *msg;
	unsigned int mdlen = 0, i;
	size_t	 tlen = strlen(timestamp);

	/* one-shot HMAC(): not deprecated in OpenSSL 3, present in 1.1 */
	if (bodylen > ALERT_BODY_MAX || (msg = malloc(tlen + 1 + bodylen +
	    1)) == NULL)
		return (-1);
	memcpy(msg, timestamp, tlen);
	msg[tlen] = '.';
	memcpy(msg + tlen + 1, body, bodylen);
	if (HMAC(EVP_sha256(), key, (int)keylen, msg, tlen + 1 + bodylen, md,
	    &mdlen) == NULL || mdlen != 32) {
		free(msg);
		return (-1);
	}
	free(msg);
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return (0);
}
