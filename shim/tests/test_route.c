/* Unit tests: route table parsing and path matching (route.c). */
#include "tap.h"

#include <stdlib.h>

#include "../log.h"
#include "../route.h"

static const char *routes_json =
	"["
	"{\"method\":\"GET\",\"path\":\"/users/{id}\",\"function\":\"user_get\",\"status\":200,"
	" \"read_only\":true,\"cacheable\":false,\"body\":\"none\",\"location\":null,\"cookie\":null},"
	"{\"method\":\"PATCH\",\"path\":\"/users/{id}\",\"function\":\"user_update\",\"body\":\"json\"},"
	"{\"method\":\"DELETE\",\"path\":\"/users/{id}\",\"function\":\"user_delete\",\"status\":204},"
	"{\"method\":\"GET\",\"path\":\"/users\",\"function\":\"users_list\",\"cacheable\":true},"
	"{\"method\":\"POST\",\"path\":\"/jobs\",\"function\":\"job_create\",\"status\":201,"
	" \"body\":\"json\",\"location\":\"/jobs/{id}\"},"
	"{\"method\":\"GET\",\"path\":\"/jobs/new\",\"function\":\"jobs_new\"},"
	"{\"method\":\"GET\",\"path\":\"/jobs/{id}\",\"function\":\"job_get\"},"
	"{\"method\":\"GET\",\"path\":\"/roles/{name}\",\"function\":\"role_get\"},"
	"{\"method\":\"DELETE\",\"path\":\"/companies/{id}/members/{user_id}\",\"function\":\"company_member_remove\",\"status\":204},"
	"{\"method\":\"POST\",\"path\":\"/auth/login\",\"function\":\"login\",\"body\":\"json\",\"cookie\":\"refresh_token\"},"
	"{\"method\":\"GET\",\"path\":\"/bad\",\"function\":\"Robert'); DROP TABLE x;--\"},"
	"{\"method\":\"TRACE\",\"path\":\"/x\",\"function\":\"x\"},"
	"{\"method\":\"GET\",\"path\":\"no-slash\",\"function\":\"x\"},"
	"{\"method\":\"GET\",\"path\":\"/users/{id}\",\"function\":\"dup\"},"
	"7"
	"]";

static enum route_result
m(const struct route_table *t, const char *method, const char *path,
  struct route_match *mm)
{
	route_match_clear(mm);
	return route_match(t, method, path, strlen(path), mm);
}

int
main(void)
{
	struct route_table *t = NULL;
	struct route_match mm;
	char err[200], segs[16][256];

	log_init(LOG_FORMAT_TEXT, 2);   /* warnings about skipped routes to stderr */
	memset(&mm, 0, sizeof mm);

	is_int(route_table_parse("{}", &t, err, sizeof err), -1, "a non-array is refused");
	is_int(route_table_parse(routes_json, &t, err, sizeof err), 0, "route table parses");
	is_int(t->n, 10, "bad, unknown-method, relative and duplicate routes are skipped");

	is_int(m(t, "GET", "/users/42", &mm), ROUTE_FOUND, "GET /users/42 matches");
	is_str(mm.route->function, "user_get", "... user_get");
	is_int(mm.nparams, 1, "... one param");
	is_str(mm.params[0].name, "id", "... named id");
	is_str(mm.params[0].value, "42", "... value 42");
	ok(mm.params[0].numeric, "... numeric");
	ok(mm.route->single, "... a single resource (ETag)");

	is_int(m(t, "HEAD", "/users/42", &mm), ROUTE_FOUND, "HEAD matches a GET route");
	is_int(m(t, "POST", "/users/42", &mm), ROUTE_BAD_METHOD, "POST /users/42 is 405");
	is_str(mm.allow, "GET, HEAD, PATCH, DELETE, OPTIONS", "Allow lists the methods");
	is_int(m(t, "GET", "/users/0", &mm), ROUTE_NOT_FOUND, "id 0 does not match");
	is_int(m(t, "GET", "/users/007", &mm), ROUTE_NOT_FOUND, "leading zeros do not match");
	is_int(m(t, "GET", "/users/-1", &mm), ROUTE_NOT_FOUND, "negative id does not match");
	is_int(m(t, "GET", "/users/abc", &mm), ROUTE_NOT_FOUND, "non-numeric id does not match");
	is_int(m(t, "GET", "/users/9007199254740992", &mm), ROUTE_FOUND, "2^53 matches");
	is_int(m(t, "GET", "/users/9007199254740993", &mm), ROUTE_NOT_FOUND, "2^53+1 does not");
	is_int(m(t, "GET", "/users/%34%32", &mm), ROUTE_FOUND, "percent-encoded digits match");
	is_str(mm.params[0].value, "42", "... decoded");
	is_int(m(t, "GET", "/users/", &mm), ROUTE_NOT_FOUND, "trailing slash does not match");
	is_int(m(t, "GET", "/users//1", &mm), ROUTE_NOT_FOUND, "empty segment does not match");
	is_int(m(t, "GET", "/users/./1", &mm), ROUTE_NOT_FOUND, ". segment: 404");
	is_int(m(t, "GET", "/users/1/..", &mm), ROUTE_NOT_FOUND, ".. segment: 404");
	is_int(m(t, "GET", "/x/../users/1", &mm), ROUTE_NOT_FOUND, ".. in the middle: 404");
	is_int(m(t, "GET", "/users/%2e%2E/1", &mm), ROUTE_NOT_FOUND, "encoded ..: 404");
	is_int(m(t, "GET", "/roles/a%2Fb", &mm), ROUTE_NOT_FOUND, "encoded slash: 404");
	is_int(m(t, "GET", "/roles/a%2fb", &mm), ROUTE_NOT_FOUND, "encoded slash (lower): 404");
	is_int(m(t, "GET", "/roles/a%00b", &mm), ROUTE_NOT_FOUND, "encoded NUL: 404");
	is_int(m(t, "GET", "/roles/a%zz", &mm), ROUTE_NOT_FOUND, "bad escape: 404");
	is_int(m(t, "GET", "/roles/a%2", &mm), ROUTE_NOT_FOUND, "truncated escape: 404");
	is_int(m(t, "GET", "/roles/%C3%28", &mm), ROUTE_NOT_FOUND, "invalid UTF-8: 404");
	is_int(m(t, "GET", "/roles/a#b", &mm), ROUTE_NOT_FOUND, "fragment: 404");
	is_int(m(t, "GET", "/roles/caf%C3%A9%20x", &mm), ROUTE_FOUND, "string param decoded");
	is_str(mm.params[0].value, "caf\xc3\xa9 x", "... to UTF-8");
	ok(!mm.params[0].numeric, "... as a string");
	is_int(m(t, "GET", "/jobs/new", &mm), ROUTE_FOUND, "literal beats param");
	is_str(mm.route->function, "jobs_new", "... jobs_new");
	is_int(m(t, "GET", "/jobs/7", &mm), ROUTE_FOUND, "param still matches");
	is_str(mm.route->function, "job_get", "... job_get");
	is_int(m(t, "DELETE", "/companies/3/members/9", &mm), ROUTE_FOUND, "two params");
	is_int(mm.nparams, 2, "... both extracted");
	is_str(mm.params[1].name, "user_id", "... user_id");
	ok(mm.params[1].numeric, "... *_id is numeric");
	is_int(m(t, "DELETE", "/companies/3/members/x", &mm), ROUTE_NOT_FOUND, "*_id must be numeric");
	is_int(m(t, "POST", "/jobs", &mm), ROUTE_FOUND, "POST /jobs");
	is_int(mm.route->status, 201, "... 201");
	is_str(mm.route->location, "/jobs/{id}", "... location template");
	ok(mm.route->body == ROUTE_BODY_JSON, "... json body");
	is_int(m(t, "POST", "/auth/login", &mm), ROUTE_FOUND, "POST /auth/login");
	ok(mm.route->is_auth, "... is an auth route");
	is_str(mm.route->cookie, "refresh_token", "... cookie key");
	is_int(m(t, "GET", "/users", &mm), ROUTE_FOUND, "GET /users");
	ok(mm.route->cacheable && !mm.route->single, "... cacheable collection");
	is_int(m(t, "GET", "/", &mm), ROUTE_NOT_FOUND, "/ matches nothing");
	is_int(m(t, "GET", "", &mm), ROUTE_NOT_FOUND, "empty path matches nothing");
	is_int(m(t, "GET", "users/1", &mm), ROUTE_NOT_FOUND, "relative path matches nothing");
	is_int(m(t, "OPTIONS", "/users", &mm), ROUTE_BAD_METHOD, "OPTIONS on a known path: Allow");
	is_str(mm.allow, "GET, HEAD, OPTIONS", "... GET, HEAD, OPTIONS");

	is_int(route_split_path("/a/b", 4, segs, 16), 2, "split: two segments");
	is_int(route_split_path("/", 1, segs, 16), 0, "split: root");
	is_int(route_split_path("/a/b/c", 6, segs, 2), -1, "split: too many segments");

	route_match_clear(&mm);
	route_install(t);
	{
		struct route_table *cur = route_current();
		ok(cur == t && cur->gen >= 1, "installed table is current with a generation");
		route_put(cur);
	}
	route_uninstall();
	ok(route_current() == NULL, "uninstalled");

	/* kinds (docs/INTERFACE.md "Calls") */
	{
		static const char *kinds_json =
			"[{\"method\":\"POST\",\"path\":\"/files\",\"function\":\"file_create\","
			"  \"body\":\"multipart\",\"kind\":\"upload\"},"
			" {\"method\":\"GET\",\"path\":\"/files/{id}\",\"function\":\"file_get\","
			"  \"kind\":\"download\"},"
			" {\"method\":\"GET\",\"path\":\"/events\",\"function\":\"events\",\"kind\":\"stream\"},"
			" {\"method\":\"GET\",\"path\":\"/me\",\"function\":\"me\"},"
			" {\"method\":\"GET\",\"path\":\"/x\",\"function\":\"x\",\"kind\":\"socket\"},"
			" {\"method\":\"POST\",\"path\":\"/y\",\"function\":\"y\",\"kind\":\"upload\"},"
			" {\"method\":\"POST\",\"path\":\"/z\",\"function\":\"z\",\"body\":\"multipart\"},"
			" {\"method\":\"DELETE\",\"path\":\"/w\",\"function\":\"w\",\"kind\":\"download\"}]";
		struct route_table *k = NULL;

		is_int(route_table_parse(kinds_json, &k, err, sizeof err), 0, "kinds parse");
		is_int(k->n, 4, "unknown kind, upload without multipart (and back), non-GET download skipped");
		is_int(m(k, "POST", "/files", &mm), ROUTE_FOUND, "POST /files");
		ok(mm.route->kind == ROUTE_KIND_UPLOAD, "... kind upload");
		is_int(m(k, "GET", "/files/3", &mm), ROUTE_FOUND, "GET /files/3");
		ok(mm.route->kind == ROUTE_KIND_DOWNLOAD, "... kind download");
		is_int(m(k, "GET", "/events", &mm), ROUTE_FOUND, "GET /events");
		ok(mm.route->kind == ROUTE_KIND_STREAM, "... kind stream");
		is_int(m(k, "GET", "/me", &mm), ROUTE_FOUND, "GET /me");
		ok(mm.route->kind == ROUTE_KIND_JSON, "... no kind is json");
		route_match_clear(&mm);
		route_table_free(k);
	}
	return tap_done();
}
