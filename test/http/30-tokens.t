#!/usr/bin/perl
# API.md §1 authentication and §3.1 access tokens: missing, malformed,
# tampered, wrongly-signed, other-algorithm, expired and revoked tokens are
# 401 with the right WWW-Authenticate; tokens are checked on public routes
# too; forged tokens are signed with the database's secret (read as
# superuser through JB_PSQL) to reach the checks behind the signature.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

my $u = register_user();

# 401 with WWW-Authenticate: Bearer, plus error="invalid_token" when a token was sent.
sub refused {
	my ($res, $name, $token_sent) = @_;
	problem_ok($res, 401, 'unauthorized', $name);
	my $wa = hdr($res, 'www-authenticate') // '';
	like($wa, qr/\ABearer\b/, "$name: WWW-Authenticate is Bearer");
	if ($token_sent) {
		like($wa, qr/\berror="invalid_token"/, "$name: WWW-Authenticate has error=\"invalid_token\"");
	} else {
		unlike($wa, qr/\berror=/, "$name: WWW-Authenticate has no error=");
	}
}

my $r = req('GET', '/me', token => $u->{access});
is($r->{status}, 200, 'GET /me with the access token');
is($r->{json}{id}, $u->{id}, 'GET /me is the token\'s user');
user_shape_ok($r->{json}, 'GET /me');

refused(req('GET', '/me'), 'no token', 0);
refused(req('GET', '/me', token => 'garbage'), 'garbage token', 1);
refused(req('GET', '/me', token => 'a.b.c'), 'three garbage parts', 1);
refused(req('GET', '/me', token => "$u->{access}.x"), 'four parts', 1);
refused(req('GET', '/me', token => 'x' x 5000), 'a 5000-character token', 1);

# A flipped byte in the signature, the payload and the header.
my ($hdr, $claims, $sig, $input) = jwt_parts($u->{access});
my @p = split /\./, $u->{access};
{
	my $s = $p[2];
	substr($s, 5, 1) = substr($s, 5, 1) eq 'A' ? 'B' : 'A';
	refused(req('GET', '/me', token => "$p[0].$p[1].$s"), 'flipped signature character', 1);
	refused(req('GET', '/me', token => "$p[0].$p[1]."), 'empty signature', 1);
	refused(req('GET', '/me', token => "$p[0].$p[1]"), 'no signature part', 1);
	my %c = %$claims;
	$c{sub} = '1';
	my $forged_payload = b64url_encode(JSON::PP->new->canonical->encode(\%c));
	refused(req('GET', '/me', token => "$p[0].$forged_payload.$p[2]"), 'payload changed, old signature', 1);
}

# alg none built by hand from the valid payload; an HS512 header with the old signature.
refused(req('GET', '/me', token => jwt_sign({ alg => 'none', typ => 'JWT' }, $claims, '', 'none')),
	'alg none, empty signature', 1);
refused(req('GET', '/me', token => b64url_encode('{"alg":"none","typ":"JWT"}') . ".$p[1].$p[2]"),
	'alg none header with the original signature', 1);
refused(req('GET', '/me', token => b64url_encode('{"alg":"HS512","typ":"JWT"}') . ".$p[1].$p[2]"),
	'HS512 header with the original signature', 1);

# Other ways of sending the token are not Bearer.
refused(req('GET', '/me', headers => { Authorization => "Basic $u->{access}" }), 'Basic scheme', 1);
refused(req('GET', '/me', headers => { Authorization => 'Bearer' }), 'Bearer without a token', 1);
# The scheme name is case-insensitive (RFC 9110 §11.1).
is(req('GET', '/me', headers => { Authorization => "bearer $u->{access}" })->{status}, 200,
	'lower-case "bearer" scheme is accepted');
# ?access_token= is for /events only (§3.8).
{
	# Decision: on routes other than /events a query access_token is not a
	# credential. Since the query is merged into args (§4), it is an
	# unknown field there (422), and in no case does it authenticate.
	my $q = req('GET', "/me?access_token=$u->{access}");
	isnt($q->{status}, 200, 'access_token in the query does not authenticate GET /me');
	ok($q->{status} == 401 || $q->{status} == 422, "and it is refused with 401 or 422 (got $q->{status})");
}

# ------------------------------------------------------------ public routes check a sent token too

my $bad = 'garbage.token.value';
refused(req('POST', '/auth/login', token => $bad, json => { email => $u->{email}, password => $u->{password} }),
	'POST /auth/login with an invalid bearer token', 1);
refused(req('POST', '/auth/register', token => $bad,
	json => { email => 'x' . unique_tag() . '@example.com', password => 'Quiet-Lake-42', name => 'X' }),
	'POST /auth/register with an invalid bearer token', 1);
refused(req('POST', '/auth/refresh', token => $bad, json => { refresh_token => $u->{refresh} }),
	'POST /auth/refresh with an invalid bearer token', 1);
{
	# The refused refresh did not spend the refresh token.
	my $ok = req('POST', '/auth/refresh', json => { refresh_token => $u->{refresh} });
	is($ok->{status}, 200, 'the refresh token was not spent by the refused call');
	$u->{refresh} = $ok->{json}{refresh_token} if $ok->{status} == 200;
	$u->{access} = $ok->{json}{access_token} if $ok->{status} == 200;
}
# A valid token on a public route is fine.
is(req('POST', '/auth/login', token => $u->{access}, json => { email => $u->{email}, password => $u->{password} })->{status},
	200, 'a valid bearer token on POST /auth/login');

# ------------------------------------------------------------ forged tokens (need the secret)

SKIP: {
	my $key = signing_key($u->{access});
	skip 'the signing secret cannot be read through JB_PSQL (or does not verify a real token)', 30 unless $key;
	($hdr, $claims) = jwt_parts($u->{access});
	my $H = { alg => 'HS256', typ => 'JWT' };
	my $now = time;

	# Control: a token we sign with the same claims is accepted, so the
	# refusals below are about the claim we changed.
	my $same = jwt_sign($H, { %$claims, iat => $now, exp => $now + 300 }, $key);
	my $c = req('GET', '/me', token => $same);
	is($c->{status}, 200, 'a token signed with the secret and valid claims is accepted');

	refused(req('GET', '/me', token => jwt_sign($H, { %$claims, iat => $now - 1000, exp => $now - 10 }, $key)),
		'expired token (exp 10 s ago)', 1);
	refused(req('GET', '/me', token => jwt_sign($H, { %$claims, iat => $now - 1000, exp => $now - 1 }, $key)),
		'expired token (exp 1 s ago)', 1);
	refused(req('GET', '/me', token => jwt_sign($H, { %$claims, iss => 'someone-else' }, $key)), 'wrong iss', 1);
	my %noiss = %$claims;
	delete $noiss{iss};
	refused(req('GET', '/me', token => jwt_sign($H, \%noiss, $key)), 'no iss', 1);
	my %noexp = %$claims;
	delete $noexp{exp};
	refused(req('GET', '/me', token => jwt_sign($H, \%noexp, $key)), 'no exp', 1);
	my %nosid = %$claims;
	delete $nosid{sid};
	refused(req('GET', '/me', token => jwt_sign($H, \%nosid, $key)), 'no sid', 1);
	refused(req('GET', '/me', token => jwt_sign($H, { %$claims, sub => '999999999999' }, $key)),
		'sub of a user that does not exist', 1);
	refused(req('GET', '/me', token => jwt_sign($H, { %$claims, sid => 999999999999 }, $key)),
		'sid of a session that does not exist', 1);

	# Other algorithms, correctly signed.
	refused(req('GET', '/me', token => jwt_sign({ alg => 'HS512', typ => 'JWT' }, $claims, $key, 'HS512')),
		'HS512 header and a correct HMAC-SHA512 signature', 1);
	refused(req('GET', '/me', token => jwt_sign({ alg => 'none', typ => 'JWT' }, $claims, $key, 'HS256')),
		'alg none header with a correct HMAC-SHA256 signature', 1);
	refused(req('GET', '/me', token => jwt_sign({ alg => 'hs256', typ => 'JWT' }, $claims, $key, 'HS256')),
		'alg hs256 (wrong case) with a correct signature', 1);
	refused(req('GET', '/me', token => jwt_sign({ typ => 'JWT' }, $claims, $key, 'HS256')),
		'no alg with a correct signature', 1);

	# The session of another user: sid and sub must belong together.
	my $v = register_user();
	my (undef, $vc) = jwt_parts($v->{access});
	refused(req('GET', '/me', token => jwt_sign($H, { %$claims, sid => $vc->{sid} }, $key)),
		"sid of another user's session", 1);

	# A revoked session: log a second session out, then sign a token for it.
	my $s2 = login_ok($u->{email}, $u->{password});
	my (undef, $c2) = jwt_parts($s2->{access});
	is(req('POST', '/auth/logout', json => { refresh_token => $s2->{refresh} })->{status}, 204, 'second session logged out');
	refused(req('GET', '/me', token => jwt_sign($H, { %$c2, iat => $now, exp => $now + 300 }, $key)),
		'a fresh token for a revoked session', 1);

	# Roles are taken from the database, not from the token (see also 80-escalation.t).
	my $adm = req('GET', '/users', token => jwt_sign($H, { %$claims, roles => ['admin'] }, $key));
	problem_ok($adm, 403, 'forbidden', 'roles ["admin"] in the claims of a candidate');

	# ---------------- rotate_secret (§4): tokens signed with the old secret stop working.
	my $w = register_user();
	is(req('GET', '/me', token => $w->{access})->{status}, 200, 'before rotate_secret the token works');
	sql('SELECT jobboard.rotate_secret()');
	refused(req('GET', '/me', token => $w->{access}), 'a token signed before rotate_secret', 1);
	refused(req('GET', '/me', token => $same), 'a self-signed token with the old secret', 1);
	# Every pooled connection must sign and verify with the new secret: a few
	# logins and calls in a row land on different connections.
	my $l;
	my @st;
	for (1 .. 6) {
		$l = login_ok($w->{email}, $w->{password});
		push @st, req('GET', '/me', token => $l->{access})->{status};
	}
	is("@st", '200 200 200 200 200 200', 'logins after rotate_secret give working tokens (6 in a row)');
	my $nk = signing_key($l->{access});
	ok($nk && $nk ne $key, 'the secret changed');
	# Decision: the refresh token is opaque and stored as a plain hash (§3.1),
	# not signed, so rotating the signing secret does not end sessions.
	my $rf = req('POST', '/auth/refresh', json => { refresh_token => $w->{refresh} });
	is($rf->{status}, 200, 'a refresh token from before rotate_secret still refreshes');
}

done_testing;
