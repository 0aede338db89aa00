/* Every size, count and time limit of Undersigned, in one place. */
#ifndef UTIL_LIMITS_H
#define UTIL_LIMITS_H

/* Inbound HTTP */
#define LIMIT_BODY_BYTES (256 * 1024)      /* inbox POST body */
#define LIMIT_HEADER_BYTES (16 * 1024)     /* all request headers together */
#define LIMIT_URL_BYTES 2048               /* request target */
#define LIMIT_QUERY_VALUE_BYTES 1024       /* one query-string value */
#define LIMIT_CONNECTIONS 512              /* concurrent HTTP connections */
#define LIMIT_CONNECTION_TIMEOUT_S 15      /* idle connection closed after */
#define LIMIT_HTTP_THREADS 4               /* HTTP threads: they read requests, serve pages */
#define LIMIT_HTTP_WORKERS 4               /* threads for requests that may fetch (inbox POSTs) */
#define LIMIT_CONNECTIONS_PER_IP 32        /* at once from one client address (a trusted proxy: no cap) */
#define LIMIT_REQUEST_TIMEOUT_S 30         /* request line to last body byte (serve --request-timeout) */

/* Abuse: rates per second, each a token bucket (util/ratelimit.h); serve's --rate-* flags set them */
#define LIMIT_RATE_IP_PER_S 30             /* inbox POSTs from one client address (IPv6: its /64) */
#define LIMIT_RATE_DOMAIN_PER_S 30         /* inbox POSTs signed by one remote server (host[:port]) */
#define LIMIT_RATE_FETCH_PER_S 2           /* fetches to one remote server while an inbox POST waits */
#define LIMIT_RATE_BURST_S 10              /* a bucket holds this many seconds of its rate */
#define LIMIT_RATE_KEYS 4096               /* addresses or servers remembered by one limit */
#define LIMIT_FETCH_IN_FLIGHT 2            /* such fetches at once, all hosts (one per host): at
					      most half the workers wait on hanging servers */
#define LIMIT_FETCH_WAIT_MS 2000           /* a fetch waits this long for its host's turn, then 503 */

/* JSON */
#define LIMIT_JSON_DEPTH 32                /* nesting of an activity document */

/* HTTP Signatures */
#define LIMIT_SIGNATURE_HEADER_BYTES 8192  /* Signature / Signature-Input value */
#define LIMIT_SIGNED_HEADERS 32            /* headers named in one signature */
#define LIMIT_DATE_SKEW_S (60 * 60)        /* Date/created accepted +- (Mastodon: 1 h) */
#define LIMIT_KEY_PEM_BYTES 16384          /* a public key PEM */
#define LIMIT_RSA_MIN_BITS 1024            /* smaller RSA keys are refused */
#define LIMIT_RSA_MAX_BITS 8192            /* larger ones cost too much to verify */
#define LIMIT_KEY_CACHE_ENTRIES 4096       /* signers' keys kept parsed in memory (about 2 KiB each) */

/* Outbound HTTP (fetches and deliveries) */
#define LIMIT_FETCH_BYTES (1024 * 1024)    /* a fetched actor or object */
#define LIMIT_FETCH_TIMEOUT_S 10           /* whole fetch */
#define LIMIT_CONNECT_TIMEOUT_S 5
#define LIMIT_REDIRECTS 3
#define LIMIT_DELIVERY_TIMEOUT_S 20        /* whole delivery POST */
#define LIMIT_DELIVERY_PARALLEL 64         /* deliveries in flight at once */
#define LIMIT_DELIVERY_PER_HOST 4          /* in flight to one host */
#define LIMIT_DELIVERY_ATTEMPTS 16         /* then the delivery is dead */
#define LIMIT_DELIVERY_BACKOFF_BASE_S 30   /* wait after the first failure, doubled each time */
#define LIMIT_DELIVERY_BACKOFF_MAX_S (12 * 60 * 60) /* longest wait (and Retry-After honoured) */
#define LIMIT_DELIVERY_LEASE_S 60          /* a claimed row is due again after (crash) */
#define LIMIT_DELIVERY_CLAIMED (LIMIT_DELIVERY_PARALLEL * 4) /* rows the worker holds at once */
#define LIMIT_DELIVERY_POLL_MS 1000        /* the worker looks at the queue at least this often */
#define LIMIT_DOMAINCHECK_SITES 2          /* websites of a signer checked for a link back */
#define LIMIT_DOMAINCHECK_TIMEOUT_S 5      /* one website's home page, whole fetch */
#define LIMIT_DOMAINCHECK_ATTEMPTS 4       /* undecided checks of one signer before giving up */
#define LIMIT_DOMAINCHECK_RETRY_S 60       /* wait after the first undecided check, doubled each time */
#define LIMIT_INTENT_TIMEOUT_S 3           /* a reader's server's WebFinger (they wait for it) */
#define LIMIT_INTENT_JRD_BYTES (64 * 1024) /* that WebFinger answer */

/* Statements */
#define LIMIT_STATEMENT_FILE_BYTES (1024 * 1024)
#define LIMIT_SLUG_BYTES 64
#define LIMIT_TITLE_BYTES 512
#define LIMIT_SIGNATORIES 100000           /* imported names in one file */
#define LIMIT_SIGNATORY_BYTES 1024         /* one imported signatory line */
#define LIMIT_COUNTRY_BYTES 56             /* a longer last ", part" of a signatory is no country */
#define LIMIT_DATELINE_BYTES 300           /* a longer line under the title is a paragraph */
#define LIMIT_STATEMENT_HTML_BYTES (256 * 1024) /* the text as HTML, leaving room in the post */
#define LIMIT_MARKDOWN_DEPTH 16            /* nested emphasis and links in a statement */
#define LIMIT_NAME_DISPLAY_CHARS 200       /* a stranger's name shown on a page */
#define LIMIT_TRANSLATIONS 32              /* languages of one statement, its own included */
#define LIMIT_ACCEPT_LANGUAGE_RANGES 32    /* ranges of an Accept-Language header read */

/* Collections */
#define LIMIT_PAGE_ITEMS 50                /* items per collection page */
#define LIMIT_MENTIONS_PER_ORIGIN_HOUR 60 /* signing mentions answered per remote server */
#define LIMIT_LISTED_SIGNATORIES 1000      /* names in the post and on the page; then "and N more" */
#define LIMIT_RESOLVE_PAGES 40             /* pages of a remote signatures collection searched */

/* Organisations hosted here */
#define LIMIT_ORG_NAME_BYTES 200           /* an organisation's name */
#define LIMIT_ORG_SUMMARY_BYTES 4000       /* its bio, plain text */
#define LIMIT_ORG_SIGN_WAIT_S 600          /* org sign --wait: longest wait for the answer */
#define LIMIT_ORG_REPLY_BYTES 8192         /* a statement's reply kept with the endorsement */

/* Documents and pages we serve */
#define LIMIT_ACTOR_NAME_CHARS 50          /* statement actor's name (Mastodon's own cap is 30) */
#define LIMIT_ACTOR_SUMMARY_CHARS 400      /* first paragraph in the actor's bio */
#define LIMIT_POST_HTML_BYTES (448 * 1024) /* post content; sent twice (content, contentMap) in
					      a Note Mastodon reads up to 1 MiB; signatories
					      past it become "and N more" */
#define LIMIT_PAGE_HTML_BYTES (4 * 1024 * 1024) /* one HTML page; same rule */
#define LIMIT_SMALL_DOC_BYTES 8192         /* host-meta and other tiny documents */
#define LIMIT_ADMIN_PENDING 200            /* pending signatures per statement on /admin */
#define LIMIT_ADMIN_TOKEN_BYTES 1024       /* serve --admin-token-file */
#define LIMIT_METRICS_BYTES (1024 * 1024)  /* the /metrics text */
#define LIMIT_FEED_ITEMS 50                /* entries in an Atom or RSS feed */
#define LIMIT_FEED_BYTES (2 * 1024 * 1024) /* one feed; entries past it are left out */
#define LIMIT_PAGE_CACHE_ENTRIES 64        /* rendered statement pages kept in memory */
#define LIMIT_PAGE_CACHE_TTL_S 300         /* a cached page is rebuilt after this, changed or not */
#define LIMIT_PAGE_MAX_AGE_S 60            /* Cache-Control max-age of a statement page */

#endif
