#!/usr/bin/perl
# API.md §3.3 company members: GET /companies/{id}/members (member or
# moderate; not paginated), POST /companies/{id}/members (owner or moderate;
# 201 + Location; the user must exist; duplicates 409), DELETE
# /companies/{id}/members/{user_id} (owner or moderate; the last owner stays,
# 409), and what membership grants (§2: posting jobs) being lost on removal.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $O = register_user(role => 'employer', name => 'Olga Owner');
my $R = register_user(role => 'employer', name => 'Rita Recruiter');
my $X = register_user(role => 'employer', name => 'Otto Outsider');
my $C = register_user(name => 'Cora Candidate');
my $A = make_admin(name => 'Mona Moderator');
my $co = new_company($O->{access});
my $K = $co->{id};
my $r;

sub members { req('GET', "/companies/$K/members", token => $_[0]) }
sub roster { [ map { [ $_->{user}{id}, $_->{role} ] } @{ members($O->{access})->{json}{data} || [] } ] }

# {user: {id, name, email}, role, added_at}; the extension adds company_id
# (expected/companies.out), which is allowed.
sub member_ok {
	my ($m, $name) = @_;
	my @bad;
	if (ref $m ne 'HASH') {
		@bad = ('not an object');
	} else {
		my $keys = join ',', sort grep { $_ ne 'company_id' } keys %$m;
		push @bad, "keys are [$keys]" unless $keys eq 'added_at,role,user';
		push @bad, "company_id is $m->{company_id}, want $K" if exists $m->{company_id} && ($m->{company_id} // '') ne $K;
		push @bad, 'user is not {id, name, email}'
			unless ref $m->{user} eq 'HASH' && join(',', sort keys %{ $m->{user} }) eq 'email,id,name';
		push @bad, 'added_at not RFC 3339' unless rfc3339_ok($m->{added_at});
		push @bad, 'role not owner/recruiter' unless ($m->{role} // '') =~ /\A(?:owner|recruiter)\z/;
	}
	ok(!@bad, "$name: member shape") or diag join "\n", @bad;
}

# ------------------------------------------------------------ GET members

$r = members($O->{access});
is($r->{status}, 200, 'the owner lists the members');
is(join(',', sort keys %{ $r->{json} || {} }), 'data', 'a short collection: {data} without next_cursor (§1.2)');
is(scalar @{ $r->{json}{data} || [] }, 1, 'one member');
member_ok($r->{json}{data}[0], 'the creator');
is_deeply($r->{json}{data}[0]{user}, { id => $O->{id}, name => $O->{name}, email => $O->{email} }, 'the creator as {id, name, email}');
is($r->{json}{data}[0]{role}, 'owner', 'as owner');

problem_ok(members(undef), 401, 'unauthorized', 'GET members without a token');
problem_ok(members('garbage'), 401, 'unauthorized', 'GET members with a bad token');
problem_ok(members($X->{access}), 403, 'forbidden', 'GET members by an employer who is not a member');
problem_ok(members($C->{access}), 403, 'forbidden', 'GET members by a candidate');
problem_ok(req('GET', '/companies/999999999999/members', token => $O->{access}), 404, 'not_found', 'GET members of no company');
is(members($A->{access})->{status}, 200, 'a moderator lists the members of any company');

# ------------------------------------------------------------ POST members

# The email is trimmed and compared case-insensitively (§3.1).
$r = req('POST', "/companies/$K/members", token => $O->{access}, json => { email => '  ' . uc($R->{email}) . ' ', role => 'recruiter' });
is($r->{status}, 201, 'the owner adds a recruiter (by an email in another case, padded)');
member_ok($r->{json}, 'POST members');
is_deeply($r->{json}{user}, { id => $R->{id}, name => $R->{name}, email => $R->{email} }, 'the member is the user of that email');
is($r->{json}{role}, 'recruiter', 'as recruiter');
is(hdr($r, 'location'), "/companies/$K/members/$R->{id}", 'Location is /companies/{id}/members/{user_id}');
is_deeply(roster(), [ [ $O->{id}, 'owner' ], [ $R->{id}, 'recruiter' ] ], 'the list shows both, in the order added');
is(members($R->{access})->{status}, 200, 'a recruiter (member) may list the members');

problem_ok(req('POST', "/companies/$K/members", token => $O->{access}, json => { email => $R->{email}, role => 'owner' }),
	409, 'conflict', 'adding a member again (with another role)');
is_deeply(roster(), [ [ $O->{id}, 'owner' ], [ $R->{id}, 'recruiter' ] ], 'the 409 changed no role');

for my $case (
	[ { email => 'ghost-' . unique_tag() . '@example.com', role => 'boss' }, [qw(email role)], 'an unknown user and a bad role' ],
	[ { email => 'not-an-email' }, [qw(email role)], 'a malformed email, no role' ],
	[ { role => 'recruiter' }, ['email'], 'no email' ],
	[ { email => $X->{email}, role => 'recruiter', user_id => $X->{id} }, ['user_id'], 'an unknown field' ],
	[ { email => $X->{email}, role => undef }, ['role'], 'role null' ],
	[ { email => 5, role => 'owner' }, ['email'], 'email a number' ],
) {
	my ($body, $fields, $what) = @$case;
	problem_ok(req('POST', "/companies/$K/members", token => $O->{access}, json => $body), 422, 'validation_failed',
		"POST members: $what", only_fields => $fields);
}

problem_ok(req('POST', "/companies/$K/members", token => $R->{access}, json => { email => $X->{email}, role => 'recruiter' }),
	403, 'forbidden', 'a recruiter may not add members (owner only)');
problem_ok(req('POST', "/companies/$K/members", token => $X->{access}, json => { email => $X->{email}, role => 'owner' }),
	403, 'forbidden', 'an outsider may not add itself as owner');
problem_ok(req('POST', "/companies/$K/members", token => $C->{access}, json => { email => $C->{email}, role => 'owner' }),
	403, 'forbidden', 'a candidate may not add itself');
problem_ok(req('POST', "/companies/$K/members", json => { email => $X->{email}, role => 'owner' }), 401, 'unauthorized',
	'POST members without a token');
problem_ok(req('POST', '/companies/999999999999/members', token => $O->{access}, json => { email => $X->{email}, role => 'owner' }),
	404, 'not_found', 'POST members of no company');
problem_ok(req('POST', "/companies/$K/members", token => $O->{access}, body => qq({"email":"$X->{email}","role":"owner"}), type => 'text/plain'),
	415, 'unsupported_media_type', 'POST members with text/plain');
is_deeply(roster(), [ [ $O->{id}, 'owner' ], [ $R->{id}, 'recruiter' ] ], 'the refused adds added no one');

$r = req('POST', "/companies/$K/members", token => $A->{access}, json => { email => $C->{email}, role => 'recruiter' });
is($r->{status}, 201, 'a moderator adds a member to any company (here a candidate account)');
is_deeply(roster(), [ [ $O->{id}, 'owner' ], [ $R->{id}, 'recruiter' ], [ $C->{id}, 'recruiter' ] ], 'three members now');

# ------------------------------------------------------------ what membership gives

my $job = req('POST', '/jobs', token => $R->{access},
	json => { company_id => $K, title => 'Posted by a recruiter', description => 'x', employment_type => 'contract' });
is($job->{status}, 201, 'a recruiter (employer and member) posts a job for the company');
problem_ok(req('POST', '/jobs', token => $X->{access}, json => { company_id => $K, title => 'Not mine', description => 'x', employment_type => 'contract' }),
	403, 'forbidden', 'a non-member employer may not (§2)');

# ------------------------------------------------------------ DELETE members

problem_ok(req('DELETE', "/companies/$K/members/$C->{id}", token => $R->{access}), 403, 'forbidden',
	'a recruiter may not remove members');
problem_ok(req('DELETE', "/companies/$K/members/$C->{id}", token => $X->{access}), 403, 'forbidden',
	'an outsider may not remove members');
problem_ok(req('DELETE', "/companies/$K/members/$C->{id}", token => $C->{access}), 403, 'forbidden',
	'a recruiter may not remove itself');
problem_ok(req('DELETE', "/companies/$K/members/$C->{id}"), 401, 'unauthorized', 'DELETE member without a token');
problem_ok(req('DELETE', "/companies/$K/members/$X->{id}", token => $O->{access}), 404, 'not_found', 'removing a non-member');
problem_ok(req('DELETE', "/companies/$K/members/999999999999", token => $O->{access}), 404, 'not_found', 'removing no user');
problem_ok(req('DELETE', "/companies/999999999999/members/$O->{id}", token => $O->{access}), 404, 'not_found',
	'removing from no company');
problem_ok(req('DELETE', "/companies/$K/members/$O->{id}", token => $O->{access}), 409, 'conflict',
	'the last owner cannot remove itself');
problem_ok(req('DELETE', "/companies/$K/members/$O->{id}", token => $A->{access}), 409, 'conflict',
	'nor can a moderator remove the last owner');
# If-Match on a member: its ETag is that of its JSON (docs/INTERFACE.md).
problem_ok(req('DELETE', "/companies/$K/members/$C->{id}", token => $O->{access}, headers => { 'If-Match' => '"00000000000000000000000000000000"' }),
	412, 'precondition_failed', 'DELETE member with a stale If-Match');
is_deeply(roster(), [ [ $O->{id}, 'owner' ], [ $R->{id}, 'recruiter' ], [ $C->{id}, 'recruiter' ] ], 'the refused removals removed no one');

$r = req('DELETE', "/companies/$K/members/$C->{id}", token => $O->{access});
is($r->{status}, 204, 'the owner removes a recruiter');
is($r->{body}, '', '204 has no body');
is_deeply(roster(), [ [ $O->{id}, 'owner' ], [ $R->{id}, 'recruiter' ] ], 'the recruiter is gone');
problem_ok(members($C->{access}), 403, 'forbidden', 'the removed member may no longer list the members');
problem_ok(req('DELETE', "/companies/$K/members/$C->{id}", token => $O->{access}), 404, 'not_found', 'removing it again');

# A second owner; a moderator removes the first; the last one stays.
is(req('POST', "/companies/$K/members", token => $O->{access}, json => { email => $X->{email}, role => 'owner' })->{status}, 201,
	'Otto is made a second owner');
$r = req('DELETE', "/companies/$K/members/$O->{id}", token => $A->{access});
is($r->{status}, 204, 'a moderator removes the first owner while another owner remains');
problem_ok(req('DELETE', "/companies/$K/members/$X->{id}", token => $X->{access}), 409, 'conflict',
	'the remaining owner cannot remove itself');
is_deeply([ sort { $a->[0] <=> $b->[0] } map { [ $_->{user}{id}, $_->{role} ] } @{ members($X->{access})->{json}{data} || [] } ],
	[ sort { $a->[0] <=> $b->[0] } [ $R->{id}, 'recruiter' ], [ $X->{id}, 'owner' ] ], 'Rita and Otto remain');

# The former owner lost every right on its very next request.
problem_ok(members($O->{access}), 403, 'forbidden', 'the former owner may not list members');
problem_ok(req('PATCH', "/companies/$K", token => $O->{access}, json => { location => 'Rome' }), 403, 'forbidden',
	'nor change the company');
problem_ok(req('DELETE', "/companies/$K", token => $O->{access}), 403, 'forbidden', 'nor delete it');
problem_ok(req('POST', '/jobs', token => $O->{access}, json => { company_id => $K, title => 'Late post', description => 'x', employment_type => 'contract' }),
	403, 'forbidden', 'nor post jobs for it');

# An owner removes a recruiter, with the member's ETag from the add answer.
{
	my $add = req('POST', "/companies/$K/members", token => $X->{access}, json => { email => $C->{email}, role => 'recruiter' });
	is($add->{status}, 201, 'Cora is added again');
	$r = req('DELETE', "/companies/$K/members/$C->{id}", token => $X->{access}, headers => { 'If-Match' => etag_of($add->{body}) });
	is($r->{status}, 204, 'DELETE member with If-Match of the member as it was answered');
}

# Removing the recruiter takes away its job posting right.
is(req('DELETE', "/companies/$K/members/$R->{id}", token => $X->{access})->{status}, 204, 'the owner removes Rita');
problem_ok(req('POST', '/jobs', token => $R->{access}, json => { company_id => $K, title => 'After removal', description => 'x', employment_type => 'contract' }),
	403, 'forbidden', 'the removed recruiter may no longer post jobs');
problem_ok(req('PATCH', "/jobs/$job->{json}{id}", token => $R->{access}, json => { title => 'Changed after removal' }),
	403, 'forbidden', 'nor change the job it posted');

done_testing;
