#!/usr/bin/perl
# Insecure direct object references across users and companies (API.md §2,
# §3.3-§3.6): every id a caller may guess is tried by callers who must not
# use it, with the status the contract and the extension give (403 where the
# thing is public, 404 where the caller may not know it exists, 422 for an id
# in a body), and every refused write is checked to have changed nothing.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $T = unique_tag();
my $EA = register_user(role => 'employer', name => "EA $T");	# owner of company A
my $RA = register_user(role => 'employer', name => "RA $T");	# recruiter of company A
my $EB = register_user(role => 'employer', name => "EB $T");	# owner of company B
my $C1 = register_user(name => "C1 $T");	# applies to A
my $C2 = register_user(name => "C2 $T");	# applies to B
my $r;

my $A = new_company($EA->{access}, name => "Idor A $T");
my $B = new_company($EB->{access}, name => "Idor B $T");
is(req('POST', "/companies/$A->{id}/members", token => $EA->{access}, json => { email => $RA->{email}, role => 'recruiter' })->{status}, 201,
	'RA is a recruiter of A');
my $JA = new_job($EA->{access}, $A->{id}, title => "A open $T");
my $DA = new_job($EA->{access}, $A->{id}, title => "A draft $T", status => 'draft');
my $JB = new_job($EB->{access}, $B->{id}, title => "B open $T");
my $DB = new_job($EB->{access}, $B->{id}, title => "B draft $T", status => 'draft');
my $appA = req('POST', "/jobs/$JA->{id}/applications", token => $C1->{access}, json => { cover_letter => 'for A' })->{json};
my $appB = req('POST', "/jobs/$JB->{id}/applications", token => $C2->{access}, json => { cover_letter => 'for B' })->{json};
my $nC1 = req('POST', '/notes', token => $C1->{access}, json => { title => "C1 private $T", body => 'secret one' })->{json};
my $nC2 = req('POST', '/notes', token => $C2->{access}, json => { title => "C2 private $T", body => 'secret two' })->{json};
my $nA = req('POST', '/notes', token => $EA->{access}, json => { title => "A on C1 $T", application_id => $appA->{id} })->{json};
my $nB = req('POST', '/notes', token => $EB->{access}, json => { title => "B on C2 $T", application_id => $appB->{id} })->{json};
ok($appA->{id} && $appB->{id} && $nC1->{id} && $nC2->{id} && $nA->{id} && $nB->{id}, 'the fixtures exist');

# A snapshot of everything, read by its rightful owners, to compare after
# every refused write.
sub snapshot {
	return join "\n",
		req('GET', "/companies/$A->{id}")->{body}, req('GET', "/companies/$B->{id}")->{body},
		req('GET', "/companies/$A->{id}/members", token => $EA->{access})->{body},
		req('GET', "/companies/$B->{id}/members", token => $EB->{access})->{body},
		(map { req('GET', "/jobs/$_->{id}", token => $EA->{access})->{body} } $JA, $DA),
		(map { req('GET', "/jobs/$_->{id}", token => $EB->{access})->{body} } $JB, $DB),
		req('GET', "/applications/$appA->{id}", token => $C1->{access})->{body},
		req('GET', "/applications/$appB->{id}", token => $C2->{access})->{body},
		req('GET', "/notes/$nC1->{id}", token => $C1->{access})->{body},
		req('GET', "/notes/$nC2->{id}", token => $C2->{access})->{body},
		req('GET', "/notes/$nA->{id}", token => $EA->{access})->{body},
		req('GET', "/notes/$nB->{id}", token => $EB->{access})->{body},
		sql('SELECT count(*) FROM jobboard.notes'), sql('SELECT count(*) FROM jobboard.applications'),
		sql('SELECT count(*) FROM jobboard.jobs'), sql('SELECT count(*) FROM jobboard.company_members');
}
my $snap = snapshot();
sub unchanged { is(snapshot(), $snap, "$_[0]: nothing changed") }

# ------------------------------------------------------------ one user's notes against another

for my $case (
	[ 'GET', "/notes/$nC2->{id}", undef, 'C1 reads C2\'s note' ],
	[ 'PATCH', "/notes/$nC2->{id}", { title => 'hijacked' }, 'C1 changes C2\'s note' ],
	[ 'DELETE', "/notes/$nC2->{id}", undef, 'C1 deletes C2\'s note' ],
	[ 'GET', "/notes/$nB->{id}", undef, 'C1 reads a note of company B' ],
	[ 'GET', "/notes/$nA->{id}", undef, 'C1 reads the employer\'s note on her own application' ],
	[ 'PATCH', "/notes/$nA->{id}", { title => 'hijacked' }, 'C1 changes the employer\'s note on her application' ],
	[ 'DELETE', "/notes/$nA->{id}", undef, 'C1 deletes the employer\'s note on her application' ],
) {
	my ($m, $path, $body, $what) = @$case;
	problem_ok(req($m, $path, token => $C1->{access}, defined $body ? (json => $body) : ()), 404, 'not_found', "$what: 404");
}
unchanged('C1 against others\' notes');
ok(!grep({ $_->{id} == $nC2->{id} } @{ req('GET', '/notes?limit=100', token => $C1->{access})->{json}{data} || [] }),
	'GET /notes never lists another user\'s note');
ok(!grep({ $_->{id} == $nC2->{id} } @{ req('GET', '/notes?limit=100&q=secret', token => $C1->{access})->{json}{data} || [] }),
	'not even when q matches its words');
# The same 404 whether the id exists or not: nothing to learn from the answer.
{
	my $x = req('GET', "/notes/$nC2->{id}", token => $C1->{access});
	my $y = req('GET', '/notes/999999999999', token => $C1->{access});
	is_deeply([ $x->{status}, $x->{json}{code}, $x->{json}{detail} ], [ $y->{status}, $y->{json}{code}, $y->{json}{detail} ],
		'another user\'s note and no note answer alike');
}

# ------------------------------------------------------------ an employer of A against company B

for my $who ([ $EA, 'the owner of A' ], [ $RA, 'a recruiter of A' ]) {
	my ($u, $name) = @$who;
	my $t = $u->{access};
	problem_ok(req('PATCH', "/companies/$B->{id}", token => $t, json => { name => "Taken $T" }), 403, 'forbidden', "$name renames B");
	problem_ok(req('DELETE', "/companies/$B->{id}", token => $t), 403, 'forbidden', "$name deletes B");
	problem_ok(req('GET', "/companies/$B->{id}/members", token => $t), 403, 'forbidden', "$name lists B's members");
	problem_ok(req('POST', "/companies/$B->{id}/members", token => $t, json => { email => $u->{email}, role => 'owner' }), 403, 'forbidden',
		"$name makes itself an owner of B");
	problem_ok(req('DELETE', "/companies/$B->{id}/members/$EB->{id}", token => $t), 403, 'forbidden', "$name removes B's owner");
	problem_ok(req('POST', '/jobs', token => $t, json => { company_id => $B->{id}, title => 'Planted job', description => 'x', employment_type => 'contract' }),
		403, 'forbidden', "$name posts a job for B");
	problem_ok(req('PATCH', "/jobs/$JB->{id}", token => $t, json => { title => 'Hijacked' }), 403, 'forbidden', "$name changes B's open job");
	problem_ok(req('DELETE', "/jobs/$JB->{id}", token => $t), 403, 'forbidden', "$name deletes B's open job");
	problem_ok(req('PATCH', "/jobs/$JB->{id}", token => $t, json => { status => 'closed' }), 403, 'forbidden', "$name closes B's job");
	problem_ok(req('GET', "/jobs/$DB->{id}", token => $t), 404, 'not_found', "$name reads B's draft");
	problem_ok(req('PATCH', "/jobs/$DB->{id}", token => $t, json => { status => 'open' }), 404, 'not_found', "$name opens B's draft");
	problem_ok(req('DELETE', "/jobs/$DB->{id}", token => $t), 404, 'not_found', "$name deletes B's draft");
	problem_ok(req('GET', "/jobs/$JB->{id}/applications", token => $t), 403, 'forbidden', "$name lists the applications to B's job");
	problem_ok(req('GET', "/jobs/$DB->{id}/applications", token => $t), 404, 'not_found', "$name lists the applications to B's draft");
	problem_ok(req('GET', "/applications/$appB->{id}", token => $t), 404, 'not_found', "$name reads an application to B");
	problem_ok(req('PATCH', "/applications/$appB->{id}", token => $t, json => { status => 'reviewing' }), 404, 'not_found',
		"$name reviews an application to B");
	problem_ok(req('PATCH', "/applications/$appB->{id}", token => $t, json => { status => 'rejected' }), 404, 'not_found',
		"$name rejects an application to B");
	problem_ok(req('GET', "/applications/$appB->{id}/notes", token => $t), 404, 'not_found', "$name lists B's notes on an application");
	problem_ok(req('POST', '/notes', token => $t, json => { title => 'Planted', application_id => $appB->{id} }), 422, 'validation_failed',
		"$name writes a note on an application to B", only_fields => ['application_id']);
	problem_ok(req('GET', "/notes/$nB->{id}", token => $t), 404, 'not_found', "$name reads B's note");
	problem_ok(req('PATCH', "/notes/$nB->{id}", token => $t, json => { title => 'Hijacked' }), 404, 'not_found', "$name changes B's note");
	problem_ok(req('DELETE', "/notes/$nB->{id}", token => $t), 404, 'not_found', "$name deletes B's note");
	ok(!grep({ $_->{id} == $DB->{id} } @{ req('GET', "/companies/$B->{id}/jobs?limit=100", token => $t)->{json}{data} || [] }),
		"$name does not see B's draft in B's job list");
	is_deeply(req('GET', "/companies/$B->{id}/jobs?status=draft", token => $t)->{json}{data}, [], "$name: status=draft on B shows nothing");
	unchanged("$name against company B");
}
# An id in the body cannot move a job to another company.
problem_ok(req('PATCH', "/jobs/$JA->{id}", token => $EA->{access}, json => { company_id => $B->{id} }), 422, 'validation_failed',
	'moving A\'s job to company B', only_fields => ['company_id']);
# A path mixing A and B: B's owner is no member of A.
problem_ok(req('DELETE', "/companies/$A->{id}/members/$EB->{id}", token => $EA->{access}), 404, 'not_found',
	'removing B\'s owner through company A: not a member of A');
unchanged('ids in bodies and mixed paths');

# ------------------------------------------------------------ candidates on review routes

problem_ok(req('GET', "/jobs/$JA->{id}/applications", token => $C1->{access}), 403, 'forbidden', 'a candidate lists the applications to a job');
problem_ok(req('GET', "/jobs/$DA->{id}/applications", token => $C1->{access}), 404, 'not_found', 'a candidate lists the applications to a draft');
problem_ok(req('GET', "/applications/$appA->{id}/notes", token => $C1->{access}), 403, 'forbidden', 'a candidate lists the notes on her application');
problem_ok(req('POST', '/notes', token => $C1->{access}, json => { title => 'Self review', application_id => $appA->{id} }), 403, 'forbidden',
	'a candidate writes a note on her own application');
for my $to (qw(reviewing interview offer hired rejected)) {
	problem_ok(req('PATCH', "/applications/$appA->{id}", token => $C1->{access}, json => { status => $to }), 409, 'conflict',
		"the candidate moves her own application to $to (she may only withdraw)");
}
problem_ok(req('PATCH', "/applications/$appB->{id}", token => $C1->{access}, json => { status => 'withdrawn' }), 404, 'not_found',
	'a candidate withdraws another candidate\'s application');
problem_ok(req('GET', "/applications/$appB->{id}", token => $C1->{access}), 404, 'not_found', 'a candidate reads another candidate\'s application');
problem_ok(req('POST', '/jobs', token => $C1->{access}, json => { company_id => $A->{id}, title => 'Candidate job', description => 'x', employment_type => 'contract' }),
	403, 'forbidden', 'a candidate posts a job');
problem_ok(req('POST', '/companies', token => $C1->{access}, json => { name => "Candidate Co $T" }), 403, 'forbidden', 'a candidate creates a company');
problem_ok(req('PATCH', "/companies/$A->{id}", token => $C1->{access}, json => { name => 'Mine' }), 403, 'forbidden', 'a candidate renames a company');
problem_ok(req('POST', "/companies/$A->{id}/members", token => $C1->{access}, json => { email => $C1->{email}, role => 'owner' }), 403, 'forbidden',
	'a candidate makes herself an owner');
problem_ok(req('GET', "/companies/$A->{id}/members", token => $C1->{access}), 403, 'forbidden', 'a candidate lists the members');
problem_ok(req('PATCH', "/jobs/$JA->{id}", token => $C1->{access}, json => { status => 'closed' }), 403, 'forbidden', 'a candidate closes a job');
problem_ok(req('GET', "/jobs/$DA->{id}", token => $C1->{access}), 404, 'not_found', 'a candidate reads a draft');
ok(!grep({ $_->{id} == $appB->{id} } @{ req('GET', '/me/applications?limit=100', token => $C1->{access})->{json}{data} || [] }),
	'GET /me/applications never lists another candidate\'s application');
unchanged('the candidate on review routes');

# ------------------------------------------------------------ a removed member loses everything at once

is(req('DELETE', "/companies/$A->{id}/members/$RA->{id}", token => $EA->{access})->{status}, 204, 'RA is removed from A');
problem_ok(req('GET', "/applications/$appA->{id}", token => $RA->{access}), 404, 'not_found', 'the former recruiter reads an application');
problem_ok(req('PATCH', "/applications/$appA->{id}", token => $RA->{access}, json => { status => 'reviewing' }), 404, 'not_found',
	'the former recruiter reviews it');
problem_ok(req('GET', "/jobs/$JA->{id}/applications", token => $RA->{access}), 403, 'forbidden', 'the former recruiter lists the applications');
problem_ok(req('GET', "/jobs/$DA->{id}", token => $RA->{access}), 404, 'not_found', 'the former recruiter reads the draft');
problem_ok(req('PATCH', "/jobs/$JA->{id}", token => $RA->{access}, json => { title => 'After leaving' }), 403, 'forbidden',
	'the former recruiter changes the job');
problem_ok(req('GET', "/notes/$nA->{id}", token => $RA->{access}), 404, 'not_found', 'the former recruiter reads the company\'s note');
problem_ok(req('GET', "/applications/$appA->{id}/notes", token => $RA->{access}), 404, 'not_found', 'nor its notes list');
# ... while the owner still does all of it.
is(req('GET', "/jobs/$JA->{id}/applications", token => $EA->{access})->{status}, 200, 'the owner still lists the applications');
is(req('PATCH', "/applications/$appA->{id}", token => $EA->{access}, json => { status => 'reviewing' })->{status}, 200,
	'and reviews the application');

done_testing;
