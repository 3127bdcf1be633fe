#!/usr/bin/perl
# API.md §2 and §3.2 roles: the built-in roles and their exact permission
# sets, creating (name rule, unknown permission, duplicate, Location,
# Idempotency-Key), changing (built-in refused), a custom role taking effect
# on the next request, deleting (built-in or assigned refused), and every
# /roles route refused to a caller without roles:manage.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $A = make_admin();
my $C = register_user();
my $E = register_user(role => 'employer');
my $r;

sub roles_list { req('GET', '/roles', token => $_[0] // $A->{access}) }
sub role_named {
	my ($name) = @_;
	my ($x) = grep { $_->{name} eq $name } @{ roles_list()->{json}{data} || [] };
	return $x;
}
sub rname { my $n = 'r' . unique_tag(); $n =~ tr/a-z0-9//cd; return $n }

# ------------------------------------------------------------ GET /roles

$r = roles_list();
is($r->{status}, 200, 'GET /roles as admin');
is(join(',', sort keys %{ $r->{json} || {} }), 'data', 'the answer is {data} only (not paginated, no next_cursor)');
is(ref $r->{json}{data}, 'ARRAY', 'data is an array');
my @bad_shape = grep { join(',', sort keys %$_) ne 'builtin,name,permissions' || ref $_->{permissions} ne 'ARRAY'
	|| !JSON::PP::is_bool($_->{builtin}) } @{ $r->{json}{data} || [] };
is(scalar @bad_shape, 0, 'every role is exactly {name, permissions: [...], builtin: bool}');

my %BUILTIN = (
	admin => [qw(companies:create jobs:write applications:review notes:write files:upload
		users:read users:manage roles:manage moderate)],
	employer  => [qw(companies:create jobs:write applications:review notes:write files:upload)],
	candidate => [qw(applications:create notes:write files:upload)],
);
for my $name (sort keys %BUILTIN) {
	my $x = role_named($name);
	ok($x, "built-in role $name is listed") or next;
	ok($x->{builtin}, "$name is builtin: true");
	is(join(' ', sort @{ $x->{permissions} }), join(' ', sort @{ $BUILTIN{$name} }), "$name has exactly the permissions of §2");
}

# ------------------------------------------------------------ POST /roles

my $N = rname();
$r = req('POST', '/roles', token => $A->{access}, json => { name => $N, permissions => ['users:read'] });
is($r->{status}, 201, 'POST /roles answers 201');
is(hdr($r, 'location'), "/roles/$N", 'Location is /roles/{name}');
is($r->{json}{name}, $N, 'the answer is the role');
is_deeply($r->{json}{permissions}, ['users:read'], 'with its permissions');
ok(JSON::PP::is_bool($r->{json}{builtin}) && !$r->{json}{builtin}, 'a new role is builtin: false');
is_deeply(role_named($N), $r->{json}, 'GET /roles lists it as returned');

problem_ok(req('POST', '/roles', token => $A->{access}, json => { name => $N, permissions => [] }), 409, 'conflict',
	'a duplicate role name');
problem_ok(req('POST', '/roles', token => $A->{access}, json => { name => 'admin', permissions => [] }), 409, 'conflict',
	'the name of a built-in role');

# The name rule ^[a-z][a-z0-9_]{1,31}$.
for my $bad ('A' . rname(), '1' . rname(), '_' . rname(), 'a', '', rname() . '-x', rname() . ' x', rname() . 'X',
	'r' . ('x' x 32), "r\x{e9}" . rname(), rname() . "\n")
{
	$r = req('POST', '/roles', token => $A->{access}, json => { name => $bad, permissions => [] });
	(my $show = $bad) =~ s/\n/\\n/;
	problem_ok($r, 422, 'validation_failed', "role name '$show'", only_fields => ['name']);
}
{
	my $long = rname();
	$long .= '_' x (32 - length $long);
	is(length $long, 32, '32-character name');
	$r = req('POST', '/roles', token => $A->{access}, json => { name => $long, permissions => [] });
	is($r->{status}, 201, 'a 32-character name is accepted');
	is(req('DELETE', "/roles/$long", token => $A->{access})->{status}, 204, 'and deleted');

	# Two characters is the shortest; the name is random and removed again,
	# so that runs against the same database do not collide.
	my @c = ('a' .. 'z', 0 .. 9);
	my $two = ('a' .. 'z')[ int rand 26 ] . $c[ int rand 36 ];
	req('DELETE', "/roles/$two", token => $A->{access}) unless $two =~ /\A(?:admin|employer|candidate)\z/;
	$r = req('POST', '/roles', token => $A->{access}, json => { name => $two, permissions => [] });
	is($r->{status}, 201, "a 2-character name ('$two') is accepted");
	is(req('DELETE', "/roles/$two", token => $A->{access})->{status}, 204, 'and deleted');
}

for my $case (
	[ { name => rname(), permissions => [ 'users:read', 'users:fly' ] }, ['permissions[1]'], 'unknown permission in second place' ],
	[ { name => rname(), permissions => ['root'] }, ['permissions[0]'], 'unknown permission' ],
	[ { name => rname(), permissions => ['USERS:READ'] }, ['permissions[0]'], 'permission in the wrong case' ],
	[ { name => rname(), permissions => [5] }, ['permissions[0]'], 'a number in permissions' ],
	[ { name => rname(), permissions => 'users:read' }, ['permissions'], 'permissions as a string' ],
	[ { name => rname(), permissions => undef }, ['permissions'], 'permissions null' ],
	[ { name => rname() }, ['permissions'], 'no permissions' ],
	[ { permissions => [] }, ['name'], 'no name' ],
	[ {}, [ 'name', 'permissions' ], 'empty body: both fields named' ],
	[ { name => 7, permissions => [] }, ['name'], 'numeric name' ],
	[ { name => rname(), permissions => [], builtin => JSON::PP::true }, ['builtin'], 'builtin is not settable' ],
) {
	my ($body, $fields, $what) = @$case;
	$r = req('POST', '/roles', token => $A->{access}, json => $body);
	problem_ok($r, 422, 'validation_failed', "POST /roles: $what", only_fields => $fields);
	ok(!role_named($body->{name}), "POST /roles: $what created nothing") if defined $body->{name} && !ref $body->{name};
}

# Idempotency-Key (§1.3): a repeat replays, another body with the same key is a 409.
{
	my $key = 'roles-' . unique_tag();
	my $n1 = rname();
	my $first = req('POST', '/roles', token => $A->{access}, json => { name => $n1, permissions => ['notes:write'] },
		headers => { 'Idempotency-Key' => $key });
	is($first->{status}, 201, 'POST /roles with an Idempotency-Key');
	my $again = req('POST', '/roles', token => $A->{access}, json => { name => $n1, permissions => ['notes:write'] },
		headers => { 'Idempotency-Key' => $key });
	is($again->{status}, 201, 'the same request with the same key replays 201 (not 409)');
	is_deeply($again->{json}, $first->{json}, 'and the same body');
	my $n2 = rname();
	problem_ok(req('POST', '/roles', token => $A->{access}, json => { name => $n2, permissions => ['notes:write'] },
		headers => { 'Idempotency-Key' => $key }), 409, 'conflict', 'the same key with another body');
	ok(!role_named($n2), 'which created nothing');
	is(scalar(grep { $_->{name} eq $n1 } @{ roles_list()->{json}{data} }), 1, 'the role exists once');
	is(req('DELETE', "/roles/$n1", token => $A->{access})->{status}, 204, 'clean up');
}

# ------------------------------------------------------------ PATCH /roles/{name}

for my $b (sort keys %BUILTIN) {
	problem_ok(req('PATCH', "/roles/$b", token => $A->{access}, json => { permissions => ['notes:write'] }), 409, 'conflict',
		"PATCH the built-in role $b");
}
is(join(' ', sort @{ role_named('candidate')->{permissions} }), join(' ', sort @{ $BUILTIN{candidate} }),
	'the built-in role is unchanged');
$r = req('PATCH', "/roles/$N", token => $A->{access}, json => { permissions => [ 'users:read', 'notes:write' ] });
is($r->{status}, 200, 'PATCH a custom role');
is($r->{json}{name}, $N, 'the answer is the role');
is(join(' ', sort @{ $r->{json}{permissions} || [] }), 'notes:write users:read', 'with the new permissions');
is(join(' ', sort @{ role_named($N)->{permissions} }), 'notes:write users:read', 'GET /roles shows them');
problem_ok(req('PATCH', "/roles/$N", token => $A->{access}, json => { permissions => ['users:fly'] }), 422,
	'validation_failed', 'PATCH with an unknown permission', only_fields => ['permissions[0]']);
problem_ok(req('PATCH', "/roles/$N", token => $A->{access}, json => { permissions => 'users:read' }), 422,
	'validation_failed', 'PATCH with permissions as a string', only_fields => ['permissions']);
problem_ok(req('PATCH', "/roles/$N", token => $A->{access}, json => { permissions => [], builtin => JSON::PP::true }), 422,
	'validation_failed', 'PATCH builtin', fields => ['builtin']);
problem_ok(req('PATCH', "/roles/$N", token => $A->{access}, json => { name => 'other', permissions => [] }), 400,
	'bad_request', 'name both in the path and in the body');
problem_ok(req('PATCH', '/roles/' . rname(), token => $A->{access}, json => { permissions => [] }), 404, 'not_found',
	'PATCH a role that does not exist');
is(join(' ', sort @{ role_named($N)->{permissions} }), 'notes:write users:read', 'refused PATCHes changed nothing');

# ------------------------------------------------------------ a custom role takes effect

problem_ok(req('GET', '/users', token => $C->{access}), 403, 'forbidden', 'before: the candidate cannot list users');
$r = req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { roles => [ 'candidate', $N ] });
is($r->{status}, 200, 'the custom role is granted to the candidate');
ok(sorted_eq($r->{json}{roles} || [], [ 'candidate', $N ]), 'the user has both roles');
is(req('GET', '/users', token => $C->{access})->{status}, 200, 'with users:read the candidate lists users (same token)');
is(req('GET', "/users/$E->{id}", token => $C->{access})->{status}, 200, 'and reads another user');
problem_ok(req('PATCH', "/users/$E->{id}", token => $C->{access}, json => { name => 'No' }), 403, 'forbidden',
	'but users:read does not allow PATCH');
problem_ok(req('GET', '/roles', token => $C->{access}), 403, 'forbidden', 'nor the roles routes');
is(req('PATCH', "/roles/$N", token => $A->{access}, json => { permissions => ['notes:write'] })->{status}, 200,
	'users:read removed from the custom role');
problem_ok(req('GET', '/users', token => $C->{access}), 403, 'forbidden', 'the change bites on the next request');
is(req('PATCH', "/roles/$N", token => $A->{access}, json => { permissions => ['roles:manage'] })->{status}, 200,
	'roles:manage put into the custom role');
is(req('GET', '/roles', token => $C->{access})->{status}, 200, 'the candidate now lists roles');

# ------------------------------------------------------------ DELETE /roles/{name}

problem_ok(req('DELETE', "/roles/$N", token => $A->{access}), 409, 'conflict', 'DELETE a role still assigned');
ok(role_named($N), 'it is still there');
for my $b (sort keys %BUILTIN) {
	problem_ok(req('DELETE', "/roles/$b", token => $A->{access}), 409, 'conflict', "DELETE the built-in role $b");
}
is(req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { roles => ['candidate'] })->{status}, 200,
	'the custom role is taken from the user');
$r = req('DELETE', "/roles/$N", token => $A->{access});
is($r->{status}, 204, 'DELETE an unassigned custom role');
is($r->{body}, '', 'with no body');
ok(!role_named($N), 'it is gone from GET /roles');
problem_ok(req('DELETE', "/roles/$N", token => $A->{access}), 404, 'not_found', 'DELETE it again');
problem_ok(req('PATCH', "/roles/$N", token => $A->{access}, json => { permissions => [] }), 404, 'not_found',
	'PATCH the deleted role');
$r = req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { roles => [$N] });
problem_ok($r, 422, 'validation_failed', 'granting a deleted role', only_fields => ['roles[0]']);
problem_ok(req('DELETE', '/roles/Bad-Name', token => $A->{access}), 404, 'not_found', 'DELETE a name that cannot exist');

# ------------------------------------------------------------ without roles:manage

my $M = rname();
is(req('POST', '/roles', token => $A->{access}, json => { name => $M, permissions => [] })->{status}, 201,
	'a role for the permission checks');
for my $who ([ $C, 'candidate' ], [ $E, 'employer' ]) {
	my ($u, $label) = @$who;
	problem_ok(req('GET', '/roles', token => $u->{access}), 403, 'forbidden', "$label: GET /roles");
	problem_ok(req('POST', '/roles', token => $u->{access}, json => { name => rname(), permissions => ['users:manage'] }),
		403, 'forbidden', "$label: POST /roles");
	problem_ok(req('PATCH', "/roles/$M", token => $u->{access}, json => { permissions => ['users:manage'] }), 403,
		'forbidden', "$label: PATCH /roles/{name}");
	problem_ok(req('PATCH', '/roles/candidate', token => $u->{access}, json => { permissions => ['users:manage'] }), 403,
		'forbidden', "$label: PATCH a built-in role");
	problem_ok(req('DELETE', "/roles/$M", token => $u->{access}), 403, 'forbidden', "$label: DELETE /roles/{name}");
}
for my $route ([ 'GET', '/roles' ], [ 'POST', '/roles', {} ], [ 'PATCH', "/roles/$M", {} ], [ 'DELETE', "/roles/$M" ]) {
	my ($m, $p, $body) = @$route;
	problem_ok(req($m, $p, defined $body ? (json => $body) : ()), 401, 'unauthorized', "$m $p without a token");
}
is_deeply(role_named($M)->{permissions}, [], 'the refused calls changed nothing');
is(req('DELETE', "/roles/$M", token => $A->{access})->{status}, 204, 'clean up');

done_testing;
