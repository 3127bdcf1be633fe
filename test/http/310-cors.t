#!/usr/bin/perl
# API.md §1.4: CORS and HSTS. The test server runs with the defaults (CORS off,
# no HSTS); a second server from JB_SHIM_BIN runs with
# JOBBOARD_CORS_ORIGINS=https://a.example,https://b.example and JOBBOARD_HSTS=1.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB qw(:DEFAULT :edge);

plan skip_all => 'JB_SHIM_BIN and JB_SHIM_ENV are needed to start a second server'
	unless $ENV{JB_SHIM_BIN} && $ENV{JB_SHIM_ENV};

my %env = shim_env();
my $ALLOWED_HEADERS = 'authorization,content-type,idempotency-key,if-match,if-none-match';

# The Access-Control-* headers of a response, by lower-case name.
sub cors_headers {
	my ($res) = @_;
	return map { $_ => hdr($res, $_) } grep { /\Aaccess-control-/ } keys %{ $res->{headers} };
}

# The comma-separated tokens of a header, lower case, sorted, joined by ','.
sub token_set {
	my ($v) = @_;
	return join ',', sort map { lc } grep { $_ ne '' } map { s/\A\s+|\s+\z//gr } split /,/, $v // '';
}

sub no_cors_ok {
	my ($res, $name) = @_;
	my %c = cors_headers($res);
	ok(!%c, "$name: no Access-Control-* header") or diag(explain \%c);
}

sub allowed_ok {
	my ($res, $origin, $name) = @_;
	is(hdr($res, 'Access-Control-Allow-Origin'), $origin, "$name: Access-Control-Allow-Origin is the origin");
	like(hdr($res, 'Vary') // '', qr/(?:\A|,)\s*Origin\s*(?:,|\z)/i, "$name: Vary names Origin");
	is(hdr($res, 'Access-Control-Allow-Credentials'), 'true', "$name: Access-Control-Allow-Credentials: true");
}

# ------------------------------------------------------------ CORS off (default)

SKIP: {
	skip 'the test server was started with JOBBOARD_CORS_ORIGINS', 3
		if ($env{JOBBOARD_CORS_ORIGINS} // '') ne '';
	my $r = req('GET', '/tags', headers => { Origin => 'https://a.example' });
	is($r->{status}, 200, 'CORS off: a request with an Origin is served');
	no_cors_ok($r, 'CORS off, simple request');
	$r = req('OPTIONS', '/auth/login', headers => { Origin => 'https://a.example',
		'Access-Control-Request-Method' => 'POST', 'Access-Control-Request-Headers' => 'content-type' });
	no_cors_ok($r, 'CORS off, preflight');
}
SKIP: {
	skip 'the test server was started with JOBBOARD_HSTS=1', 2 if ($env{JOBBOARD_HSTS} // '0') eq '1';
	ok(!defined hdr(req('GET', '/health'), 'Strict-Transport-Security'), 'HSTS off by default: /health has no Strict-Transport-Security');
	ok(!defined hdr(req('GET', '/no/such/route'), 'Strict-Transport-Security'), 'HSTS off by default: a 404 has none either');
}

# ------------------------------------------------------------ CORS on

my $s = start_shim(JOBBOARD_CORS_ORIGINS => 'https://a.example,https://b.example',
	JOBBOARD_HSTS => 1);

for my $origin ('https://a.example', 'https://b.example') {
	my $r = req_at($s, 'GET', '/tags', headers => { Origin => $origin });
	is($r->{status}, 200, "GET /tags from $origin is served");
	allowed_ok($r, $origin, "GET /tags from $origin");
}

# Errors carry the headers too, or a browser hides them from the page.
{
	my $r = req_at($s, 'GET', '/me', headers => { Origin => 'https://a.example' });
	problem_ok($r, 401, 'unauthorized', 'GET /me without a token, listed origin');
	allowed_ok($r, 'https://a.example', '401 to a listed origin');
	$r = req_at($s, 'GET', '/no/such/route', headers => { Origin => 'https://b.example' });
	is($r->{status}, 404, 'unknown route from a listed origin: 404');
	allowed_ok($r, 'https://b.example', '404 to a listed origin');
	my $u = register_user();
	$r = req_at($s, 'GET', '/me', token => $u->{access}, headers => { Origin => 'https://b.example' });
	is($r->{status}, 200, 'GET /me with a token from a listed origin');
	allowed_ok($r, 'https://b.example', 'authenticated GET /me');
	# A page must be able to read the rate-limit and request-id headers.
	my $expose = token_set(hdr($r, 'Access-Control-Expose-Headers'));
	like($expose, qr/(?:\A|,)x-request-id(?:,|\z)/, 'Access-Control-Expose-Headers lets the page read X-Request-Id')
		or diag("Expose-Headers: $expose");
}

# Preflight.
{
	my $r = req_at($s, 'OPTIONS', '/auth/login', headers => { Origin => 'https://a.example',
		'Access-Control-Request-Method' => 'POST', 'Access-Control-Request-Headers' => 'content-type' });
	is($r->{status}, 204, 'preflight OPTIONS /auth/login from a listed origin: 204');
	is($r->{body}, '', 'the preflight answer has no body');
	allowed_ok($r, 'https://a.example', 'preflight /auth/login');
	is(token_set(hdr($r, 'Access-Control-Allow-Methods')) =~ /(?:\A|,)post(?:,|\z)/ ? 1 : 0, 1,
		'Access-Control-Allow-Methods of /auth/login lists POST (' . (hdr($r, 'Access-Control-Allow-Methods') // 'missing') . ')');
	is(token_set(hdr($r, 'Access-Control-Allow-Headers')), $ALLOWED_HEADERS,
		'Access-Control-Allow-Headers is exactly Authorization, Content-Type, If-Match, If-None-Match, Idempotency-Key');

	$r = req_at($s, 'OPTIONS', '/users/1', headers => { Origin => 'https://b.example',
		'Access-Control-Request-Method' => 'PATCH', 'Access-Control-Request-Headers' => 'authorization, content-type, if-match' });
	is($r->{status}, 204, 'preflight OPTIONS /users/{id}: 204');
	allowed_ok($r, 'https://b.example', 'preflight /users/{id}');
	my $m = token_set(hdr($r, 'Access-Control-Allow-Methods'));
	ok($m =~ /(?:\A|,)get(?:,|\z)/ && $m =~ /(?:\A|,)patch(?:,|\z)/ && $m =~ /(?:\A|,)delete(?:,|\z)/,
		"Access-Control-Allow-Methods of /users/{id} lists GET, PATCH, DELETE ($m)");
	unlike($m, qr/(?:\A|,)(?:post|put)(?:,|\z)/, 'and no method the path does not have');
	is(token_set(hdr($r, 'Access-Control-Allow-Headers')), $ALLOWED_HEADERS, 'the same allowed headers on every path');

	# A preflight is answered before authentication: a browser sends none.
	$r = req_at($s, 'OPTIONS', '/me', headers => { Origin => 'https://a.example',
		'Access-Control-Request-Method' => 'PATCH' });
	is($r->{status}, 204, 'preflight OPTIONS /me (a route that needs a token) is 204 without one');
	allowed_ok($r, 'https://a.example', 'preflight /me');
}

# Unlisted origins get nothing: near misses included.
for my $origin ('https://c.example', 'http://a.example', 'https://a.example.evil.test',
	'https://evil-a.example', 'https://a.example:8443', 'null') {
	my $r = req_at($s, 'GET', '/tags', headers => { Origin => $origin });
	is($r->{status}, 200, "GET /tags from unlisted $origin is still served (CORS is not access control)");
	no_cors_ok($r, "unlisted origin $origin");
	$r = req_at($s, 'OPTIONS', '/auth/login', headers => { Origin => $origin,
		'Access-Control-Request-Method' => 'POST' });
	no_cors_ok($r, "preflight from unlisted $origin");
}
{
	my $r = req_at($s, 'GET', '/tags');
	no_cors_ok($r, 'no Origin header');
	like(hdr($r, 'Vary') // '', qr/Origin/i,
		'with CORS on, an answer without Origin still says Vary: Origin (a shared cache must not mix them)');
}

# HSTS on.
for my $p ('/health', '/tags', '/no/such/route') {
	my $r = req_at($s, 'GET', $p);
	my $v = hdr($r, 'Strict-Transport-Security') // '';
	like($v, qr/\Amax-age=([1-9]\d*)(?:;|\z)/i, "JOBBOARD_HSTS=1: $p ($r->{status}) has Strict-Transport-Security ($v)");
	my ($age) = $v =~ /max-age=(\d+)/i;
	cmp_ok($age // 0, '>=', 86400 * 180, 'max-age is at least half a year');
}

is(stop_shim($s), 0, 'the CORS server exits 0 on SIGTERM');
is(sanitizer_report($s), '', 'no sanitizer report in its log');

done_testing;
