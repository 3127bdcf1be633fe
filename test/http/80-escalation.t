#!/usr/bin/perl
# Privilege escalation attempts against API.md §2/§3.1/§3.2: candidates and
# employers on every admin route, users acting on other users, roles smuggled
# in through registration, PATCH /me or forged token claims, partial custom
# roles, and credentials sent in places that are not Authorization.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $A = make_admin();
my $C = register_user();
my $C2 = register_user();
my $E = register_user(role => 'employer');
my $r;

sub state_of { req('GET', "/users/$_[0]", token => $A->{access})->{json} }

# A role to aim at.
my $R = 'esc' . unique_tag();
is(req('POST', '/roles', token => $A->{access}, json => { name => $R, permissions => ['notes:write'] })->{status}, 201,
	'set-up: a custom role');

# ------------------------------------------------------------ every admin route, as candidate and employer

my $before_A = state_of($A->{id});
my $before_C2 = state_of($C2->{id});
for my $who ([ $C, 'candidate' ], [ $E, 'employer' ]) {
	my ($u, $label) = @$who;
	my @routes = (
		[ 'GET', '/users' ],
		[ 'GET', '/users?role=admin' ],
		[ 'GET', "/users/$A->{id}" ],
		[ 'GET', "/users/$C2->{id}" ],
		[ 'PATCH', "/users/$A->{id}", { disabled => JSON::PP::true } ],
		[ 'PATCH', "/users/$C2->{id}", { name => 'Owned' } ],
		[ 'PATCH', "/users/$u->{id}", { roles => ['admin'] } ],
		[ 'PATCH', "/users/$u->{id}", { name => 'Self via /users' } ],
		[ 'DELETE', "/users/$A->{id}" ],
		[ 'DELETE', "/users/$C2->{id}" ],
		[ 'GET', '/roles' ],
		[ 'POST', '/roles', { name => 'x' . unique_tag(), permissions => [ 'users:manage', 'roles:manage' ] } ],
		[ 'PATCH', "/roles/$R", { permissions => ['users:manage'] } ],
		[ 'PATCH', '/roles/candidate', { permissions => ['users:manage'] } ],
		[ 'DELETE', "/roles/$R" ],
	);
	for my $rt (@routes) {
		my ($m, $p, $body) = @$rt;
		problem_ok(req($m, $p, token => $u->{access}, defined $body ? (json => $body) : ()), 403, 'forbidden',
			"$label: $m $p");
	}
	is_deeply(req('GET', '/me', token => $u->{access})->{json}{roles}, [$label], "$label: roles unchanged");
}
is_deeply(state_of($A->{id}), $before_A, 'the admin is unchanged');
is_deeply(state_of($C2->{id}), $before_C2, 'the other candidate is unchanged');
is(req('GET', '/users', token => $A->{access})->{status}, 200, 'the admin still works');
is(join(' ', sort @{ (grep { $_->{name} eq 'candidate' } @{ req('GET', '/roles', token => $A->{access})->{json}{data} })[0]{permissions} }),
	'applications:create files:upload notes:write', 'the built-in candidate role is unchanged');

# ------------------------------------------------------------ user A on user B

problem_ok(req('PATCH', "/users/$C2->{id}", token => $C->{access}, json => { name => 'B renamed by A' }), 403, 'forbidden',
	'user A PATCHes user B');
problem_ok(req('DELETE', "/users/$C2->{id}", token => $C->{access}), 403, 'forbidden', 'user A DELETEs user B');
is(req('GET', '/me', token => $C2->{access})->{status}, 200, 'user B is still there');
is(req('GET', '/me', token => $C2->{access})->{json}{name}, $C2->{name}, 'with its name');

# ------------------------------------------------------------ roles through the front door

{
	my $e = 'esc' . unique_tag() . '@example.com';
	$r = req('POST', '/auth/register', json => { email => $e, password => 'Quiet-Lake-' . unique_tag(), name => 'X', role => 'admin' });
	problem_ok($r, 422, 'validation_failed', 'register with role admin', only_fields => ['role']);
	$r = req('POST', '/auth/register', json => { email => $e, password => 'Quiet-Lake-' . unique_tag(), name => 'X', roles => ['admin'] });
	problem_ok($r, 422, 'validation_failed', 'register with roles ["admin"]', only_fields => ['roles']);
	$r = req('POST', '/auth/register', json => { email => $e, password => 'Quiet-Lake-' . unique_tag(), name => 'X', role => $R });
	problem_ok($r, 422, 'validation_failed', 'register with a custom role', only_fields => ['role']);
	$r = req('POST', '/auth/register', json => { email => $e, password => 'Quiet-Lake-' . unique_tag(), name => 'X',
		disabled => JSON::PP::false });
	problem_ok($r, 422, 'validation_failed', 'register with disabled', only_fields => ['disabled']);
	$r = req('POST', '/auth/register', json => { email => $e, password => 'Quiet-Lake-' . unique_tag(), name => 'X', id => 1 });
	problem_ok($r, 422, 'validation_failed', 'register with id', only_fields => ['id']);
	is(login($e, 'whatever-123')->{status}, 401, 'none of them made a user');
}
for my $body ({ roles => ['admin'] }, { roles => ['admin'], name => 'Me' }, { role => 'admin' }, { permissions => ['users:read'] }) {
	my ($k) = grep { $_ ne 'name' } sort keys %$body;
	problem_ok(req('PATCH', '/me', token => $C->{access}, json => $body), 422, 'validation_failed',
		"PATCH /me with $k", only_fields => [$k]);
}
is_deeply(req('GET', '/me', token => $C->{access})->{json}{roles}, ['candidate'], 'PATCH /me granted nothing');
problem_ok(req('GET', '/users', token => $C->{access}), 403, 'forbidden', 'the candidate still cannot list users');

# ------------------------------------------------------------ forged claims (need the secret)

SKIP: {
	my $key = signing_key($C->{access});
	skip 'the signing secret cannot be read through JB_PSQL', 8 unless $key;
	my ($h, $cl) = jwt_parts($C->{access});
	my $H = { alg => 'HS256', typ => 'JWT' };
	my $now = time;
	# The server must take roles from the database: a correctly signed token
	# of the candidate that claims admin is still a candidate.
	my $forged = jwt_sign($H, { %$cl, roles => ['admin'], iat => $now, exp => $now + 300 }, $key);
	is(req('GET', '/me', token => $forged)->{status}, 200, 'the forged token is otherwise valid');
	is_deeply(req('GET', '/me', token => $forged)->{json}{roles}, ['candidate'], 'GET /me shows the database roles');
	problem_ok(req('GET', '/users', token => $forged), 403, 'forbidden', 'roles ["admin"] in the claims: GET /users');
	problem_ok(req('PATCH', "/users/$C->{id}", token => $forged, json => { roles => ['admin'] }), 403, 'forbidden',
		'roles ["admin"] in the claims: PATCH /users/{self}');
	problem_ok(req('GET', '/roles', token => $forged), 403, 'forbidden', 'roles ["admin"] in the claims: GET /roles');
	# Another user's id with the candidate's own session: sub and sid must match.
	my $as_admin = jwt_sign($H, { %$cl, sub => "$A->{id}", iat => $now, exp => $now + 300 }, $key);
	problem_ok(req('GET', '/users', token => $as_admin), 401, 'unauthorized', "the admin's sub with the candidate's sid");
	is(req('GET', '/me', token => $as_admin)->{status}, 401, 'is no way to act as the admin');
	# sub as a number instead of a string.
	my $numsub = jwt_sign($H, { %$cl, sub => $C->{id} + 0, iat => $now, exp => $now + 300 }, $key);
	is(req('GET', '/me', token => $numsub)->{status}, 401, 'sub as a JSON number is refused (§3.1: a string)');
}

# ------------------------------------------------------------ partial custom roles

{
	# roles:manage alone: may shape roles, may not hand them out.
	my $rm = 'rm' . unique_tag();
	is(req('POST', '/roles', token => $A->{access}, json => { name => $rm, permissions => ['roles:manage'] })->{status}, 201,
		'a role with roles:manage only');
	my $m = register_user();
	is(req('PATCH', "/users/$m->{id}", token => $A->{access}, json => { roles => [ 'candidate', $rm ] })->{status}, 200,
		'granted to a user');
	is(req('GET', '/roles', token => $m->{access})->{status}, 200, 'it lists roles');
	my $big = 'big' . unique_tag();
	is(req('POST', '/roles', token => $m->{access}, json => { name => $big, permissions => [ 'users:manage', 'users:read' ] })->{status},
		201, 'it may create a role with users:manage');
	problem_ok(req('PATCH', "/users/$m->{id}", token => $m->{access}, json => { roles => [ 'candidate', $rm, $big ] }), 403,
		'forbidden', 'but not grant it to itself (needs users:manage)');
	problem_ok(req('PATCH', "/users/$m->{id}", token => $m->{access}, json => { roles => ['admin'] }), 403, 'forbidden',
		'nor grant itself admin');
	problem_ok(req('GET', '/users', token => $m->{access}), 403, 'forbidden', 'nor list users');
	# Putting users:manage into its own role does work: that is what
	# roles:manage means (§2: custom roles take effect everywhere). Checked
	# so that the refusal above is about users:manage, not a broken PATCH.
	is(req('PATCH', "/roles/$rm", token => $m->{access}, json => { permissions => [ 'roles:manage', 'users:read' ] })->{status},
		200, 'it may change its own role');
	is(req('GET', '/users', token => $m->{access})->{status}, 200, 'and that change bites on its next request');
	# Clean up.
	is(req('PATCH', "/users/$m->{id}", token => $A->{access}, json => { roles => ['candidate'] })->{status}, 200, 'clean up: user');
	is(req('DELETE', "/roles/$rm", token => $A->{access})->{status}, 204, 'clean up: role');
	is(req('DELETE', "/roles/$big", token => $A->{access})->{status}, 204, 'clean up: second role');
}

# ------------------------------------------------------------ credentials in the wrong places

problem_ok(req('GET', '/me', headers => { Cookie => "access_token=$C->{access}" }), 401, 'unauthorized',
	'an access token in a cookie does not authenticate');
problem_ok(req('GET', '/me', headers => { Cookie => "jobboard_refresh=$C->{refresh}" }), 401, 'unauthorized',
	'the refresh cookie does not authenticate /me');
problem_ok(req('GET', '/me', token => $C->{refresh}), 401, 'unauthorized', 'a refresh token as bearer');
problem_ok(req('GET', '/users', token => $C->{access}, headers => { 'X-Forwarded-User' => $A->{email}, 'X-User-Id' => $A->{id} }),
	403, 'forbidden', 'identity headers are ignored');

# A disabled admin loses everything at its next request.
{
	my $B = make_admin();
	is(req('GET', '/users', token => $B->{access})->{status}, 200, 'a second admin works');
	is(req('PATCH', "/users/$B->{id}", token => $A->{access}, json => { disabled => JSON::PP::true })->{status}, 200,
		'it is disabled');
	problem_ok(req('GET', '/users', token => $B->{access}), 401, 'unauthorized', 'the disabled admin\'s next request');
	is(req('DELETE', "/users/$B->{id}", token => $A->{access})->{status}, 204, 'clean up: second admin');
}

is(req('DELETE', "/roles/$R", token => $A->{access})->{status}, 204, 'clean up: role');

done_testing;
