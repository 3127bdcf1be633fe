#!/usr/bin/perl
# API.md §3.1 POST /auth/refresh, /auth/logout and /auth/logout-all: refresh
# by body and by cookie, rotation, reuse detection revoking the whole
# session, logout revoking one session, logout-all revoking every session of
# one user and no other's.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

sub refresh_body { req('POST', '/auth/refresh', json => { refresh_token => $_[0] }) }
sub refresh_cookie_only {
	req('POST', '/auth/refresh', headers => { Cookie => "jobboard_refresh=$_[0]" });
}
sub me_status { req('GET', '/me', token => $_[0])->{status} }

# ------------------------------------------------------------ refresh with the body

my $u = register_user();
my $r = refresh_body($u->{refresh});
is($r->{status}, 200, 'refresh with {refresh_token}');
token_pair_ok($r, 'refresh');
my $c = refresh_cookie($r);
ok($c && $c->{value} eq ($r->{json}{refresh_token} // ''), 'refresh sets the jobboard_refresh cookie to the new token');
ok($c && $c->{attrs}{httponly} && $c->{attrs}{secure} && lc($c->{attrs}{samesite} // '') eq 'strict'
	&& ($c->{attrs}{path} // '') eq '/auth', 'refresh cookie is HttpOnly; Secure; SameSite=Strict; Path=/auth');
isnt($r->{json}{refresh_token}, $u->{refresh}, 'the refresh token is rotated');
is($r->{json}{user}{id}, $u->{id}, 'refresh returns the same user');
{
	my (undef, $a) = jwt_parts($u->{access});
	my (undef, $b) = jwt_parts($r->{json}{access_token});
	is($b->{sid}, $a->{sid}, 'refresh keeps the session (same sid)');
}
my $rt2 = $r->{json}{refresh_token};
my $at2 = $r->{json}{access_token};
is(me_status($at2), 200, 'the new access token works');

# ------------------------------------------------------------ refresh with the cookie only

$r = refresh_cookie_only($rt2);
is($r->{status}, 200, 'refresh with only the cookie (no body)');
token_pair_ok($r, 'refresh by cookie');
my $rt3 = $r->{json}{refresh_token};
my $at3 = $r->{json}{access_token};
is(me_status($at3), 200, 'the access token from a cookie refresh works');
$r = req('POST', '/auth/refresh', json => {}, headers => { Cookie => "other=1; jobboard_refresh=$rt3; x=y" });
is($r->{status}, 200, 'refresh with the cookie among others and an empty JSON body');
my $rt4 = $r->{json}{refresh_token};
my $at4 = $r->{json}{access_token};

# A chain of rotations keeps working.
for my $i (1 .. 3) {
	$r = refresh_body($rt4);
	is($r->{status}, 200, "rotation $i");
	($rt4, $at4) = @{ $r->{json} }{qw(refresh_token access_token)};
}

# ------------------------------------------------------------ reuse detection

# $rt2 was spent above. Presenting it again revokes the whole session.
$r = refresh_body($rt2);
problem_ok($r, 401, 'unauthorized', 'a spent refresh token is refused');
ok(!refresh_cookie($r) || refresh_cookie($r)->{value} eq '', 'no new refresh cookie on a refused refresh');
$r = refresh_body($rt4);
problem_ok($r, 401, 'unauthorized', 'after reuse, the newest refresh token of that session is refused');
is(me_status($at4), 401, 'after reuse, the newest access token of that session is refused');
is(me_status($at3), 401, 'after reuse, older access tokens of that session are refused');
is(me_status($u->{access}), 401, 'after reuse, the first access token of that session is refused');

# A spent token presented through the cookie counts as reuse too.
{
	my $v = register_user();
	my $x = refresh_body($v->{refresh});
	is($x->{status}, 200, 'second user: refresh');
	my ($nrt, $nat) = @{ $x->{json} }{qw(refresh_token access_token)};
	$x = refresh_cookie_only($v->{refresh});
	problem_ok($x, 401, 'unauthorized', 'a spent refresh token in the cookie is refused');
	is(me_status($nat), 401, 'reuse by cookie revokes the session too');
	is(refresh_body($nrt)->{status}, 401, 'and its newest refresh token');
	# Another session of the same user is not touched by the reuse.
	my $other = login_ok($v->{email}, $v->{password});
	is(me_status($other->{access}), 200, 'a new session of that user works after the reuse');
}
{
	# Reuse revokes only the session it concerns.
	my $w = register_user();
	my $s2 = login_ok($w->{email}, $w->{password});
	my $x = refresh_body($w->{refresh});
	is($x->{status}, 200, 'third user: refresh session 1');
	is(refresh_body($w->{refresh})->{status}, 401, 'third user: reuse in session 1');
	is(me_status($s2->{access}), 200, 'session 2 of the same user is unaffected by reuse in session 1');
	is(refresh_body($s2->{refresh})->{status}, 200, 'session 2 still refreshes');
}

# An expired refresh token is refused (lifetime jobboard.refresh_token_ttl);
# the session is aged through SQL rather than waiting 30 days.
SKIP: {
	skip 'JB_PSQL not set', 2 unless have_psql();
	my $x = register_user();
	my (undef, $cl) = jwt_parts($x->{access});
	my $sid = $cl->{sid};
	skip 'sid is not a session id', 2 unless defined $sid && $sid =~ /\A\d+\z/;
	my $n = eval { sql("UPDATE jobboard.sessions SET expires_at = now() - interval '1 second' WHERE id = $sid RETURNING id") };
	skip 'cannot age the session through SQL', 2 unless $n;
	problem_ok(refresh_body($x->{refresh}), 401, 'unauthorized', 'an expired refresh token');
	my $y = login_ok($x->{email}, $x->{password});
	is(refresh_body($y->{refresh})->{status}, 200, 'a new session of that user refreshes');
}

# ------------------------------------------------------------ bad refresh requests

problem_ok(refresh_body('not-a-real-refresh-token'), 401, 'unauthorized', 'an unknown refresh token');
problem_ok(refresh_body($u->{access}), 401, 'unauthorized', 'an access token used as refresh token');
$r = req('POST', '/auth/refresh', json => { refresh_token => 12345 });
problem_ok($r, 422, 'validation_failed', 'refresh_token as a number', only_fields => ['refresh_token']);
$r = req('POST', '/auth/refresh', json => { refresh_token => 'x', extra => 1 });
problem_ok($r, 422, 'validation_failed', 'refresh with an unknown field', fields => ['extra']);
{
	# Decision: with neither the body member nor the cookie there is no
	# credential to check; 401 (as for a missing token) or 422 (a missing
	# required field) are both readings of API.md. Either must be a problem.
	my $n = req('POST', '/auth/refresh', json => {});
	ok($n->{status} == 401 || $n->{status} == 422, "refresh without any token: 401 or 422 (got $n->{status})");
	problem_ok($n, $n->{status}, $n->{status} == 401 ? 'unauthorized' : 'validation_failed', 'refresh without any token')
		if $n->{status} == 401 || $n->{status} == 422;
}

# ------------------------------------------------------------ logout

{
	my $a = register_user();
	my $s2 = login_ok($a->{email}, $a->{password});
	$r = req('POST', '/auth/logout', json => { refresh_token => $a->{refresh} });
	is($r->{status}, 204, 'logout with {refresh_token} answers 204');
	is($r->{body}, '', 'logout has no body');
	security_headers_ok($r, 'logout');
	my $clr = refresh_cookie($r);
	ok($clr && $clr->{value} eq '' && ($clr->{attrs}{'max-age'} // '') eq '0'
		&& ($clr->{attrs}{path} // '') eq '/auth',
		'logout clears the cookie (empty value, Max-Age=0, Path=/auth)');
	refused_me($a->{access}, 'after logout, that session\'s access token');
	problem_ok(refresh_body($a->{refresh}), 401, 'unauthorized', 'after logout, its refresh token');
	is(me_status($s2->{access}), 200, 'another session of the same user still works');
	is(refresh_body($s2->{refresh})->{status}, 200, 'and still refreshes');

	# Logout by cookie.
	my $s3 = login_ok($a->{email}, $a->{password});
	$r = req('POST', '/auth/logout', headers => { Cookie => "jobboard_refresh=$s3->{refresh}" });
	is($r->{status}, 204, 'logout with only the cookie answers 204');
	is(me_status($s3->{access}), 401, 'after a cookie logout the access token is refused');
	is(refresh_body($s3->{refresh})->{status}, 401, 'and the refresh token');

	# Logout with a refreshed session's newest token revokes the access
	# tokens issued at every step of that session.
	my $s4 = login_ok($a->{email}, $a->{password});
	my $x = refresh_body($s4->{refresh});
	is(req('POST', '/auth/logout', json => { refresh_token => $x->{json}{refresh_token} })->{status}, 204,
		'logout with a rotated refresh token');
	is(me_status($s4->{access}), 401, 'the session\'s first access token is refused');
	is(me_status($x->{json}{access_token}), 401, 'the session\'s latest access token is refused');

	$r = req('POST', '/auth/logout', json => { refresh_token => 42 });
	problem_ok($r, 422, 'validation_failed', 'logout with a numeric refresh_token', only_fields => ['refresh_token']);
}

sub refused_me {
	my ($tok, $name) = @_;
	my $x = req('GET', '/me', token => $tok);
	problem_ok($x, 401, 'unauthorized', $name);
	like(hdr($x, 'www-authenticate') // '', qr/\ABearer\b.*error="invalid_token"/, "$name: invalid_token");
}

# ------------------------------------------------------------ logout-all

{
	my $a = register_user();
	my @s = map { login_ok($a->{email}, $a->{password}) } 1 .. 2;
	unshift @s, { access => $a->{access}, refresh => $a->{refresh} };
	my $b = register_user();

	problem_ok(req('POST', '/auth/logout-all'), 401, 'unauthorized', 'logout-all without a token');
	$r = req('POST', '/auth/logout-all', token => $s[1]{access});
	is($r->{status}, 204, 'logout-all answers 204');
	is($r->{body}, '', 'logout-all has no body');
	for my $i (0 .. 2) {
		is(me_status($s[$i]{access}), 401, "after logout-all, session $i access token is refused");
		is(refresh_body($s[$i]{refresh})->{status}, 401, "after logout-all, session $i refresh token is refused");
	}
	is(me_status($b->{access}), 200, 'another user is unaffected by logout-all');
	is(refresh_body($b->{refresh})->{status}, 200, 'another user still refreshes');
	my $again = login_ok($a->{email}, $a->{password});
	is(me_status($again->{access}), 200, 'the user can log in again after logout-all');
	problem_ok(req('POST', '/auth/logout-all', token => $s[0]{access}), 401, 'unauthorized',
		'logout-all with a revoked token');
}

done_testing;
