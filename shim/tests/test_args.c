/* Unit tests: query parsing and args assembly (args.c). */
#include "tap.h"

#include <stdlib.h>

#include "../args.h"
#include "../jsonv.h"
#include "../log.h"

static char *
query(const char *qs, struct args_error *e)
{
	struct args a;
	char *j;

	args_init(&a);
	args_error_init(e);
	if (args_add_query(&a, qs, strlen(qs), NULL, NULL, e)) {
		args_free(&a);
		return NULL;
	}
	j = args_to_json(&a, NULL);
	args_free(&a);
	return j;
}

int
main(void)
{
	struct args_error e;
	struct args a;
	struct jsonv_object body;
	struct route_match mm;
	char *j, *taken = NULL, err[100];
	struct buf b;

	log_init(LOG_FORMAT_TEXT, 2);

	j = query("a=1&b=x+y&c=%C3%A9&d", &e);
	is_str(j, "{\"a\":\"1\",\"b\":\"x y\",\"c\":\"\xc3\xa9\",\"d\":\"\"}", "plain query");
	free(j);
	j = query("tag=go&limit=5&tag=remote&tag=x%26y", &e);
	is_str(j, "{\"tag\":[\"go\",\"remote\",\"x&y\"],\"limit\":\"5\"}", "repeated key: array");
	free(j);
	j = query("&&a=1&", &e);
	is_str(j, "{\"a\":\"1\"}", "empty pairs skipped");
	free(j);
	j = query("q=%22quoted%22%5C", &e);
	is_str(j, "{\"q\":\"\\\"quoted\\\"\\\\\"}", "quotes and backslash escaped");
	free(j);
	j = query("q=a%2Bb=c", &e);
	is_str(j, "{\"q\":\"a+b=c\"}", "%%2B is a plus, later = is kept");
	free(j);
	ok(query("a=%ZZ", &e) == NULL && e.status == 400, "bad escape: 400");
	ok(query("a=%C3", &e) == NULL && e.status == 400, "invalid UTF-8: 400");
	ok(query("a=%00", &e) == NULL && e.status == 400, "NUL: 400");
	ok(query("a=%4", &e) == NULL && e.status == 400, "truncated escape: 400");
	ok(query("=1", &e) == NULL && e.status == 400, "no name: 400");
	j = query("_x=1&ok=2&_x=3", &e);
	is_str(j, "{\"ok\":\"2\"}", "_ keys are not passed on");
	is_int(e.nbad, 1, "... and reported once");
	is_str(e.bad[0], "_x", "... by name");
	free(j);

	/* take_key: ?access_token= on /events */
	args_init(&a);
	args_error_init(&e);
	is_int(args_add_query(&a, "access_token=t1&x=1", 19, "access_token", &taken, &e), 0,
	       "take_key");
	is_str(taken, "t1", "... token taken");
	ok(args_find(&a, "access_token", 12) == NULL, "... and not in args");
	free(taken);
	args_free(&a);

	/* path + query + body + headers */
	memset(&mm, 0, sizeof mm);
	mm.nparams = 2;
	mm.params[0].name = "id";
	mm.params[0].value = strdup("7");
	mm.params[0].numeric = true;
	mm.params[1].name = "name";
	mm.params[1].value = strdup("a\"b");
	args_init(&a);
	args_error_init(&e);
	is_int(args_add_path(&a, &mm, &e), 0, "path params");
	is_int(args_add_query(&a, "limit=5", 7, NULL, NULL, &e), 0, "query");
	is_int(jsonv_parse_object("{\"title\":\"x\",\"n\":1.50,\"_secret\":1,\"tags\":[1]}", 45,
	                          &body, err, sizeof err), 0, "body parses");
	is_int(args_add_body(&a, &body, &e), 0, "body members");
	is_int(e.nbad, 1, "_ key in body reported");
	is_int(args_add_string(&a, "_if_match", "\"abc\"", 5, ARGS_HEADER, &e), 0, "header key");
	j = args_to_json(&a, NULL);
	is_str(j, "{\"id\":7,\"name\":\"a\\\"b\",\"limit\":\"5\",\"title\":\"x\",\"n\":1.50,"
	       "\"tags\":[1],\"_if_match\":\"\\\"abc\\\"\"}", "merged args keep the body's text");
	free(j);
	jsonv_object_free(&body);
	args_free(&a);

	/* collisions */
	args_init(&a);
	args_error_init(&e);
	args_add_path(&a, &mm, &e);
	is_int(args_add_query(&a, "id=8", 4, NULL, NULL, &e), -1, "query key = path param: error");
	is_int(e.status, 400, "... 400");
	ok(strstr(e.detail, "'id'") != NULL, "... names the key");
	args_free(&a);

	args_init(&a);
	args_error_init(&e);
	args_add_query(&a, "title=a", 7, NULL, NULL, &e);
	jsonv_parse_object("{\"title\":\"b\"}", 13, &body, err, sizeof err);
	is_int(args_add_body(&a, &body, &e), -1, "body key = query key: error");
	is_int(e.status, 400, "... 400");
	jsonv_object_free(&body);
	args_free(&a);

	args_init(&a);
	args_error_init(&e);
	jsonv_parse_object("{\"name\":1}", 10, &body, err, sizeof err);
	args_add_path(&a, &mm, &e);
	is_int(args_add_body(&a, &body, &e), -1, "body key = path param: error");
	jsonv_object_free(&body);
	args_free(&a);
	route_match_clear(&mm);

	args_init(&a);
	j = args_to_json(&a, NULL);
	is_str(j, "{}", "empty args");
	free(j);

	buf_init(&b, 100);
	ok(args_pct_decode("a+b%20c", 7, false, &b) == 0 && strcmp(b.p, "a+b c") == 0,
	   "pct decode without plus-space");
	buf_free(&b);
	return tap_done();
}
