/* Unit tests: strict JSON validation (jsonv.c). */
#include "tap.h"

#include "../jsonv.h"

static int
valid(const char *s)
{
	char err[128];

	return jsonv_validate(s, strlen(s), err, sizeof err) == 0;
}

static int
object_n(const char *s, size_t n, struct jsonv_object *o)
{
	char err[128];

	return jsonv_parse_object(s, n, o, err, sizeof err);
}

#define object(s, n, o) object_n((s), strlen(s), (o))

int
main(void)
{
	struct jsonv_object o;
	static const char *good[] = {
		"{}", "[]", "0", "-0", "1.5e10", "1E-2", "\"x\"", "true", "null",
		" {\"a\" : [1, 2, {\"b\": null}] } ", "\"\\u00e9\\ud83d\\ude00\\/\\n\"",
		"123456789012345678901234567890", "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"",
		NULL};
	static const char *bad[] = {
		"", "{", "{\"a\":1,}", "[1,]", "{'a':1}", "{\"a\":NaN}", "01", "1.", ".5",
		"1e", "+1", "{\"a\":1} x", "{\"a\":1}{", "\"\t\"", "\"\\x\"", "\"\\u12\"",
		"\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"\\u0000\"",
		"\"\xc3\x28\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"",
		"\"\xe2\x82\"", "tru", "nul", "{\"a\" 1}", "{1:2}", "[1 2]", "\"abc",
		NULL};

	for (int i = 0; good[i]; i++)
		ok(valid(good[i]), "valid: %s", good[i]);
	for (int i = 0; bad[i]; i++)
		ok(!valid(bad[i]), "invalid: %s", bad[i]);

	{
		char deep[600];
		memset(deep, '[', 300);
		memset(deep + 300, ']', 300);
		ok(jsonv_validate(deep, 600, NULL, 0) != 0, "nesting beyond the limit refused");
	}

	is_int(object("\xef\xbb\xbf{\"a\":1}", 10, &o), 0, "BOM is skipped");
	jsonv_object_free(&o);
	is_int(object("[1]", 3, &o), -1, "top level must be an object");
	is_int(object("  ", 2, &o), -1, "empty body refused");
	is_int(object("{\"a\":1,\"a\":2}", 13, &o), -1, "duplicate key refused");
	is_int(object("{\"a\":1,\"\\u0061\":2}", 18, &o), -1, "duplicate key after decoding refused");
	is_int(object("{\"k\\u00e9y\": [1, {\"x\": 2}] , \"n\":-1.50e3}", 40, &o), 0,
	       "object splits");
	is_int(o.n, 2, "... two members");
	is_str(o.m[0].key, "k\xc3\xa9y", "... key decoded");
	ok(o.m[0].val_len == 13 && memcmp(o.m[0].val, "[1, {\"x\": 2}]", 13) == 0,
	   "... value span is the raw text");
	ok(o.m[1].val_len == 7 && memcmp(o.m[1].val, "-1.50e3", 7) == 0, "... number text kept");
	jsonv_object_free(&o);
	is_int(object("{\"a\":1}", 7, &o), 0, "NUL-free input without terminator");
	jsonv_object_free(&o);

	{
		static const struct { const char *val, *path; } cases[] = {
			{"100000", NULL}, {"-0", NULL}, {"\"1.5e3\"", NULL}, {"[1, 2, null]", NULL},
			{"{\"a.b\": \"e\", \"c\": [true, false]}", NULL},
			{"1e5", "n"}, {"1E2", "n"}, {"100000.0", "n"}, {"-0.0", "n"}, {"2e-1", "n"},
			{"[1, \"x.y\", 3.5]", "n[2]"}, {" [ [1], [2, 3e0] ] ", "n[1][1]"},
			{"{\"k\u00e9\": {\"x\": [0, 1.0]}}", "n.k\xc3\xa9.x[1]"},
			{"{\"a\": \"1.5\", \"b\": 7, \"c\": 1e1}", "n.c"},
		};
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			char path[64] = "";
			int f = jsonv_find_nonint(cases[i].val, strlen(cases[i].val), "n", path,
			                          sizeof path);
			if (cases[i].path) {
				is_int(f, 1, "%s", cases[i].val);
				is_str(path, cases[i].path, "... named by its path");
			} else
				is_int(f, 0, "%s", cases[i].val);
		}
		{
			char path[8];
			is_int(jsonv_find_nonint("{\"abcdefgh\": 1.5}", 17, "n", path, sizeof path), 1,
			       "a long path ...");
			is_str(path, "n.abcde", "... is cut to fit");
		}
	}

	ok(jsonv_utf8_check("abc\xc3\xa9", 5, true) == 0, "utf8: valid");
	ok(jsonv_utf8_check("a\0b", 3, true) != 0, "utf8: NUL refused when asked");
	ok(jsonv_utf8_check("a\0b", 3, false) == 0, "utf8: NUL allowed otherwise");
	ok(jsonv_utf8_check("\xff", 1, false) != 0, "utf8: 0xff refused");
	return tap_done();
}
