/* Unit tests: SQLSTATE mapping and problem bodies (problem.c). */
#include "tap.h"

#include <stdlib.h>

#include "../jsonv.h"
#include "../problem.h"

int
main(void)
{
	static const struct {
		const char *st;
		int status;
		const char *code;
	} map[] = {
		{"22P02", 400, "bad_request"}, {"28000", 401, "unauthorized"},
		{"28P01", 401, "invalid_credentials"}, {"42501", 403, "forbidden"},
		{"P0002", 404, "not_found"}, {"23505", 409, "conflict"},
		{"55000", 409, "conflict"}, {"JB412", 412, "precondition_failed"},
		{"JB415", 415, "unsupported_media_type"},
		{"22023", 422, "validation_failed"}, {"JB429", 429, "rate_limited"},
		{"53000", 503, "unavailable"}, {"53300", 503, "unavailable"},
		{"57P01", 503, "unavailable"}, {"57P03", 503, "unavailable"},
		{"08006", 503, "unavailable"}, {"08P01", 503, "unavailable"},
		{"XX000", 500, "internal"}, {"22012", 500, "internal"},
		{"42883", 500, "internal"}, {"P0001", 500, "internal"},
		{"", 500, "internal"}, {NULL, 500, "internal"}, {"2200", 500, "internal"},
	};
	char *b;
	size_t len;

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		struct problem_map m = problem_from_sqlstate(map[i].st);
		is_int(m.status, map[i].status, "%s -> %d", map[i].st ? map[i].st : "NULL",
		       map[i].status);
		is_str(m.code, map[i].code, "%s -> %s", map[i].st ? map[i].st : "NULL",
		       map[i].code);
	}
	ok(!problem_from_sqlstate("XX000").detail_from_db, "500 hides the message");
	ok(problem_from_sqlstate("P0002").detail_from_db, "404 shows the message");
	ok(problem_from_sqlstate("08006").unavailable, "08xxx is unavailability");

	is_str(problem_title(422), "Unprocessable Content", "title 422");
	is_str(problem_title(413), "Content Too Large", "title 413");
	is_str(problem_code(405), "method_not_allowed", "code 405");

	b = problem_body(404, NULL, "no such user", NULL, "rid1", &len);
	is_str(b, "{\"type\":\"about:blank\",\"title\":\"Not Found\",\"status\":404,"
	       "\"code\":\"not_found\",\"detail\":\"no such user\",\"request_id\":\"rid1\"}",
	       "404 body");
	ok(len == strlen(b), "length");
	free(b);
	b = problem_body(422, NULL, "1 field is invalid",
	                 "[{\"field\":\"email\",\"message\":\"bad\"}]", "r", &len);
	ok(strstr(b, "\"errors\":[{\"field\":\"email\",\"message\":\"bad\"}]") != NULL,
	   "422 carries errors");
	ok(jsonv_validate(b, len, NULL, 0) == 0, "422 body is valid JSON");
	free(b);
	b = problem_body(422, NULL, "x", "not json", "r", &len);
	ok(strstr(b, "\"errors\":[]") != NULL, "422 with a bad DETAIL gets []");
	free(b);
	b = problem_body(422, NULL, "x", "{\"a\":1}", "r", &len);
	ok(strstr(b, "\"errors\":[]") != NULL, "422 with a non-array DETAIL gets []");
	free(b);
	b = problem_body(400, NULL, "x", "[1]", "r", &len);
	ok(strstr(b, "errors") == NULL, "errors only on 422");
	free(b);
	b = problem_body(400, NULL, "say \"hi\"\n", NULL, NULL, &len);
	ok(strstr(b, "say \\\"hi\\\"\\n") != NULL && strstr(b, "request_id") == NULL,
	   "detail escaped; no request_id when none");
	ok(jsonv_validate(b, len, NULL, 0) == 0, "... valid JSON");
	free(b);
	b = problem_body(400, NULL, "bad \xff utf8", NULL, NULL, &len);
	ok(strstr(b, "\"detail\":\"Bad Request\"") != NULL, "invalid UTF-8 detail replaced");
	free(b);
	{
		const char f[2][64] = {"_a", "_b\"c"};
		b = problem_unknown_fields(f, 2);
		is_str(b, "[{\"field\":\"_a\",\"message\":\"unknown field\"},"
		       "{\"field\":\"_b\\\"c\",\"message\":\"unknown field\"}]", "unknown fields");
		free(b);
	}
	{
		const char f[2][64] = {"tags[2]", "_x"};
		const char *m[2] = {"must be an integer", "unknown field"};
		b = problem_fields(f, m, 2);
		is_str(b, "[{\"field\":\"tags[2]\",\"message\":\"must be an integer\"},"
		       "{\"field\":\"_x\",\"message\":\"unknown field\"}]", "fields and messages");
		free(b);
	}
	return tap_done();
}
