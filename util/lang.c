/*
 * Language tags and Accept-Language (see lang.h). The languages we know are
 * every ISO 639-1 code and the ISO 639-3 codes of languages that have no
 * 2-letter code and that coalitions or fediverse servers use (Mastodon's own
 * list among them). A 3-letter code for a language with a 2-letter one
 * ("eng", "spa") is refused with a hint: BCP 47 wants the shortest code.
 */
#include "util/lang.h"

#include <stdint.h>
#include <string.h>

#include "util/limits.h"

static const char *const iso639_1[] = {
	"aa", "ab", "ae", "af", "ak", "am", "an", "ar", "as", "av", "ay", "az", "ba", "be", "bg",
	"bi", "bm", "bn", "bo", "br", "bs", "ca", "ce", "ch", "co", "cr", "cs", "cu", "cv", "cy",
	"da", "de", "dv", "dz", "ee", "el", "en", "eo", "es", "et", "eu", "fa", "ff", "fi", "fj",
	"fo", "fr", "fy", "ga", "gd", "gl", "gn", "gu", "gv", "ha", "he", "hi", "ho", "hr", "ht",
	"hu", "hy", "hz", "ia", "id", "ie", "ig", "ii", "ik", "io", "is", "it", "iu", "ja", "jv",
	"ka", "kg", "ki", "kj", "kk", "kl", "km", "kn", "ko", "kr", "ks", "ku", "kv", "kw", "ky",
	"la", "lb", "lg", "li", "ln", "lo", "lt", "lu", "lv", "mg", "mh", "mi", "mk", "ml", "mn",
	"mr", "ms", "mt", "my", "na", "nb", "nd", "ne", "ng", "nl", "nn", "no", "nr", "nv", "ny",
	"oc", "oj", "om", "or", "os", "pa", "pi", "pl", "ps", "pt", "qu", "rm", "rn", "ro", "ru",
	"rw", "sa", "sc", "sd", "se", "sg", "si", "sk", "sl", "sm", "sn", "so", "sq", "sr", "ss",
	"st", "su", "sv", "sw", "ta", "te", "tg", "th", "ti", "tk", "tl", "tn", "to", "tr", "ts",
	"tt", "tw", "ty", "ug", "uk", "ur", "uz", "ve", "vi", "vo", "wa", "wo", "xh", "yi", "yo",
	"za", "zh", "zu",
};

/* Languages without a 2-letter code. */
static const char *const iso639_3[] = {
	"ace", "acm", "aeb", "afb", "ajp", "ami", "apc", "arn", "ars", "ary", "arz", "ast",
	"awa", "bal", "ban", "bcl", "bem", "ber", "bho", "bjn", "brx", "bug", "ceb", "chr",
	"ckb", "cmn", "cnr", "crs", "csb", "doi", "dyu", "fil", "fur", "gom", "gsw", "hak",
	"haw", "hil", "hmn", "hne", "ilo", "jam", "jbo", "kab", "kac", "kam", "kok", "kri",
	"ksw", "lad", "ldn", "lfn", "lij", "lmo", "luo", "mad", "mag", "mai", "mak", "mfe",
	"min", "mni", "moh", "mos", "nan", "nap", "nds", "new", "nso", "pag", "pam", "pap",
	"pcm", "pdc", "pms", "pnb", "quc", "rhg", "sah", "sas", "sat", "scn", "sco", "shn",
	"skr", "sma", "smj", "snk", "srn", "szl", "tay", "tcy", "tet", "tok", "tpi", "tum",
	"tzm", "vai", "vec", "war", "wuu", "xal", "yua", "yue", "zba", "zgh",
};

/* 3-letter codes people write for languages that have a 2-letter one. */
static const struct {
	const char *three, *two;
} shorter[] = {
	{ "ara", "ar" }, { "ben", "bn" }, { "chi", "zh" }, { "deu", "de" }, { "dut", "nl" },
	{ "ell", "el" }, { "eng", "en" }, { "fas", "fa" }, { "fra", "fr" }, { "fre", "fr" },
	{ "ger", "de" }, { "gre", "el" }, { "heb", "he" }, { "hin", "hi" }, { "ind", "id" },
	{ "ita", "it" }, { "jpn", "ja" }, { "kor", "ko" }, { "msa", "ms" }, { "may", "ms" },
	{ "nep", "ne" }, { "nld", "nl" }, { "per", "fa" }, { "pol", "pl" }, { "por", "pt" },
	{ "rus", "ru" }, { "spa", "es" }, { "swa", "sw" }, { "tam", "ta" }, { "tgl", "tl" },
	{ "tha", "th" }, { "tur", "tr" }, { "ukr", "uk" }, { "urd", "ur" }, { "vie", "vi" },
	{ "zho", "zh" },
};

static const struct {
	const char *tag, *name;
} names[] = {
	{ "af", "Afrikaans" },
	{ "am", "አማርኛ" },
	{ "ar", "العربية" },
	{ "az", "Azərbaycan" },
	{ "be", "Беларуская" },
	{ "bg", "Български" },
	{ "bn", "বাংলা" },
	{ "bo", "བོད་ཡིག" },
	{ "br", "Brezhoneg" },
	{ "bs", "Bosanski" },
	{ "ca", "Català" },
	{ "ckb", "کوردی" },
	{ "cs", "Čeština" },
	{ "cy", "Cymraeg" },
	{ "da", "Dansk" },
	{ "de", "Deutsch" },
	{ "el", "Ελληνικά" },
	{ "en", "English" },
	{ "eo", "Esperanto" },
	{ "es", "Español" },
	{ "et", "Eesti" },
	{ "eu", "Euskara" },
	{ "fa", "فارسی" },
	{ "fi", "Suomi" },
	{ "fil", "Filipino" },
	{ "fr", "Français" },
	{ "ga", "Gaeilge" },
	{ "gl", "Galego" },
	{ "gn", "Avañe'ẽ" },
	{ "gu", "ગુજરાતી" },
	{ "ha", "Hausa" },
	{ "he", "עברית" },
	{ "hi", "हिन्दी" },
	{ "hr", "Hrvatski" },
	{ "ht", "Kreyòl ayisyen" },
	{ "hu", "Magyar" },
	{ "hy", "Հայերեն" },
	{ "id", "Bahasa Indonesia" },
	{ "ig", "Igbo" },
	{ "is", "Íslenska" },
	{ "it", "Italiano" },
	{ "ja", "日本語" },
	{ "ka", "ქართული" },
	{ "kk", "Қазақ" },
	{ "km", "ខ្មែរ" },
	{ "kn", "ಕನ್ನಡ" },
	{ "ko", "한국어" },
	{ "ku", "Kurdî" },
	{ "ky", "Кыргызча" },
	{ "lb", "Lëtzebuergesch" },
	{ "lo", "ລາວ" },
	{ "lt", "Lietuvių" },
	{ "lv", "Latviešu" },
	{ "mk", "Македонски" },
	{ "ml", "മലയാളം" },
	{ "mn", "Монгол" },
	{ "mr", "मराठी" },
	{ "ms", "Bahasa Melayu" },
	{ "mt", "Malti" },
	{ "my", "မြန်မာ" },
	{ "nb", "Norsk bokmål" },
	{ "ne", "नेपाली" },
	{ "nl", "Nederlands" },
	{ "nn", "Norsk nynorsk" },
	{ "no", "Norsk" },
	{ "oc", "Occitan" },
	{ "pa", "ਪੰਜਾਬੀ" },
	{ "pl", "Polski" },
	{ "ps", "پښتو" },
	{ "pt", "Português" },
	{ "qu", "Runasimi" },
	{ "ro", "Română" },
	{ "ru", "Русский" },
	{ "si", "සිංහල" },
	{ "sk", "Slovenčina" },
	{ "sl", "Slovenščina" },
	{ "so", "Soomaali" },
	{ "sq", "Shqip" },
	{ "sr", "Српски" },
	{ "sv", "Svenska" },
	{ "sw", "Kiswahili" },
	{ "ta", "தமிழ்" },
	{ "te", "తెలుగు" },
	{ "tg", "Тоҷикӣ" },
	{ "th", "ไทย" },
	{ "tl", "Tagalog" },
	{ "tr", "Türkçe" },
	{ "uk", "Українська" },
	{ "ur", "اردو" },
	{ "uz", "Oʻzbek" },
	{ "vi", "Tiếng Việt" },
	{ "xh", "isiXhosa" },
	{ "yo", "Yorùbá" },
	{ "yue", "粵語" },
	{ "zh", "中文" },
	{ "zu", "isiZulu" },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool in_list(const char *const *list, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i], s) == 0)
			return true;
	return false;
}

bool lang_known(const char *primary)
{
	size_t n = primary ? strlen(primary) : 0;

	if (n == 2)
		return in_list(iso639_1, COUNT(iso639_1), primary);
	if (n == 3)
		return in_list(iso639_3, COUNT(iso639_3), primary);
	return false;
}

/* The 2-letter code of a 3-letter one people use for it, or NULL. */
static const char *shorter_code(const char *three)
{
	for (size_t i = 0; i < COUNT(shorter); i++)
		if (strcmp(shorter[i].three, three) == 0)
			return shorter[i].two;
	return NULL;
}

/* At most 40 bytes of s for a message, without splitting a UTF-8 sequence. */
static int quote_len(const char *s, size_t n)
{
	size_t max = 40;

	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return (int)max;
}

int lang_normalize(const char *s, size_t n, char out[LANG_TAG_MAX], struct err *err)
{
	char primary[4] = { 0 };
	size_t k = 0, o = 0;
	int part = 0, stage = 0; /* stage: 0 language, 1 script seen, 2 region seen */
	const char *two;

	out[0] = '\0';
	if (n == 0 || n >= LANG_TAG_MAX)
		goto malformed;
	while (k < n) {
		size_t a = k, len, alpha = 0, digits = 0, x;

		while (k < n && s[k] != '-' && s[k] != '_') {
			alpha += is_alpha(s[k]);
			digits += is_digit(s[k]);
			k++;
		}
		len = k - a;
		if (len == 0 || alpha + digits != len)
			goto malformed;
		if (part == 0) {
			if (alpha != len || len < 2 || len > 3)
				goto malformed;
			for (x = a; x < k; x++)
				primary[x - a] = out[o++] = lower(s[x]);
		} else if (stage == 0 && alpha == 4 && len == 4) {
			out[o++] = '-';
			out[o++] = upper(s[a]);
			for (x = a + 1; x < k; x++)
				out[o++] = lower(s[x]);
			stage = 1;
		} else if (stage < 2 && ((alpha == 2 && len == 2) || (digits == 3 && len == 3))) {
			out[o++] = '-';
			for (x = a; x < k; x++)
				out[o++] = upper(s[x]);
			stage = 2;
		} else {
			goto malformed;
		}
		part++;
		if (k < n && ++k == n)
			goto malformed; /* a trailing separator */
	}
	out[o] = '\0';
	if (lang_known(primary))
		return 0;
	two = shorter_code(primary);
	out[0] = '\0';
	if (two)
		return errorf(err, ERR_NOTFOUND,
			      "unknown language \"%.*s\": write the 2-letter code \"%s\" instead",
			      quote_len(s, n), s, two);
	return errorf(err, ERR_NOTFOUND,
		      "unknown language \"%.*s\" (not an ISO 639 language code we know; "
		      "write e.g. \"en\", \"es\", \"pt-BR\" or \"zh-Hant\")",
		      quote_len(s, n), s);
malformed:
	out[0] = '\0';
	return errorf(err, ERR_INVALID,
		      "\"%.*s\" is not a language tag (write e.g. \"en\", \"es\", \"pt-BR\" or "
		      "\"zh-Hant\")",
		      quote_len(s, n), s);
}

const char *lang_name(const char *tag)
{
	char primary[4];
	size_t k = 0;

	if (!tag)
		return NULL;
	while (k < 3 && tag[k] && tag[k] != '-') {
		primary[k] = lower(tag[k]);
		k++;
	}
	primary[k] = '\0';
	if (tag[k] && tag[k] != '-')
		return NULL;
	for (size_t i = 0; i < COUNT(names); i++)
		if (strcmp(names[i].tag, primary) == 0)
			return names[i].name;
	return NULL;
}

/* ---- Accept-Language ---- */

struct lang_range {
	const char *s; /* into the header */
	size_t len;
	int q;	      /* thousandths, 1..1000 */
	size_t order; /* position in the header */
};

static bool range_ok(const char *s, size_t n)
{
	size_t run = 0;

	if (n == 1 && s[0] == '*')
		return true;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '-') {
			if (run == 0)
				return false;
			run = 0;
		} else if (is_alpha(s[i]) || (i > 0 && is_digit(s[i]))) {
			if (++run > 8)
				return false;
		} else {
			return false;
		}
	}
	return run > 0;
}

/* "q=0.8" (s[0..n) after the ';', spaces trimmed) into thousandths; -1 when malformed. */
static int parse_q(const char *s, size_t n)
{
	int q, scale = 100;
	size_t i;

	if (n < 3 || (s[0] != 'q' && s[0] != 'Q') || s[1] != '=')
		return -1;
	s += 2;
	n -= 2;
	if (s[0] != '0' && s[0] != '1')
		return -1;
	q = (s[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (s[1] != '.' || n > 5)
		return -1;
	for (i = 2; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		q += (s[i] - '0') * scale;
		scale /= 10;
	}
	return q > 1000 ? -1 : q;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Parse the header into at most max ranges with q > 0; returns how many. */
static size_t parse_ranges(const char *h, struct lang_range *out, size_t max)
{
	size_t n = 0, order = 0;

	while (*h && n < max) {
		const char *item = h, *end = strchr(h, ','), *semi;
		size_t len;
		int q = 1000;

		if (!end)
			end = h + strlen(h);
		h = *end ? end + 1 : end;
		while (item < end && is_ows(*item))
			item++;
		semi = memchr(item, ';', (size_t)(end - item));
		len = (size_t)((semi ? semi : end) - item);
		while (len && is_ows(item[len - 1]))
			len--;
		if (semi) {
			const char *p = semi + 1, *pe = end;

			while (p < pe && is_ows(*p))
				p++;
			while (pe > p && is_ows(pe[-1]))
				pe--;
			q = parse_q(p, (size_t)(pe - p));
		}
		order++;
		if (q <= 0 || !range_ok(item, len))
			continue;
		out[n++] = (struct lang_range){ item, len, q, order };
	}
	return n;
}

static bool ieq_n(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* How well range r matches tag: 3 equal, 2 r is a prefix of tag, 1 tag is a prefix of r. */
static int match(const struct lang_range *r, const char *tag)
{
	size_t t = strlen(tag);

	if (t == r->len && ieq_n(tag, r->s, t))
		return 3;
	if (t > r->len && tag[r->len] == '-' && ieq_n(tag, r->s, r->len))
		return 2;
	if (r->len > t && r->s[t] == '-' && ieq_n(tag, r->s, t))
		return 1;
	return 0;
}

size_t lang_negotiate(const char *header, const char *const *available, size_t n, size_t fallback)
{
	struct lang_range r[LIMIT_ACCEPT_LANGUAGE_RANGES];
	size_t nr, i, j;

	if (!header || !available || n == 0)
		return fallback;
	nr = parse_ranges(header, r, LIMIT_ACCEPT_LANGUAGE_RANGES);
	/* Stable sort by falling q: equal q keeps the header's order. */
	for (i = 1; i < nr; i++) {
		struct lang_range x = r[i];

		for (j = i; j > 0 && r[j - 1].q < x.q; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	for (i = 0; i < nr; i++) {
		size_t best = SIZE_MAX;
		int best_m = 0;

		if (r[i].len == 1 && r[i].s[0] == '*')
			return fallback;
		for (j = 0; j < n; j++) {
			int m = available[j] ? match(&r[i], available[j]) : 0;

			if (m > best_m) {
				best_m = m;
				best = j;
			}
		}
		if (best != SIZE_MAX)
			return best;
	}
	return fallback;
}
