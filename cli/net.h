/*
 * net.h - what every libcurl request of relayhint-net shares
 */
#ifndef RH_NET_H
#define RH_NET_H

#include <curl/curl.h>

/*
 * net_setup - protocols allowed (redirects included), TLS peer and host
 * name verified against the system's CAs or ca_file (NULL), connect and
 * total time limits in seconds, no signals (a caller's handlers stay),
 * libcurl's error text in errbuf (CURL_ERROR_SIZE bytes)
 */
void	net_setup(CURL *, const char *protocols, const char *ca_file,
	    long connect_timeout, long timeout, char *errbuf);

#endif
