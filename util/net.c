#include "util/net.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "util/str.h"

/* a, in host order, is in prefix/bits. */
static bool v4_in(uint32_t a, uint32_t prefix, int bits)
{
	uint32_t mask = bits ? ~(uint32_t)0 << (32 - bits) : 0;

	return (a & mask) == (prefix & mask);
}

#define V4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

static bool v4_is_public(uint32_t a)
{
	static const struct {
		uint32_t prefix;
		int bits;
	} blocked[] = {
		{ V4(0, 0, 0, 0), 8 },       /* "this network" */
		{ V4(10, 0, 0, 0), 8 },      /* private */
		{ V4(100, 64, 0, 0), 10 },   /* carrier-grade NAT */
		{ V4(127, 0, 0, 0), 8 },     /* loopback */
		{ V4(169, 254, 0, 0), 16 },  /* link-local (cloud metadata lives here) */
		{ V4(172, 16, 0, 0), 12 },   /* private */
		{ V4(192, 0, 0, 0), 24 },    /* IETF protocol assignments */
		{ V4(192, 0, 2, 0), 24 },    /* documentation */
		{ V4(192, 88, 99, 0), 24 },  /* 6to4 relay anycast */
		{ V4(192, 168, 0, 0), 16 },  /* private */
		{ V4(198, 18, 0, 0), 15 },   /* benchmarking */
		{ V4(198, 51, 100, 0), 24 }, /* documentation */
		{ V4(203, 0, 113, 0), 24 },  /* documentation */
		{ V4(224, 0, 0, 0), 4 },     /* multicast */
		{ V4(240, 0, 0, 0), 4 },     /* reserved, and 255.255.255.255 */
	};

	for (size_t i = 0; i < sizeof(blocked) / sizeof(blocked[0]); i++)
		if (v4_in(a, blocked[i].prefix, blocked[i].bits))
			return false;
	return true;
}

static uint32_t v4_at(const unsigned char *p)
{
	return V4(p[0], p[1], p[2], p[3]);
}

static bool v6_is_public(const unsigned char *b)
{
	static const unsigned char zero[16] = { 0 };

	/* ::/96 holds :: and ::1 and the old IPv4-compatible form: none is ours to reach. */
	if (memcmp(b, zero, 12) == 0)
		return false;
	/* ::ffff:a.b.c.d, IPv4-mapped: the socket really talks IPv4. */
	if (memcmp(b, zero, 10) == 0 && b[10] == 0xff && b[11] == 0xff)
		return v4_is_public(v4_at(b + 12));
	/* 64:ff9b::/96, NAT64: a gateway forwards to the IPv4 address inside. */
	if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && memcmp(b + 4, zero, 8) == 0)
		return v4_is_public(v4_at(b + 12));
	/* 2002::/16, 6to4: the IPv4 address is in bytes 2..5. */
	if (b[0] == 0x20 && b[1] == 0x02)
		return v4_is_public(v4_at(b + 2));
	if ((b[0] & 0xfe) == 0xfc) /* fc00::/7 unique local */
		return false;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) /* fe80::/10 link-local */
		return false;
	if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) /* fec0::/10 old site-local */
		return false;
	if (b[0] == 0xff) /* multicast */
		return false;
	if (b[0] == 0x01 && b[1] == 0x00 && memcmp(b + 2, zero, 6) == 0) /* 100::/64 discard */
		return false;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) /* documentation */
		return false;
	return true;
}

bool net_addr_is_public(const struct sockaddr *sa)
{
	if (!sa)
		return false;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		return v4_is_public(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		return v6_is_public(in6->sin6_addr.s6_addr);
	}
	return false;
}

bool net_host_is_loopback(const char *host)
{
	char lit[INET6_ADDRSTRLEN];
	struct in_addr a4;
	struct in6_addr a6;
	size_t len;

	if (!host)
		return false;
	if (str_ieq(host, "localhost"))
		return true;
	len = strlen(host);
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
		if (len - 2 >= sizeof(lit))
			return false;
		memcpy(lit, host + 1, len - 2);
		lit[len - 2] = '\0';
		return inet_pton(AF_INET6, lit, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
	}
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	return inet_pton(AF_INET6, host, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
}

/* text as an address, IPv4-mapped IPv6 unmapped: AF_INET, AF_INET6 or 0. */
static int addr_parse(const char *text, unsigned char out[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (inet_pton(AF_INET, text, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, text, out) != 1)
		return 0;
	if (memcmp(out, mapped, sizeof(mapped)) == 0) {
		memmove(out, out + 12, 4);
		return AF_INET;
	}
	return AF_INET6;
}

bool net_is_trusted_proxy(const char *peer, const char *trusted)
{
	unsigned char a[16], b[16];
	int fa, fb;

	if (str_eq(trusted, "none"))
		return false;
	fa = addr_parse(peer, a);
	if (!trusted) {
		static const unsigned char v6_loopback[16] = { [15] = 1 };

		return (fa == AF_INET && a[0] == 127) ||
		       (fa == AF_INET6 && memcmp(a, v6_loopback, 16) == 0);
	}
	fb = addr_parse(trusted, b);
	return fa && fa == fb && memcmp(a, b, fa == AF_INET ? 4 : 16) == 0;
}

void net_client_key(const char *peer, const char *xff, const char *trusted, char *out)
{
	char last[NET_CLIENT_KEY_MAX];
	const char *from = peer;
	unsigned char a[16];
	int family;

	if (xff && net_is_trusted_proxy(peer, trusted)) {
		const char *comma = strrchr(xff, ',');
		const char *s = comma ? comma + 1 : xff;
		size_t n;

		while (*s == ' ' || *s == '\t')
			s++;
		n = strcspn(s, " \t");
		if (n < sizeof(last)) {
			memcpy(last, s, n);
			last[n] = '\0';
			if (addr_parse(last, a))
				from = last;
		}
	}
	family = addr_parse(from, a);
	if (family == AF_INET6) {
		char text[INET6_ADDRSTRLEN];

		memset(a + 8, 0, 8);
		inet_ntop(AF_INET6, a, text, sizeof(text));
		snprintf(out, NET_CLIENT_KEY_MAX, "%s/64", text);
	} else if (family == AF_INET) {
		inet_ntop(AF_INET, a, out, NET_CLIENT_KEY_MAX);
	} else {
		snprintf(out, NET_CLIENT_KEY_MAX, "%.*s", NET_CLIENT_KEY_MAX - 1, from);
	}
}
