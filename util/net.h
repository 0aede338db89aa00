/* Which network addresses an outbound request may reach (the SSRF guard's rule). */
#ifndef UTIL_NET_H
#define UTIL_NET_H

#include <stdbool.h>

struct sockaddr;

/*
 * True when sa (AF_INET or AF_INET6) is a public unicast address. False for
 * loopback, private (10/8, 172.16/12, 192.168/16), CGNAT 100.64/10,
 * link-local, 0.0.0.0/8, multicast, reserved, broadcast, documentation and
 * benchmark ranges; for IPv6 also ::, ::1, fc00::/7, fe80::/10, fec0::/10,
 * ff00::/8, 100::/64, 2001:db8::/32, and the IPv4-mapped (::ffff:a.b.c.d),
 * IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16)
 * forms judged by the IPv4 address they carry. Any other family is false.
 */
bool net_addr_is_public(const struct sockaddr *sa);

/* True when host (a name or an IP literal, brackets allowed) is "localhost" or a loopback literal. */
bool net_host_is_loopback(const char *host);

/*
 * True when peer (an IP address as text) is a trusted reverse proxy:
 * trusted NULL means any loopback address, "none" nobody, else that address.
 */
bool net_is_trusted_proxy(const char *peer, const char *trusted);

#define NET_CLIENT_KEY_MAX 64

/*
 * The key a client's requests are counted under, into out (NET_CLIENT_KEY_MAX
 * bytes): peer's address; or, when peer is a trusted proxy and xff (its
 * X-Forwarded-For, may be NULL) ends in an IP address, that last address (the
 * one the proxy added; earlier ones are the client's word). An IPv6 address
 * is cut to its /64, which one customer usually holds whole.
 */
void net_client_key(const char *peer, const char *xff, const char *trusted, char *out);

#endif
