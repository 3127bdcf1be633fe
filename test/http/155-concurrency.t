#!/usr/bin/perl
# Races over HTTP: requests are written on separate connections, every one
# completely, before any answer is read (JB::send_together), so the server
# handles them at the same time. API.md §3.5 (one application per candidate
# and job), §1.3 (Idempotency-Key), §3.3 (unique names; the last owner) and
# the one-step status machine decide each race; the database is checked
# through JB_PSQL afterwards.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $O = register_user(role => 'employer', name => 'Race Owner');
my $co = new_company($O->{access});
my $ROUNDS = 5;

sub statuses { join ',', sort map { $_->{status} } @_ }
sub apply_req { { method => 'POST', path => "/jobs/$_[1]/applications", token => $_[0], json => $_[2] // {}, headers => $_[3] } }

# ------------------------------------------------------------ one candidate, twice at once

for my $round (1 .. $ROUNDS) {
	my $job = new_job($O->{access}, $co->{id});
	my $c = register_user();
	my @res = send_together(apply_req($c->{access}, $job->{id}, { cover_letter => 'first' }),
		apply_req($c->{access}, $job->{id}, { cover_letter => 'second' }));
	is(statuses(@res), '201,409', "round $round: two simultaneous applications by one candidate: one 201, one 409");
	my ($won) = grep { $_->{status} == 201 } @res;
	my ($lost) = grep { $_->{status} == 409 } @res;
	problem_ok($lost, 409, 'conflict', "round $round: the loser") if $lost;
	is(sql("SELECT count(*) FROM jobboard.applications WHERE job_id = $job->{id} AND candidate_id = $c->{id}"), 1,
		"round $round: one application stored");
	is(sql("SELECT id FROM jobboard.applications WHERE job_id = $job->{id} AND candidate_id = $c->{id}"), $won ? $won->{json}{id} : -1,
		"round $round: it is the one the 201 answered");
	is(sql("SELECT count(*) FROM jobboard.application_history h JOIN jobboard.applications a ON a.id = h.application_id "
		. "WHERE a.job_id = $job->{id}"), 1, "round $round: one history row");
	is(sql("SELECT count(*) FROM jobboard.events WHERE event = 'application.created' AND (data -> 'job' ->> 'id')::bigint = $job->{id}"), 1,
		"round $round: one application.created event (the loser's transaction wrote none)");
}

# ------------------------------------------------------------ different candidates at once

{
	my $job = new_job($O->{access}, $co->{id});
	my @cands = map { register_user() } 1 .. 4;
	my @res = send_together(map { apply_req($_->{access}, $job->{id}) } @cands);
	is(statuses(@res), '201,201,201,201', 'four candidates applying at once all get 201');
	my %ids = map { ($_->{json}{id} // 0) => 1 } @res;
	is(scalar keys %ids, 4, 'with four different applications');
	is_deeply([ sort { $a <=> $b } map { $_->{json}{candidate}{id} } @res ], [ sort { $a <=> $b } map { $_->{id} } @cands ],
		'each the caller\'s own');
	is(sql("SELECT count(*) FROM jobboard.applications WHERE job_id = $job->{id}"), 4, 'four applications stored');
}

# ------------------------------------------------------------ one Idempotency-Key, twice at once

for my $round (1 .. 3) {
	my $job = new_job($O->{access}, $co->{id});
	my $c = register_user();
	my $key = 'race-' . unique_tag();
	my @res = send_together(map { apply_req($c->{access}, $job->{id}, { cover_letter => 'same' }, { 'Idempotency-Key' => $key }) } 1 .. 2);
	is(statuses(@res), '201,201', "idempotent round $round: the same key and body at once: both 201 (one replays the other)");
	is($res[0]{body}, $res[1]{body}, "idempotent round $round: with the same body");
	is(sql("SELECT count(*) FROM jobboard.applications WHERE job_id = $job->{id}"), 1, "idempotent round $round: one application stored");
}

# ------------------------------------------------------------ one status move, by two members at once

{
	my $R = register_user(role => 'employer');
	is(req('POST', "/companies/$co->{id}/members", token => $O->{access}, json => { email => $R->{email}, role => 'recruiter' })->{status},
		201, 'a second member');
	for my $round (1 .. 3) {
		my $job = new_job($O->{access}, $co->{id});
		my $c = register_user();
		my $app = req('POST', "/jobs/$job->{id}/applications", token => $c->{access}, json => {})->{json};
		my @res = send_together(map { { method => 'PATCH', path => "/applications/$app->{id}", token => $_->{access}, json => { status => 'reviewing' } } } $O, $R);
		is(statuses(@res), '200,409', "move round $round: two members move submitted → reviewing at once: one 200, one 409");
		is(sql("SELECT string_agg(status, ',' ORDER BY id) FROM jobboard.application_history WHERE application_id = $app->{id}"),
			'submitted,reviewing', "move round $round: one reviewing step in the history");
		is(sql("SELECT count(*) FROM jobboard.events WHERE event = 'application.status_changed' AND data ->> 'id' = '$app->{id}'"), 3,
			"move round $round: one status_changed event per recipient (candidate and two members)");
	}
	# A withdrawal racing a rejection: exactly one wins, and the history agrees with the status.
	for my $round (1 .. 3) {
		my $job = new_job($O->{access}, $co->{id});
		my $c = register_user();
		my $app = req('POST', "/jobs/$job->{id}/applications", token => $c->{access}, json => {})->{json};
		my @res = send_together(
			{ method => 'PATCH', path => "/applications/$app->{id}", token => $c->{access}, json => { status => 'withdrawn' } },
			{ method => 'PATCH', path => "/applications/$app->{id}", token => $O->{access}, json => { status => 'rejected' } });
		is(statuses(@res), '200,409', "end round $round: withdrawal against rejection: one 200, one 409");
		my ($won) = grep { $_->{status} == 200 } @res;
		my $final = sql("SELECT status FROM jobboard.applications WHERE id = $app->{id}");
		is($final, $won ? $won->{json}{status} : '?', "end round $round: the stored status is the winner's");
		is(sql("SELECT string_agg(status, ',' ORDER BY id) FROM jobboard.application_history WHERE application_id = $app->{id}"),
			"submitted,$final", "end round $round: the history has one final step");
	}
}

# ------------------------------------------------------------ companies: one name, two creators

for my $round (1 .. 3) {
	my $name = 'Race Co ' . unique_tag();
	my $a = register_user(role => 'employer');
	my $b = register_user(role => 'employer');
	my @res = send_together(map { { method => 'POST', path => '/companies', token => $_->{access}, json => { name => $name } } } $a, $b);
	is(statuses(@res), '201,409', "name round $round: one company name created twice at once: one 201, one 409");
	is(sql("SELECT count(*) FROM jobboard.companies WHERE lower(name) = lower('$name')"), 1, "name round $round: one company");
	my ($won) = grep { $_->{status} == 201 } @res;
	is(sql("SELECT count(*) FROM jobboard.company_members WHERE company_id = " . ($won ? $won->{json}{id} : 0)), 1,
		"name round $round: with one owner");
}

# ------------------------------------------------------------ two owners removing each other

for my $round (1 .. 3) {
	my $a = register_user(role => 'employer');
	my $b = register_user(role => 'employer');
	my $c2 = new_company($a->{access});
	is(req('POST', "/companies/$c2->{id}/members", token => $a->{access}, json => { email => $b->{email}, role => 'owner' })->{status}, 201,
		"owners round $round: a second owner");
	my @res = send_together(
		{ method => 'DELETE', path => "/companies/$c2->{id}/members/$b->{id}", token => $a->{access} },
		{ method => 'DELETE', path => "/companies/$c2->{id}/members/$a->{id}", token => $b->{access} });
	my @st = sort map { $_->{status} } @res;
	ok($st[0] == 204 && ($st[1] == 403 || $st[1] == 409),
		"owners round $round: each removes the other at once: one 204, the other refused (403: no longer a member, or 409) - got @st");
	is(sql("SELECT count(*) FROM jobboard.company_members WHERE company_id = $c2->{id} AND role = 'owner'"), 1,
		"owners round $round: exactly one owner is left");
}

done_testing;
