#!/usr/bin/perl
# API.md §1 conventions, §1.0 edge rules, §1.1 error shape and §1.4 headers,
# checked on the routes of §3.1/§3.2: routing (404/405/Allow), size (413),
# media type (415), JSON syntax (400), the precedence of errors, request ids,
# security headers, odd paths, raw-socket framing cases (two Host headers,
# Expect) and body strictness (unknown fields, `_` keys, keys from two places).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use JB;

my $u = register_user();
my ($host_port) = $JB::URL =~ m{^http://([^/]+)};

# A raw HTTP/1.1 request with the given method, path, headers and body.
sub raw {
	my ($method, $path, $headers, $body, %opt) = @_;
	my $r = "$method $path HTTP/1.1\r\n";
	$r .= "Host: $host_port\r\n" unless $opt{no_host};
	$r .= "$_\r\n" for @$headers;
	$r .= "Connection: close\r\n\r\n";
	$r .= $body if defined $body;
	return raw_request($r, %opt);
}

# ------------------------------------------------------------ routing

my $r = req('GET', '/no/such/route');
problem_ok($r, 404, 'not_found', 'GET unknown route');
$r = req('GET', '/no/such/route', token => $u->{access});
problem_ok($r, 404, 'not_found', 'GET unknown route with a token');

$r = req('DELETE', '/auth/login');
problem_ok($r, 405, 'method_not_allowed', 'DELETE /auth/login');
my $allow = hdr($r, 'allow') // '';
like($allow, qr/\bPOST\b/, 'Allow of /auth/login lists POST');
unlike($allow, qr/\b(?:DELETE|GET|PATCH)\b/, 'Allow of /auth/login lists no other method of §3');

$r = req('PUT', '/me', token => $u->{access}, json => { name => 'x' });
problem_ok($r, 405, 'method_not_allowed', 'PUT /me');
$allow = hdr($r, 'allow') // '';
ok($allow =~ /\bGET\b/ && $allow =~ /\bPATCH\b/, "Allow of /me lists GET and PATCH ($allow)");
unlike($allow, qr/\b(?:PUT|POST|DELETE)\b/, 'Allow of /me lists neither PUT, POST nor DELETE');

$r = req('POST', "/users/$u->{id}", token => $u->{access}, json => {});
problem_ok($r, 405, 'method_not_allowed', 'POST /users/{id}');
$allow = hdr($r, 'allow') // '';
ok($allow =~ /\bGET\b/ && $allow =~ /\bPATCH\b/ && $allow =~ /\bDELETE\b/,
	"Allow of /users/{id} lists GET, PATCH and DELETE ($allow)");

$r = req('GET', '/roles/admin', token => $u->{access});
problem_ok($r, 405, 'method_not_allowed', 'GET /roles/{name} (only PATCH and DELETE exist)');

# Ids that are not positive integers match no route (docs/INTERFACE.md).
for my $id ('abc', '0', '-1', '1.5', '9007199254740993') {
	$r = req('GET', "/users/$id", token => $u->{access});
	problem_ok($r, 404, 'not_found', "GET /users/$id");
}

# ------------------------------------------------------------ paths (§1.0)

for my $p ('/users/../me', '/./me', '/me/.', '/auth/../me', '/users/%2e%2e/me', '/users/%2E%2E/me') {
	$r = req('GET', $p, token => $u->{access});
	problem_ok($r, 404, 'not_found', "GET $p (dot segment)");
}
# An encoded slash never joins two segments into a route.
$r = req('POST', '/auth%2Flogin', json => { email => $u->{email}, password => $u->{password} });
problem_ok($r, 404, 'not_found', 'POST /auth%2Flogin (encoded slash)');
$r = req('POST', '/auth%2flogin', json => { email => $u->{email}, password => $u->{password} });
problem_ok($r, 404, 'not_found', 'POST /auth%2flogin (encoded slash, lower case)');
$r = req('POST', '/me%2Fpassword', token => $u->{access},
	json => { current_password => $u->{password}, new_password => 'Another-Pass-123' });
problem_ok($r, 404, 'not_found', 'POST /me%2Fpassword (encoded slash)');
# A fragment is never sent by a browser; a raw one matches no route.
$r = raw('GET', '/me#frag', ["Authorization: Bearer $u->{access}"]);
problem_ok($r, 404, 'not_found', 'GET /me#frag (raw fragment)');

# ------------------------------------------------------------ size (413)

# Judged from Content-Length before any body is read: the server answers
# without waiting for the 2 MB it was promised.
my $t0 = time;
$r = raw('POST', '/auth/login', ['Content-Type: application/json', 'Content-Length: 2000000'], '{"email":');
problem_ok($r, 413, 'payload_too_large', 'POST /auth/login with Content-Length 2000000 and a short body');
cmp_ok(time - $t0, '<', 5, '413 came without waiting for the body');

$r = raw('POST', '/auth/login', ['Content-Type: application/json', 'Content-Length: 1048577']);
problem_ok($r, 413, 'payload_too_large', 'Content-Length one byte over 1 MiB, no body sent');

# With Expect: 100-continue no 100 Continue is sent for an oversize body.
$r = raw('POST', '/auth/login', ['Content-Type: application/json', 'Content-Length: 5000000', 'Expect: 100-continue']);
problem_ok($r, 413, 'payload_too_large', 'oversize with Expect: 100-continue');
ok(!defined $r->{interim}, 'no 100 Continue for an oversize body');

# Exactly 1 MiB is allowed: the body is a login padded with spaces.
{
	my $json = qq({"email":"nobody-$u->{id}\@example.com","password":"Wrong-Password-1"});
	my $body = $json . (' ' x (1048576 - length $json));
	is(length $body, 1048576, 'padded body is exactly 1 MiB');
	$r = req('POST', '/auth/login', body => $body, type => 'application/json');
	problem_ok($r, 401, 'invalid_credentials', 'a 1 MiB JSON body is read (unknown email: 401)');
}

# A body that is really sent and is over the limit, by Content-Length and by
# chunks (where only counting the bytes can tell).
{
	my $big = '{"email":"' . ('a' x 1048576) . '"}';
	$r = raw('POST', '/auth/login', ['Content-Type: application/json', 'Content-Length: ' . length $big], $big);
	problem_ok($r, 413, 'payload_too_large', 'a 1 MiB + 14 bytes body actually sent');
	my $chunked = '';
	$chunked .= sprintf("%x\r\n%s\r\n", 65536, 'a' x 65536) for 1 .. 17;
	$r = raw('POST', '/auth/login', ['Content-Type: application/json', 'Transfer-Encoding: chunked'],
		"a\r\n{\"email\":\"\r\n" . $chunked . "0\r\n\r\n");
	problem_ok($r, 413, 'payload_too_large', 'a chunked body over 1 MiB');
	my $login = JSON::PP->new->utf8->encode({ email => $u->{email}, password => $u->{password} });
	my $half = int(length($login) / 2);
	$r = raw('POST', '/auth/login', ['Content-Type: application/json', 'Transfer-Encoding: chunked'],
		sprintf("%x\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n", $half, substr($login, 0, $half),
			length($login) - $half, substr($login, $half)));
	is($r->{status}, 200, 'a small chunked JSON body is read');
}

# Precedence: 404 before 405 before 413 before 415 (§1.0).
$r = raw('PUT', '/no/such/route', ['Content-Type: text/plain', 'Content-Length: 2000000']);
problem_ok($r, 404, 'not_found', 'unknown route wins over size');
$r = raw('PUT', '/auth/login', ['Content-Type: text/plain', 'Content-Length: 2000000']);
problem_ok($r, 405, 'method_not_allowed', 'wrong method wins over size');
$r = raw('POST', '/auth/login', ['Content-Type: text/plain', 'Content-Length: 2000000']);
problem_ok($r, 413, 'payload_too_large', 'size wins over media type');

# ------------------------------------------------------------ media type (415)

my $login_body = JSON::PP->new->utf8->encode({ email => $u->{email}, password => $u->{password} });
$r = req('POST', '/auth/login', body => $login_body, type => 'text/plain');
problem_ok($r, 415, 'unsupported_media_type', 'JSON sent as text/plain');
$r = req('POST', '/auth/login', body => $login_body);	# HTTP::Tiny: application/octet-stream
problem_ok($r, 415, 'unsupported_media_type', 'JSON sent as application/octet-stream');
$r = req('POST', '/auth/login', body => $login_body, type => 'application/x-www-form-urlencoded');
problem_ok($r, 415, 'unsupported_media_type', 'JSON sent as a form');
$r = req('POST', '/auth/login', body => $login_body, type => 'multipart/form-data; boundary=x');
problem_ok($r, 415, 'unsupported_media_type', 'multipart on a JSON route');
$r = req('POST', '/auth/login', body => $login_body, type => 'application/jsonx');
problem_ok($r, 415, 'unsupported_media_type', 'application/jsonx is not JSON');
$r = raw('POST', '/auth/login', ['Content-Length: ' . length $login_body], $login_body);
problem_ok($r, 415, 'unsupported_media_type', 'a body without Content-Type (raw)');
$r = req('POST', '/auth/login', body => '{"email":', type => 'text/plain');
problem_ok($r, 415, 'unsupported_media_type', 'media type wins over JSON syntax');

# Accepted spellings of the JSON media type (media types are case-insensitive, RFC 9110).
$r = req('POST', '/auth/login', body => $login_body, type => 'application/json; charset=utf-8');
is($r->{status}, 200, 'application/json; charset=utf-8 is accepted');
$r = req('POST', '/auth/login', body => $login_body, type => 'Application/JSON');
is($r->{status}, 200, 'Application/JSON is accepted (case-insensitive media type)');

# ------------------------------------------------------------ JSON syntax (400)

for my $case (
	[ '{"email":', 'truncated object' ],
	[ '{"email":"a@b.io",}', 'trailing comma' ],
	[ "{'email':'a\@b.io'}", 'single quotes' ],
	[ '{"email":"a@b.io"} x', 'trailing garbage' ],
	[ '{"email":"a@b.io"}{}', 'two documents' ],
	[ '{"password":"abc' . "\x01" . 'def"}', 'raw control character in a string' ],
	[ "{\"email\":\"\xff\xfe\@b.io\",\"password\":\"Quiet-Lake-42\"}", 'invalid UTF-8 bytes' ],
	[ "{\"email\":\"\xc3\@b.io\",\"password\":\"Quiet-Lake-42\"}", 'truncated UTF-8 sequence' ],
	[ "{\"email\":\"\xc0\xaf\@b.io\",\"password\":\"Quiet-Lake-42\"}", 'overlong UTF-8' ],
	[ "{\"email\":\"\xed\xa0\x80\@b.io\",\"password\":\"Quiet-Lake-42\"}", 'UTF-8-encoded surrogate' ],
	[ '{"email":"a@b.io","password":"\ud800"}', 'lone high surrogate escape' ],
	[ '{"email":"a@b.io","password":"x\udc00yyyyyyyy"}', 'lone low surrogate escape' ],
	[ '{"email":"a@b.io","password":"\ud800\u0041bcdefgh"}', 'high surrogate followed by a non-surrogate' ],
	[ '{"email":"a@b.io","password":"\x"}', 'invalid escape' ],
) {
	my ($body, $what) = @$case;
	$r = req('POST', '/auth/login', body => $body, type => 'application/json');
	problem_ok($r, 400, 'bad_request', "POST /auth/login: $what");
}

# Decision (API.md is silent): a top-level JSON value that is not an object is
# a 400 bad_request, since there is no field a 422 could name.
for my $body ('[]', '"text"', '42', 'null', 'true', '[{"email":"a@b.io"}]') {
	$r = req('POST', '/auth/login', body => $body, type => 'application/json');
	problem_ok($r, 400, 'bad_request', "POST /auth/login: top-level $body");
}

# A byte-order mark is ignored.
$r = req('POST', '/auth/login', body => "\xef\xbb\xbf" . $login_body, type => 'application/json');
is($r->{status}, 200, 'a body starting with a UTF-8 BOM is accepted');
token_pair_ok($r, 'login with BOM') if $r->{status} == 200;

# A valid surrogate pair is fine, and lengths count code points: an 8-emoji
# password (32 bytes, 16 UTF-16 units) is 8 characters.
{
	my $emoji = '\ud83d\ude00' x 8;
	my $email = 'emoji-' . unique_tag() . '@example.com';
	$r = req('POST', '/auth/register', body => qq({"email":"$email","password":"$emoji","name":"Emoji \\ud83d\\ude00"}),
		type => 'application/json');
	is($r->{status}, 201, 'escaped surrogate pairs are accepted (8 code points is a valid password)');
	is($r->{json}{user}{name}, "Emoji \x{1F600}", 'the surrogate pair decodes to one character') if $r->{status} == 201;
}

# ------------------------------------------------------------ precedence after the body

# 400 before 401: a route that needs a token, no token, broken JSON.
$r = req('PATCH', '/me', body => '{"name":', type => 'application/json');
problem_ok($r, 400, 'bad_request', 'JSON syntax wins over authentication');
# 401 before 422: no token, invalid body.
$r = req('PATCH', '/me', json => { bogus => 1 });
problem_ok($r, 401, 'unauthorized', 'authentication wins over validation');
# 401 before 404: an unknown id on a route that needs a token.
$r = req('GET', '/users/999999999999');
problem_ok($r, 401, 'unauthorized', 'authentication wins over existence');
# 403 before 422: a candidate, an invalid role body.
$r = req('POST', '/roles', token => $u->{access}, json => { name => 'X', permissions => 'none', extra => 1 });
problem_ok($r, 403, 'forbidden', 'permission wins over validation');

# ------------------------------------------------------------ strict bodies

$r = req('PATCH', '/me', token => $u->{access}, json => { name => 'New Name', nickname => 'nick' });
problem_ok($r, 422, 'validation_failed', 'PATCH /me with an unknown field', only_fields => ['nickname']);
$r = req('POST', '/auth/login', json => { email => $u->{email}, password => $u->{password}, remember_me => JSON::PP::true });
problem_ok($r, 422, 'validation_failed', 'POST /auth/login with an unknown field', fields => ['remember_me']);

# Header keys start with `_`; no body or query may use them (§4).
$r = req('PATCH', '/me', token => $u->{access}, json => { name => 'New Name', _if_match => '"abc"' });
problem_ok($r, 422, 'validation_failed', 'PATCH /me with _if_match in the body', fields => ['_if_match']);
$r = req('PATCH', '/me?_if_match=x', token => $u->{access}, json => { name => 'New Name' });
problem_ok($r, 422, 'validation_failed', 'PATCH /me with _if_match in the query', fields => ['_if_match']);
$r = req('POST', '/auth/register', json => { email => 'x' . unique_tag() . '@example.com',
	password => 'Quiet-Lake-42', name => 'X', _idempotency_key => 'k' });
problem_ok($r, 422, 'validation_failed', 'register with _idempotency_key in the body', fields => ['_idempotency_key']);
$r = req('PATCH', '/me', token => $u->{access}, json => { name => 'New Name', _anything => 1 });
problem_ok($r, 422, 'validation_failed', 'PATCH /me with an underscore key', fields => ['_anything']);
is(req('GET', '/me', token => $u->{access})->{json}{name}, $u->{name}, 'rejected PATCHes changed nothing');

# A key from two places (query and body) is a 400.
$r = req('POST', "/auth/login?email=$u->{email}", json => { email => $u->{email}, password => $u->{password} });
problem_ok($r, 400, 'bad_request', 'email both in the query and in the body');
$r = req('PATCH', '/me?name=a', token => $u->{access}, json => { name => 'b' });
problem_ok($r, 400, 'bad_request', 'name both in the query and in the body');

# ------------------------------------------------------------ request ids

my $sane = 'Client-Req.42:abc_' . unique_tag();
$r = req('GET', '/me', token => $u->{access}, headers => { 'X-Request-Id' => $sane });
is(hdr($r, 'x-request-id'), $sane, 'a sane X-Request-Id is kept');
my $max = 'a' x 128;
$r = req('GET', '/me', token => $u->{access}, headers => { 'X-Request-Id' => $max });
is(hdr($r, 'x-request-id'), $max, 'a 128-character X-Request-Id is kept');
$r = req('GET', '/no/such/route', headers => { 'X-Request-Id' => $sane });
is(hdr($r, 'x-request-id'), $sane, 'a sane X-Request-Id is kept on an error');
is($r->{json}{request_id}, $sane, 'and it is the problem\'s request_id');

for my $case ([ 'b' x 129, '129 characters' ], [ 'has space', 'a space' ], [ 'a/b', 'a slash' ],
	[ 'a"b', 'a quote' ], [ "caf\xc3\xa9", 'non-ASCII' ], [ 'a,b', 'a comma' ], [ '{id}', 'braces' ])
{
	my ($bad, $what) = @$case;
	# Raw, since HTTP::Tiny refuses to send some of these values.
	$r = raw('GET', '/no/such/route', ["X-Request-Id: $bad"]);
	my $got = hdr($r, 'x-request-id') // '';
	isnt($got, $bad, "an X-Request-Id with $what is replaced");
	like($got, qr/\A[A-Za-z0-9._:-]{1,128}\z/, "the replacement for $what is itself sane");
	is($r->{json}{request_id}, $got, "request_id is the replacement for $what");
}
$r = raw('GET', '/no/such/route', ['X-Request-Id: '], undef);
like(hdr($r, 'x-request-id') // '', qr/\A[A-Za-z0-9._:-]{1,128}\z/, 'an empty X-Request-Id is replaced by a sane one');
{
	my $a = hdr(req('GET', '/health'), 'x-request-id');
	my $b = hdr(req('GET', '/health'), 'x-request-id');
	ok(defined $a && defined $b && $a ne $b, 'generated request ids differ between requests');
}

# ------------------------------------------------------------ headers on success and errors

$r = req('GET', '/me', token => $u->{access});
is($r->{status}, 200, 'GET /me with a token');
security_headers_ok($r, 'GET /me 200');
like(hdr($r, 'content-type') // '', qr{\Aapplication/json\b}i, 'a success body is application/json');
$r = login($u->{email}, $u->{password});
security_headers_ok($r, 'POST /auth/login 200');
$r = req('POST', '/auth/logout-all', token => login_ok($u->{email}, $u->{password})->{access});
is($r->{status}, 204, 'logout-all 204');
is($r->{body}, '', 'a 204 has no body');
security_headers_ok($r, 'POST /auth/logout-all 204');
$u->{access} = login_ok($u->{email}, $u->{password})->{access};

# CORS is off for an unlisted origin (§1.4), whatever JOBBOARD_CORS_ORIGINS says.
$r = req('GET', '/me', token => $u->{access}, headers => { Origin => 'https://evil.example.invalid' });
ok(!defined hdr($r, 'access-control-allow-origin'), 'no Access-Control-Allow-Origin for an unlisted origin');
ok(!defined hdr($r, 'access-control-allow-credentials'), 'no Access-Control-Allow-Credentials for an unlisted origin');
$r = req('OPTIONS', '/auth/login', headers => { Origin => 'https://evil.example.invalid',
	'Access-Control-Request-Method' => 'POST' });
ok(!defined hdr($r, 'access-control-allow-origin'), 'a preflight from an unlisted origin gets no CORS headers');
ok(!defined hdr($r, 'access-control-allow-methods'), 'nor Access-Control-Allow-Methods');

# ------------------------------------------------------------ framing cases the server refuses itself

$r = raw('GET', '/health', ["Host: $host_port", "Host: other.example"], undef, no_host => 1);
problem_ok($r, 400, 'bad_request', 'two Host headers');

# What the HTTP library refuses by itself may get its own short reply, with
# the right status and nothing that names software (§1.0).
for my $case ([ "GET /health HTTX/1.1\r\nHost: $host_port\r\nConnection: close\r\n\r\n", 400, 'a malformed request line' ],
	[ "GET /health HTTP/1.1\r\nHost: $host_port\r\nX-Big: " . ('b' x 100_000) . "\r\nConnection: close\r\n\r\n", 431,
		'a 100 kB header' ])
{
	my ($bytes, $status, $what) = @$case;
	$r = raw_request($bytes);
	is($r->{status}, $status, "$what: $status");
	ok(!defined hdr($r, 'server') && !defined hdr($r, 'x-powered-by'), "$what: no Server or X-Powered-By");
	unlike($r->{raw} // '', qr/microhttpd|MHD|nginx|apache|version \d/i, "$what: nothing names the software");
}

# Decision: §1.1 lists no code for 417; any stable code is accepted, the
# problem shape and headers are checked.
$r = raw('POST', '/auth/login', ['Content-Type: application/json', 'Content-Length: ' . length $login_body, 'Expect: foo'],
	$login_body);
problem_ok($r, 417, undef, 'Expect: foo');
note('417 code: ' . ($r->{json}{code} // 'none'));

# Expect: 100-continue on a normal body: 100, then the real answer.
$r = raw('POST', '/auth/login', ['Content-Type: application/json', 'Content-Length: ' . length $login_body,
	'Expect: 100-continue'], undef, then => $login_body, wait => 3);
is($r->{status}, 200, 'Expect: 100-continue with a small body logs in');
is($r->{interim}, 100, 'a 100 Continue came first');

done_testing;
