/* Unit tests: request ids, Authorization, JWT sub, ETags, Location, Link. */
#include "tap.h"

#include <stdlib.h>

#include <sodium.h>

#include "../auth.h"
#include "../call.h"
#include "../etag.h"
#include "../reqid.h"

int
main(void)
{
	char tok[AUTH_MAX_TOKEN], id[33], id2[33], sub[72], tag[ETAG_LEN + 1], *s;
	char long_id[200];

	if (sodium_init() < 0)
		return 1;

	ok(reqid_valid("abc-123_X.y:z"), "reqid: allowed characters");
	ok(!reqid_valid(""), "reqid: empty refused");
	ok(!reqid_valid(NULL), "reqid: none refused");
	ok(!reqid_valid("a b"), "reqid: space refused");
	ok(!reqid_valid("a/b"), "reqid: slash refused");
	ok(!reqid_valid("caf\xc3\xa9"), "reqid: non-ASCII refused");
	memset(long_id, 'a', 128);
	long_id[128] = '\0';
	ok(reqid_valid(long_id), "reqid: 128 characters kept");
	long_id[128] = 'a';
	long_id[129] = '\0';
	ok(!reqid_valid(long_id), "reqid: 129 characters refused");
	reqid_generate(id);
	reqid_generate(id2);
	ok(strlen(id) == 32 && reqid_valid(id), "generated id is 32 hex and valid");
	ok(strcmp(id, id2) != 0, "generated ids differ");

	is_int(auth_parse_header(NULL, tok, sizeof tok), AUTH_NONE, "no header");
	is_int(auth_parse_header("Bearer abc.def-_~+/=", tok, sizeof tok), AUTH_BEARER, "bearer");
	is_str(tok, "abc.def-_~+/=", "... token");
	is_int(auth_parse_header("bEaReR   x  ", tok, sizeof tok), AUTH_BEARER,
	       "scheme case-insensitive, spaces trimmed");
	is_str(tok, "x", "... token x");
	is_int(auth_parse_header("Bearer", tok, sizeof tok), AUTH_MALFORMED, "no token");
	is_int(auth_parse_header("Bearer ", tok, sizeof tok), AUTH_MALFORMED, "empty token");
	is_int(auth_parse_header("Basic dXNlcjpwdw==", tok, sizeof tok), AUTH_MALFORMED, "Basic");
	is_int(auth_parse_header("Bearer a b", tok, sizeof tok), AUTH_MALFORMED, "two tokens");
	is_int(auth_parse_header("Bearer a=b", tok, sizeof tok), AUTH_MALFORMED, "= inside");
	is_int(auth_parse_header("Bearerx", tok, sizeof tok), AUTH_MALFORMED, "no space");
	is_int(auth_parse_header("", tok, sizeof tok), AUTH_MALFORMED, "empty header");

	/* {"sub":"42","name":"x"} and {"sub":7} */
	auth_jwt_sub("h.eyJzdWIiOiI0MiIsIm5hbWUiOiJ4In0.s", sub, sizeof sub);
	is_str(sub, "42", "jwt sub string");
	auth_jwt_sub("h.eyJzdWIiOjd9.s", sub, sizeof sub);
	is_str(sub, "7", "jwt sub number");
	auth_jwt_sub("h.!!!.s", sub, sizeof sub);
	is_str(sub, "", "bad base64: no sub");
	auth_jwt_sub("opaque", sub, sizeof sub);
	is_str(sub, "", "not a JWT: no sub");
	auth_jwt_sub("h.eyJhIjoxfQ.s", sub, sizeof sub);
	is_str(sub, "", "no sub claim");

	etag_compute("{}", 2, tag);
	/* sha256("{}") = 44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a */
	is_str(tag, "\"44136fa355b3678a1146ad16f7e8649e\"", "etag of {}");
	{
		/* FIPS 180-2 vectors: the first 128 bits of SHA-256 */
		static char million[1000000];

		etag_compute("abc", 3, tag);
		is_str(tag, "\"ba7816bf8f01cfea414140de5dae2223\"", "etag of abc (SHA-256 vector)");
		etag_compute("", 0, tag);
		is_str(tag, "\"e3b0c44298fc1c149afbf4c8996fb924\"", "etag of the empty text");
		etag_compute("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 56, tag);
		is_str(tag, "\"248d6a61d20638b8e5c026930c3e6039\"", "etag of two blocks");
		memset(million, 'a', sizeof million);
		etag_compute(million, sizeof million, tag);
		is_str(tag, "\"cdc76e5c9914fb9281a1c7e284d73e67\"", "etag of a million a");
		etag_compute("{}", 2, tag);
	}
	ok(etag_none_match(tag, tag), "INM exact");
	ok(etag_none_match("W/\"44136fa355b3678a1146ad16f7e8649e\"", tag), "INM weak");
	ok(etag_none_match("\"x\", \"44136fa355b3678a1146ad16f7e8649e\"", tag), "INM list");
	ok(etag_none_match("*", tag), "INM *");
	ok(!etag_none_match("\"44136fa355b3678a1146ad16f7e8649f\"", tag), "INM other");
	ok(!etag_none_match(NULL, tag), "no INM");
	ok(!etag_none_match("\"44136fa3", tag), "unterminated INM");

	s = call_location("/jobs/{id}", "{\"id\": 12, \"title\": \"x\"}");
	is_str(s, "/jobs/12", "location from id");
	free(s);
	s = call_location("/u/{user.id}/r/{name}", "{\"user\": {\"id\": 3}, \"name\": \"a b/c\"}");
	is_str(s, "/u/3/r/a%20b%2Fc", "location from a dotted path, encoded");
	free(s);
	ok(call_location("/jobs/{id}", "{\"x\": 1}") == NULL, "location member missing");
	ok(call_location("/jobs/{id}", "not json") == NULL, "location from bad JSON");
	ok(call_location("/jobs/{id", "{\"id\": 1}") == NULL, "unterminated template");

	s = call_next_link("/jobs", "q=a+b&cursor=old&limit=5&page=2", 31, "c/+=", 4);
	is_str(s, "</jobs?q=a+b&limit=5&cursor=c%2F%2B%3D>; rel=\"next\"", "link replaces cursor");
	free(s);
	s = call_next_link("/jobs", NULL, 0, "abcdef", 3);
	is_str(s, "</jobs?cursor=abc>; rel=\"next\"", "link without query, cursor of n bytes");
	free(s);
	s = call_next_link("/jobs", "cursor=x", 8, "y", 1);
	is_str(s, "</jobs?cursor=y>; rel=\"next\"", "link with only a cursor");
	free(s);

	{
		struct { const char *body, *want, *name; } nc[] = {
			{"{\"data\": [{\"id\": 1}], \"total\": 7, \"next_cursor\": \"eyJh-_b.Zm9v\"}",
			 "eyJh-_b.Zm9v", "a cursor"},
			{"{\"data\": [], \"next_cursor\":\"abc\" }\n", "abc", "a cursor, other spacing"},
			{"{\"next_cursor\": \"only\"}", "only", "the only member"},
			{"{\"data\": [{\"id\": 1}], \"next_cursor\": null}", NULL, "null"},
			{"{\"data\": [{\"id\": 1}], \"next_cursor\": \"a\\\"b\"}", NULL,
			 "an escaped quote is no cursor"},
			{"{\"id\": 3, \"title\": \"next_cursor\"}", NULL, "not a list: a value"},
			{"{\"id\": 3, \"next_cursor\": \"x\", \"description_md\": \"y\"}", NULL,
			 "not a list: next_cursor not last"},
			{"{\"data\": [{\"t\": \"x\\\", \\\"next_cursor\\\": \\\"evil\"}]}", NULL,
			 "not a list: the text inside the last item's string"},
			{"{\"data\": [{\"t\": \"\\\"next_cursor\\\": \\\"evil\\\"}\"}], "
			 "\"next_cursor\": \"good\"}", "good", "items holding next_cursor text: the real one"},
			{"{\"data\": [{\"t\": \"\\\"next_cursor\\\": \\\"evil\\\"}\"}], "
			 "\"next_cursor\": null}", NULL, "items holding next_cursor text, null cursor"},
			{"{\"a\": \"x\\\"next_cursor\\\": \\\"evil\"}", NULL,
			 "a string that ends in next_cursor text"},
			{"[\"next_cursor\", \"x\"]", NULL, "an array"},
			{"null", NULL, "null body"},
			{"", NULL, "empty"},
			{"\"}", NULL, "a lone quote"},
			{"\"x\"}", NULL, "no key"},
		};
		for (size_t i = 0; i < sizeof nc / sizeof nc[0]; i++) {
			size_t n = 0;
			const char *c = call_next_cursor(nc[i].body, strlen(nc[i].body), &n);
			char got[64];

			snprintf(got, sizeof got, "%.*s", c ? (int) n : 0, c ? c : "");
			is_str(c ? got : NULL, nc[i].want, "next_cursor: %s", nc[i].name);
		}
	}
	{
		size_t n;
		const char *sh = "[{\"field\":\"salary_max\",\"message\":\"must be an integer\"}]";

		s = call_merge_errors("[{\"field\":\"salary_min\",\"message\":\"must be at least 0\"},"
		                      "{\"field\":\"salary_max\",\"message\":\"x\"}]", sh, &n);
		is_str(s, "[{\"field\":\"salary_min\",\"message\":\"must be at least 0\"},"
		       "{\"field\":\"salary_max\",\"message\":\"x\"}]",
		       "errors merged, the database's entry wins for a field both name");
		is_int((int) n, 2, "... two entries");
		free(s);
		s = call_merge_errors("[{\"field\":\"title\",\"message\":\"t\"}]", sh, &n);
		is_str(s, "[{\"field\":\"title\",\"message\":\"t\"},"
		       "{\"field\":\"salary_max\",\"message\":\"must be an integer\"}]",
		       "a field only the shim names is added");
		free(s);
		s = call_merge_errors(NULL, sh, &n);
		is_str(s, sh, "no database errors: the shim's");
		is_int((int) n, 1, "... one entry");
		free(s);
		s = call_merge_errors("not json", sh, &n);
		is_str(s, sh, "a database detail that is no array is ignored");
		free(s);
	}
	return tap_done();
}
