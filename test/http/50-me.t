#!/usr/bin/perl
# API.md §3.1 the signed-in user: GET /me, PATCH /me {name} and its
# validation, POST /me/password (wrong current, weak new, other sessions
# revoked, the current one kept) and GET /me/applications as a list route.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

my $u = register_user(name => 'Mia Original');

# ------------------------------------------------------------ GET /me

my $r = req('GET', '/me', token => $u->{access});
is($r->{status}, 200, 'GET /me');
user_shape_ok($r->{json}, 'GET /me');
is($r->{json}{id}, $u->{id}, 'id');
is($r->{json}{email}, $u->{email}, 'email');
is($r->{json}{name}, 'Mia Original', 'name');
is_deeply($r->{json}{roles}, ['candidate'], 'roles');
ok(JSON::PP::is_bool($r->{json}{disabled}) && !$r->{json}{disabled}, 'disabled is false');
is_deeply($r->{json}, $u->{user}, 'GET /me equals the user returned at registration');
problem_ok(req('GET', '/me'), 401, 'unauthorized', 'GET /me without a token');

# ------------------------------------------------------------ PATCH /me

my $before = $r->{json};
sleep 1;	# updated_at must move forward visibly
$r = req('PATCH', '/me', token => $u->{access}, json => { name => 'Mia Renamed' });
is($r->{status}, 200, 'PATCH /me {name}');
user_shape_ok($r->{json}, 'PATCH /me');
is($r->{json}{name}, 'Mia Renamed', 'the answer has the new name');
is($r->{json}{email}, $before->{email}, 'email unchanged');
is($r->{json}{created_at}, $before->{created_at}, 'created_at unchanged');
isnt($r->{json}{updated_at}, $before->{updated_at}, 'updated_at changed');
is(req('GET', '/me', token => $u->{access})->{json}{name}, 'Mia Renamed', 'GET /me shows the new name');

# Unicode names; length in code points (a name of 200 4-byte characters fits
# the 1..200 column of the schema). Decision: API.md gives no length for a
# user's name; 200 code points must be accepted, an empty name refused.
$r = req('PATCH', '/me', token => $u->{access}, json => { name => "Zo\x{eb} \x{1F600}" });
is($r->{status}, 200, 'a name with non-ASCII characters');
is($r->{json}{name}, "Zo\x{eb} \x{1F600}", 'non-ASCII name round-trips');

for my $case (
	[ { name => '' }, ['name'], 'empty name' ],
	[ { name => undef }, ['name'], 'null name (not clearable)' ],
	[ { name => 42 }, ['name'], 'numeric name' ],
	[ { name => ['a'] }, ['name'], 'array name' ],
	[ { name => { first => 'a' } }, ['name'], 'object name' ],
	[ { name => 'x' x 1000 }, ['name'], '1000-character name' ],
	[ { email => 'new@example.com' }, ['email'], 'email is not changeable here' ],
	[ { roles => ['admin'] }, ['roles'], 'roles are not changeable here' ],
	[ { disabled => JSON::PP::true }, ['disabled'], 'disabled is not changeable here' ],
	[ { name => 'Ok Name', id => 1 }, ['id'], 'id is not a field' ],
	[ { name => 'Ok Name', password => 'Quiet-Lake-99' }, ['password'], 'password goes through /me/password' ],
) {
	my ($body, $fields, $what) = @$case;
	$r = req('PATCH', '/me', token => $u->{access}, json => $body);
	problem_ok($r, 422, 'validation_failed', "PATCH /me: $what", only_fields => $fields);
}
is(req('GET', '/me', token => $u->{access})->{json}{name}, "Zo\x{eb} \x{1F600}", 'refused PATCHes changed nothing');
is_deeply(req('GET', '/me', token => $u->{access})->{json}{roles}, ['candidate'], 'roles unchanged');
problem_ok(req('PATCH', '/me', json => { name => 'Nobody' }), 401, 'unauthorized', 'PATCH /me without a token');

# ------------------------------------------------------------ POST /me/password

{
	my $p = register_user();
	my $other = login_ok($p->{email}, $p->{password});	# a second session
	my $new = 'Brand-New-Pass-' . unique_tag();
	my $pw = sub { req('POST', '/me/password', token => $p->{access}, json => {@_}) };

	$r = $pw->(current_password => 'Not-The-Password-1', new_password => $new);
	problem_ok($r, 403, 'forbidden', 'wrong current password');
	is(login($p->{email}, $p->{password})->{status}, 200, 'the password is unchanged after a wrong current password');

	for my $case (
		[ 'short', 'too short' ],
		[ 'z' x 129, '129 characters' ],
		[ 'password1', 'a common password' ],
		[ '12345678', 'a common password (digits)' ],
		[ $p->{email}, 'equal to the email' ],
	) {
		my ($np, $what) = @$case;
		$r = $pw->(current_password => $p->{password}, new_password => $np);
		problem_ok($r, 422, 'validation_failed', "new password $what", only_fields => ['new_password']);
	}
	$r = $pw->();
	problem_ok($r, 422, 'validation_failed', 'POST /me/password {}', only_fields => [qw(current_password new_password)]);
	$r = $pw->(current_password => $p->{password}, new_password => 12345678);
	problem_ok($r, 422, 'validation_failed', 'numeric new_password', only_fields => ['new_password']);
	$r = $pw->(current_password => $p->{password}, new_password => $new, confirm => $new);
	problem_ok($r, 422, 'validation_failed', 'an unknown field', only_fields => ['confirm']);
	problem_ok(req('POST', '/me/password', json => { current_password => $p->{password}, new_password => $new }),
		401, 'unauthorized', 'POST /me/password without a token');
	is(me($other->{access}), 200, 'refused changes revoked nothing');

	$r = $pw->(current_password => $p->{password}, new_password => $new);
	is($r->{status}, 204, 'POST /me/password answers 204');
	is($r->{body}, '', 'with no body');

	is(me($p->{access}), 200, 'the session that changed the password still works');
	is(me($other->{access}), 401, 'another session\'s access token is refused');
	is(req('POST', '/auth/refresh', json => { refresh_token => $other->{refresh} })->{status}, 401,
		'another session\'s refresh token is refused');
	my $cur = req('POST', '/auth/refresh', json => { refresh_token => $p->{refresh} });
	is($cur->{status}, 200, 'the current session\'s refresh token still works');

	problem_ok(login($p->{email}, $p->{password}), 401, 'invalid_credentials', 'login with the old password');
	is(login($p->{email}, $new)->{status}, 200, 'login with the new password');
	# Setting the same password again, now as "current", works.
	$r = req('POST', '/me/password', token => $cur->{json}{access_token},
		json => { current_password => $p->{password}, new_password => 'Third-Pass-' . unique_tag() });
	problem_ok($r, 403, 'forbidden', 'the old password is no longer the current one');
}

sub me { req('GET', '/me', token => $_[0])->{status} }

# ------------------------------------------------------------ GET /me/applications

{
	my $c = register_user();
	$r = req('GET', '/me/applications', token => $c->{access});
	is($r->{status}, 200, 'GET /me/applications');
	is_deeply($r->{json}, { data => [], next_cursor => undef }, 'a new user has no applications: {data: [], next_cursor: null}');
	for my $q ('sort=created_at', 'sort=-created_at', 'sort=updated_at', 'sort=-updated_at', 'limit=1', 'limit=100',
		'status=submitted', 'count=exact')
	{
		my $x = req('GET', "/me/applications?$q", token => $c->{access});
		is($x->{status}, 200, "GET /me/applications?$q");
	}
	is(req('GET', '/me/applications?count=exact', token => $c->{access})->{json}{total}, 0, 'count=exact gives total 0');
	for my $q ('sort=title', 'sort=', 'limit=0', 'limit=101', 'limit=abc', 'limit=1.5', 'cursor=bogus', 'page=0',
		'page=abc', 'page=101&limit=100')
	{
		problem_ok(req('GET', "/me/applications?$q", token => $c->{access}), 400, 'bad_request', "GET /me/applications?$q");
	}
	problem_ok(req('GET', '/me/applications'), 401, 'unauthorized', 'GET /me/applications without a token');
}

done_testing;
