/*
 * net.c - the TLS and time limits of every request relayhint-net makes
 *
 * Functions: net_setup.
 *
 * probe (SMTP with STARTTLS, the token endpoint), alert-drain (webhooks)
 * and token (Entra ID's endpoints) verify the server the same way: one
 * place says how, so that no command can drift to weaker checks.
 */
#include "net.h"

/* net_setup - the settings every request shares */
void
net_setup(CURL *h, const char *protocols, const char *ca_file,
    long connect_timeout, long timeout, char *errbuf)
{
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, protocols);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (ca_file != NULL)
		curl_easy_setopt(h, CURLOPT_CAINFO, ca_file);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, connect_timeout);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
}
