// SPDX-License-Identifier: GPL-2.0
/*
 * corral-jsoncheck - reads a file again and again and checks that every
 * read is one complete JSON document (RFC 8259 grammar, valid UTF-8) of
 * schema corral.sysinfo/v1. Runs inside the qemu guest, which has no
 * Python: the host-side tests check the schema itself.
 *
 *   corral-jsoncheck [--repeat N] [--allow-missing] [--expect-empty] FILE
 *
 * Reads use a different buffer size each time (1 byte up to 64 KiB), so
 * seq_file's partial-read paths are exercised. --allow-missing counts a
 * file that vanished (the module being unloaded) as skipped instead of
 * failed. --expect-empty also wants "containers":[]. Prints one summary
 * line; exits 1 on the first bad document, after printing it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPTH 64

struct parser {
	const unsigned char *s;
	size_t len, pos;
	const char *error;
};

static int parse_value(struct parser *p, int depth);

static int fail(struct parser *p, const char *what)
{
	if (!p->error)
		p->error = what;
	return -1;
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && strchr(" \t\r\n", p->s[p->pos]) && p->s[p->pos])
		p->pos++;
}

static int expect(struct parser *p, char c)
{
	skip_ws(p);
	if (p->pos >= p->len || p->s[p->pos] != (unsigned char)c)
		return fail(p, "unexpected character");
	p->pos++;
	return 0;
}

static int is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	       (c >= 'A' && c <= 'F');
}

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static size_t utf8_len(const unsigned char *s, size_t left)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		lo = s[0] == 0xe0 ? 0xa0 : 0x80;
		hi = s[0] == 0xed ? 0x9f : 0xbf;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		lo = s[0] == 0xf0 ? 0x90 : 0x80;
		hi = s[0] == 0xf4 ? 0x8f : 0xbf;
	} else {
		return 0;
	}
	if (left < n || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

static int parse_string(struct parser *p)
{
	if (expect(p, '"'))
		return -1;
	while (p->pos < p->len) {
		unsigned char c = p->s[p->pos];
		size_t n;

		if (c == '"') {
			p->pos++;
			return 0;
		}
		if (c < 0x20)
			return fail(p, "raw control character in string");
		if (c == '\\') {
			if (++p->pos >= p->len)
				break;
			c = p->s[p->pos++];
			if (c == 'u') {
				int i;

				for (i = 0; i < 4; i++, p->pos++)
					if (p->pos >= p->len || !is_hex(p->s[p->pos]))
						return fail(p, "bad \\u escape");
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return fail(p, "bad escape");
			}
			continue;
		}
		if (c < 0x80) {
			p->pos++;
			continue;
		}
		n = utf8_len(p->s + p->pos, p->len - p->pos);
		if (!n)
			return fail(p, "invalid UTF-8 in string");
		p->pos += n;
	}
	return fail(p, "unterminated string");
}

static int digits(struct parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9')
		p->pos++;
	return p->pos > start ? 0 : fail(p, "digit expected");
}

static int parse_number(struct parser *p)
{
	if (p->s[p->pos] == '-')
		p->pos++;
	if (p->pos < p->len && p->s[p->pos] == '0')
		p->pos++;
	else if (digits(p))
		return -1;
	if (p->pos < p->len && p->s[p->pos] == '.') {
		p->pos++;
		if (digits(p))
			return -1;
	}
	if (p->pos < p->len && (p->s[p->pos] == 'e' || p->s[p->pos] == 'E')) {
		p->pos++;
		if (p->pos < p->len && (p->s[p->pos] == '+' || p->s[p->pos] == '-'))
			p->pos++;
		if (digits(p))
			return -1;
	}
	return 0;
}

static int literal(struct parser *p, const char *word)
{
	size_t n = strlen(word);

	if (p->len - p->pos < n || memcmp(p->s + p->pos, word, n))
		return fail(p, "bad literal");
	p->pos += n;
	return 0;
}

static int parse_members(struct parser *p, int depth, int object)
{
	char close = object ? '}' : ']';

	p->pos++;
	skip_ws(p);
	if (p->pos < p->len && p->s[p->pos] == (unsigned char)close) {
		p->pos++;
		return 0;
	}
	for (;;) {
		if (object) {
			skip_ws(p);
			if (parse_string(p) || expect(p, ':'))
				return -1;
		}
		if (parse_value(p, depth + 1))
			return -1;
		skip_ws(p);
		if (p->pos >= p->len)
			return fail(p, "unterminated object or array");
		if (p->s[p->pos] == ',') {
			p->pos++;
			continue;
		}
		return expect(p, close);
	}
}

static int parse_value(struct parser *p, int depth)
{
	unsigned char c;

	if (depth > MAX_DEPTH)
		return fail(p, "nested too deep");
	skip_ws(p);
	if (p->pos >= p->len)
		return fail(p, "value expected");
	c = p->s[p->pos];
	if (c == '{' || c == '[')
		return parse_members(p, depth, c == '{');
	if (c == '"')
		return parse_string(p);
	if (c == '-' || (c >= '0' && c <= '9'))
		return parse_number(p);
	if (c == 't')
		return literal(p, "true");
	if (c == 'f')
		return literal(p, "false");
	if (c == 'n')
		return literal(p, "null");
	return fail(p, "value expected");
}

/* Returns NULL and sets errno when the file cannot be read. */
static unsigned char *slurp(const char *path, size_t chunk, size_t *len)
{
	size_t size = 65536, used = 0;
	unsigned char *buf = malloc(size);
	int fd = open(path, O_RDONLY);
	ssize_t n;

	if (!buf || fd < 0)
		goto fail;
	for (;;) {
		if (size - used < chunk) {
			unsigned char *bigger = realloc(buf, size * 2);

			if (!bigger)
				goto fail;
			buf = bigger;
			size *= 2;
		}
		n = read(fd, buf + used, chunk);
		if (n < 0)
			goto fail;
		if (n == 0)
			break;
		used += n;
	}
	close(fd);
	*len = used;
	return buf;
fail:
	n = errno;
	if (fd >= 0)
		close(fd);
	free(buf);
	errno = n;
	return NULL;
}

static const char *check(const unsigned char *doc, size_t len, int expect_empty,
			 size_t *where)
{
	struct parser p = { .s = doc, .len = len };

	if (memchr(doc, '\0', len))
		return "NUL byte in document";
	if (parse_value(&p, 0) == 0) {
		skip_ws(&p);
		if (p.pos != len)
			p.error = "trailing bytes after the document";
	}
	*where = p.pos;
	if (p.error)
		return p.error;
	if (len < 2 || doc[0] != '{')
		return "document is not an object";
	if (!strstr((const char *)doc, "\"schema\":\"corral.sysinfo/v1\""))
		return "no \"schema\":\"corral.sysinfo/v1\"";
	if (expect_empty && !strstr((const char *)doc, "\"containers\":[]"))
		return "containers expected empty";
	return NULL;
}

int main(int argc, char **argv)
{
	static const size_t chunks[] = { 65536, 4096, 1000, 4097, 131072, 512 };
	int repeat = 1, allow_missing = 0, expect_empty = 0, i, argi;
	int valid = 0, missing = 0;
	const char *path = NULL;

	for (argi = 1; argi < argc; argi++) {
		if (!strcmp(argv[argi], "--repeat") && argi + 1 < argc)
			repeat = atoi(argv[++argi]);
		else if (!strcmp(argv[argi], "--allow-missing"))
			allow_missing = 1;
		else if (!strcmp(argv[argi], "--expect-empty"))
			expect_empty = 1;
		else if (argv[argi][0] != '-' && !path)
			path = argv[argi];
		else
			path = NULL, argi = argc;
	}
	if (!path || repeat < 1) {
		fprintf(stderr, "usage: corral-jsoncheck [--repeat N] [--allow-missing] [--expect-empty] FILE\n");
		return 2;
	}

	for (i = 0; i < repeat; i++) {
		/* every 100th read goes one byte at a time */
		size_t chunk = i % 100 == 99 ? 1 : chunks[i % 6];
		size_t len = 0, where = 0;
		unsigned char *doc = slurp(path, chunk, &len);
		const char *err;

		if (!doc) {
			if (allow_missing && (errno == ENOENT || errno == EIO)) {
				missing++;
				continue;
			}
			printf("corral-jsoncheck: FAIL %s read %d: %s\n", path, i + 1,
			       strerror(errno));
			return 1;
		}
		err = check(doc, len, expect_empty, &where);
		if (err) {
			printf("corral-jsoncheck: FAIL %s read %d (%zu bytes, chunk %zu): %s at byte %zu\n",
			       path, i + 1, len, chunk, err, where);
			printf("==== CORRAL BEGIN bad-document ====\n");
			fwrite(doc, 1, len, stdout);
			printf("\n==== CORRAL END bad-document ====\n");
			free(doc);
			return 1;
		}
		free(doc);
		valid++;
	}
	printf("corral-jsoncheck: %s: %d valid, %d missing of %d reads\n", path,
	       valid, missing, repeat);
	return 0;
}
