#!/usr/bin/perl
# API.md §3.2 last-admin rules: removing the admin role from the last active
# admin is a 409, and so is deleting the last admin. Other admins made by
# other test files are first demoted through the API, so this file relies on
# running alone (prove without -j, as `make test` runs it).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $A = make_admin();
my $r;

sub admins {
	# Every active admin's {id, roles}, walking the cursor.
	my (@all, $cursor);
	my $n = 0;
	do {
		my $x = req('GET', '/users?role=admin&disabled=false&limit=100'
			. (defined $cursor ? "&cursor=$cursor" : ''), token => $A->{access});
		die "listing admins answered $x->{status}: $x->{body}\n" unless $x->{status} == 200;
		push @all, @{ $x->{json}{data} };
		$cursor = $x->{json}{next_cursor};
		$cursor =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge if defined $cursor;
	} while (defined $cursor && $n++ < 1000);
	return @all;
}

# Demote every other active admin (keeping their other roles, or employer).
# Roles set in this file are admin and employer only, whose permissions the
# admin holds, so that nothing here depends on granting candidate (checked in
# 60-users-admin.t).
for my $u (admins()) {
	next if $u->{id} == $A->{id};
	my @keep = grep { $_ ne 'admin' } @{ $u->{roles} };
	@keep = ('employer') unless @keep;
	my $x = req('PATCH', "/users/$u->{id}", token => $A->{access}, json => { roles => \@keep });
	die "demoting admin $u->{id} answered $x->{status}: $x->{body}\n" unless $x->{status} == 200;
}
my @ad = admins();
is_deeply([ map { $_->{id} } @ad ], [ $A->{id} ], 'set-up: A is the only active admin');

# ------------------------------------------------------------ A is the last active admin

for my $roles ([ 'employer' ], [ 'employer', 'employer' ]) {
	$r = req('PATCH', "/users/$A->{id}", token => $A->{access}, json => { roles => $roles });
	problem_ok($r, 409, 'conflict', "the last admin sets its own roles to [@$roles]");
}
is(req('GET', '/users', token => $A->{access})->{status}, 200, 'A is still an admin');
$r = req('PATCH', "/users/$A->{id}", token => $A->{access}, json => { roles => [ 'admin', 'employer' ] });
is($r->{status}, 200, 'the last admin may add a role while keeping admin');
ok(sorted_eq($r->{json}{roles} || [], [ 'admin', 'employer' ]), 'roles are admin and employer');
problem_ok(req('DELETE', "/users/$A->{id}", token => $A->{access}), 409, 'conflict', 'the last admin deletes itself');
is(req('GET', '/me', token => $A->{access})->{status}, 200, 'A still exists');

# A disabled admin does not count as an active one.
my $B = register_user();
is(req('PATCH', "/users/$B->{id}", token => $A->{access}, json => { roles => ['admin'] })->{status}, 200, 'B made admin');
is(req('PATCH', "/users/$B->{id}", token => $A->{access}, json => { disabled => JSON::PP::true })->{status}, 200,
	'B disabled');
problem_ok(req('PATCH', "/users/$A->{id}", token => $A->{access}, json => { roles => ['employer'] }), 409, 'conflict',
	'with B disabled, A is still the last active admin');

# With B active again, A may drop admin from B, and B from A.
is(req('PATCH', "/users/$B->{id}", token => $A->{access}, json => { disabled => JSON::PP::false })->{status}, 200,
	'B enabled');
my $Bl = login_ok($B->{email}, $B->{password});
$r = req('PATCH', "/users/$B->{id}", token => $A->{access}, json => { roles => ['employer'] });
is($r->{status}, 200, 'with two active admins, A removes admin from B');
problem_ok(req('GET', '/users', token => $Bl->{access}), 403, 'forbidden', 'B lost admin at its next request');
is(req('PATCH', "/users/$B->{id}", token => $A->{access}, json => { roles => ['admin'] })->{status}, 200,
	'B made admin again');
$r = req('PATCH', "/users/$A->{id}", token => $Bl->{access}, json => { roles => ['employer'] });
is($r->{status}, 200, 'with two active admins, B removes admin from A');
problem_ok(req('GET', '/users', token => $A->{access}), 403, 'forbidden', 'A lost admin at its next request');

# Now B is the last admin: deleting it is refused, deleting A (no longer admin) is not.
problem_ok(req('PATCH', "/users/$B->{id}", token => $Bl->{access}, json => { roles => ['employer'] }), 409, 'conflict',
	'B, the last admin, removes its own admin role');
problem_ok(req('DELETE', "/users/$B->{id}", token => $Bl->{access}), 409, 'conflict', 'B, the last admin, deletes itself');
is(req('DELETE', "/users/$A->{id}", token => $Bl->{access})->{status}, 204, 'B deletes A, who is no longer an admin');
is(req('GET', '/users', token => $Bl->{access})->{status}, 200, 'B is still an admin');

done_testing;
