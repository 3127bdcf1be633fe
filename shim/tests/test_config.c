/* Unit tests: configuration and the .env reader (config.c). */
#include "tap.h"

#include <stdlib.h>
#include <fcntl.h>
#include <unistd.h>

#include "../config.h"

struct kv {
	char key[64];
	char val[256];
	int line;
};
static struct kv seen[16];
static int nseen;

static int
collect(const char *key, const char *value, int line, void *arg, char *err, size_t errlen)
{
	(void) arg;
	if (strcmp(key, "FAIL") == 0) {
		snprintf(err, errlen, "FAIL: refused");
		return -1;
	}
	if (nseen < 16) {
		snprintf(seen[nseen].key, sizeof seen[nseen].key, "%s", key);
		snprintf(seen[nseen].val, sizeof seen[nseen].val, "%s", value);
		seen[nseen].line = line;
		nseen++;
	}
	return 0;
}

static int
dotenv(const char *text, char *err, size_t errlen)
{
	nseen = 0;
	return config_parse_dotenv(text, strlen(text), collect, NULL, err, errlen);
}

static const char *fake_env[][2] = {
	{"JOBBOARD_POOL_SIZE", "7"},
	{"JOBBOARD_LOG_FORMAT", "text"},
	{NULL, NULL},
};

static char *
fake_getenv(const char *name)
{
	for (int i = 0; fake_env[i][0]; i++)
		if (strcmp(fake_env[i][0], name) == 0)
			return (char *) fake_env[i][1];
	return NULL;
}

static char *
bad_getenv(const char *name)
{
	if (strcmp(name, "JOBBOARD_LOG_FORMAT") == 0)
		return (char *) "json";
	return strcmp(name, "JOBBOARD_THREADS") == 0 ? (char *) "many" : NULL;
}

int
main(void)
{
	struct config c;
	char err[512];
	char path[] = "/tmp/jobboard-test-env-XXXXXX";
	int fd;

	config_defaults(&c, 4);
	is_str(c.database_url, "dbname=jobboard", "default database URL");
	is_str(c.listen, "127.0.0.1:8080", "default listen");
	is_int(c.pool_size, 8, "default pool = 2 x cores");
	is_int(c.threads, 4, "default threads = cores");
	is_int(c.rate_limit, 50, "default rate limit");
	is_int(c.auth_rate_limit, 20, "default auth rate limit");
	is_int(c.max_body, 1048576, "default max body");
	is_int(c.max_upload, 10485760, "default max upload");
	is_int(c.pool_wait_ms, 5000, "default pool wait");
	is_int(c.read_timeout_ms, 30000, "default read timeout");
	is_int(c.idle_timeout_ms, 60000, "default idle timeout");
	ok(c.log_format == LOG_FORMAT_JSON && !c.hsts && !c.trust_proxy && !c.replica_url,
	   "other defaults");

	is_int(config_set(&c, "JOBBOARD_POOL_SIZE", "12", err, sizeof err), CONFIG_OK, "pool 12");
	is_int(c.pool_size, 12, "... set");
	is_int(config_set(&c, "JOBBOARD_POOL_SIZE", "0", err, sizeof err), CONFIG_ERR, "pool 0 refused");
	ok(strstr(err, "JOBBOARD_POOL_SIZE") && strstr(err, "1..1000"), "... message names it and the range");
	is_int(config_set(&c, "JOBBOARD_POOL_SIZE", "12x", err, sizeof err), CONFIG_ERR, "12x refused");
	is_int(config_set(&c, "JOBBOARD_POOL_SIZE", "", err, sizeof err), CONFIG_ERR, "empty refused");
	is_int(config_set(&c, "JOBBOARD_POOL_SIZE", " 3", err, sizeof err), CONFIG_ERR, "space refused");
	is_int(config_set(&c, "JOBBOARD_RATE_LIMIT", "0", err, sizeof err), CONFIG_OK, "rate 0 = off");
	is_int(config_set(&c, "JOBBOARD_MAX_BODY", "2m", err, sizeof err), CONFIG_OK, "2m");
	is_int(c.max_body, 2097152, "... 2 MiB");
	is_int(config_set(&c, "JOBBOARD_MAX_BODY", "512KiB", err, sizeof err), CONFIG_OK, "512KiB");
	is_int(c.max_body, 524288, "... 512 KiB");
	is_int(config_set(&c, "JOBBOARD_MAX_BODY", "1g", err, sizeof err), CONFIG_ERR, "1g refused");
	is_int(config_set(&c, "JOBBOARD_MAX_BODY", "-1", err, sizeof err), CONFIG_ERR, "-1 refused");
	is_int(config_set(&c, "JOBBOARD_HSTS", "1", err, sizeof err), CONFIG_OK, "hsts 1");
	ok(c.hsts, "... on");
	is_int(config_set(&c, "JOBBOARD_TRUST_PROXY", "maybe", err, sizeof err), CONFIG_ERR,
	       "bool refused");
	is_int(config_set(&c, "JOBBOARD_LOG_FORMAT", "xml", err, sizeof err), CONFIG_ERR, "xml refused");
	is_int(config_set(&c, "JOBBOARD_LISTEN", "0.0.0.0:80", err, sizeof err), CONFIG_OK, "listen v4");
	is_int(config_set(&c, "JOBBOARD_LISTEN", "[::1]:8080", err, sizeof err), CONFIG_OK, "listen v6");
	is_int(config_set(&c, "JOBBOARD_LISTEN", ":8080", err, sizeof err), CONFIG_OK, "listen any");
	is_int(config_set(&c, "JOBBOARD_LISTEN", "localhost", err, sizeof err), CONFIG_ERR, "no port");
	is_int(config_set(&c, "JOBBOARD_LISTEN", "h:70000", err, sizeof err), CONFIG_ERR, "port range");
	is_int(config_set(&c, "JOBBOARD_LISTEN", "::1:80", err, sizeof err), CONFIG_ERR,
	       "bare v6 refused");
	is_int(config_set(&c, "JOBBOARD_CORS_ORIGINS",
	                  " https://a.example.com, http://localhost:3000 ,", err, sizeof err),
	       CONFIG_OK, "cors list");
	is_int(c.n_cors, 2, "... two origins");
	ok(config_cors_allowed(&c, "http://localhost:3000"), "... listed origin allowed");
	ok(!config_cors_allowed(&c, "http://localhost:3001"), "... other origin not");
	is_int(config_set(&c, "JOBBOARD_CORS_ORIGINS", "https://a.example.com/path", err, sizeof err),
	       CONFIG_ERR, "origin with a path refused");
	is_int(config_set(&c, "JOBBOARD_CORS_ORIGINS", "*", err, sizeof err), CONFIG_ERR, "* refused");
	is_int(config_set(&c, "JOBBOARD_CORS_ORIGINS", "", err, sizeof err), CONFIG_OK, "empty: off");
	is_int(c.n_cors, 0, "... no origins");
	is_int(config_set(&c, "JOBBOARD_REPLICA_URL", "host=r", err, sizeof err), CONFIG_OK, "replica");
	is_str(c.replica_url, "host=r", "... set");
	is_int(config_set(&c, "JOBBOARD_DATABASE_URL", "", err, sizeof err), CONFIG_ERR,
	       "empty database URL refused");
	is_int(config_set(&c, "JOBBOARD_NOPE", "1", err, sizeof err), CONFIG_UNKNOWN, "unknown name");
	is_int(config_set(&c, "JOBBOARD_READ_TIMEOUT_MS", "50", err, sizeof err), CONFIG_ERR,
	       "read timeout below 100 ms refused");
	config_free(&c);

	/* .env syntax */
	is_int(dotenv("# comment\n\nA=1\nexport B = two words  \nC=\"q \\\"x\\\" \\n\" # c\n"
	              "D='lit $x \\n'\nE=v#not-comment\nF=v # comment\nG=\r\n", err, sizeof err),
	       0, ".env parses");
	is_int(nseen, 7, "... seven settings");
	is_str(seen[0].val, "1", "A=1");
	is_int(seen[0].line, 3, "... on line 3");
	is_str(seen[1].key, "B", "export B");
	is_str(seen[1].val, "two words", "... value trimmed");
	is_str(seen[2].val, "q \"x\" \n", "double quotes with escapes");
	is_str(seen[3].val, "lit $x \\n", "single quotes literal");
	is_str(seen[4].val, "v#not-comment", "# inside a value kept");
	is_str(seen[5].val, "v", "space-# starts a comment");
	is_str(seen[6].val, "", "empty value, CRLF");
	is_int(dotenv("A=1\nnot a setting\n", err, sizeof err), -1, "garbage line refused");
	ok(strncmp(err, "line 2:", 7) == 0, "... names line 2 (%s)", err);
	is_int(dotenv("A=1\n\nB=\"open\n", err, sizeof err), -1, "unterminated quote refused");
	ok(strncmp(err, "line 3:", 7) == 0, "... names line 3 (%s)", err);
	is_int(dotenv("A='x' y\n", err, sizeof err), -1, "text after a quote refused");
	is_int(dotenv("1A=x\n", err, sizeof err), -1, "bad name refused");
	is_int(dotenv("A=1\nFAIL=1\n", err, sizeof err), -1, "callback refusal");
	ok(strncmp(err, "line 2: FAIL", 12) == 0, "... with its line (%s)", err);

	/* config_load: .env then environment */
	fd = mkstemp(path);
	ok(fd >= 0, "temp .env");
	{
		const char *text = "JOBBOARD_POOL_SIZE=3\nJOBBOARD_THREADS=5\nOTHER=x\n"
		                   "JOBBOARD_LOG_FORMAT=bad-but-overridden\n";
		ok(write(fd, text, strlen(text)) == (ssize_t) strlen(text), "write .env");
		close(fd);
	}
	is_int(config_load(&c, 2, path, fake_getenv, err, sizeof err), 0, "load");
	is_int(c.pool_size, 7, "environment wins over .env");
	is_int(c.threads, 5, ".env value used");
	ok(c.log_format == LOG_FORMAT_TEXT, "environment value used (and .env's not validated)");
	config_free(&c);
	is_int(config_load(&c, 2, path, bad_getenv, err, sizeof err), -1, "bad environment value");
	ok(strstr(err, "environment") && strstr(err, "JOBBOARD_THREADS"), "... says where (%s)", err);
	config_free(&c);

	fd = open(path, O_WRONLY | O_TRUNC);
	{
		const char *text = "JOBBOARD_POOL_SIZE=3\nJOBBOARD_POOLSIZE=4\n";
		ok(write(fd, text, strlen(text)) == (ssize_t) strlen(text), "rewrite .env");
		close(fd);
	}
	is_int(config_load(&c, 2, path, fake_getenv, err, sizeof err), -1, "unknown JOBBOARD_ key in .env");
	ok(strstr(err, "line 2") && strstr(err, "JOBBOARD_POOLSIZE"), "... names line and key (%s)", err);
	config_free(&c);
	fd = open(path, O_WRONLY | O_TRUNC);
	{
		const char *text = "JOBBOARD_MAX_BODY=lots\n";
		ok(write(fd, text, strlen(text)) == (ssize_t) strlen(text), "rewrite .env");
		close(fd);
	}
	is_int(config_load(&c, 2, path, fake_getenv, err, sizeof err), -1, "bad .env value");
	ok(strstr(err, "line 1") && strstr(err, "JOBBOARD_MAX_BODY"), "... names line and key (%s)", err);
	config_free(&c);
	unlink(path);
	is_int(config_load(&c, 2, path, fake_getenv, err, sizeof err), 0, "missing .env is fine");
	config_free(&c);
	return tap_done();
}
