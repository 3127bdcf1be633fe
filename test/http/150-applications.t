#!/usr/bin/perl
# API.md §3.5 applications and GET /me/applications (§3.1): applying (201 +
# Location, who may, which jobs, the body rules, 409 for closed or expired
# jobs and for applying twice), reading one with its history (candidate,
# members, moderate; 404 for others), the review list of a job, the status
# workflow one step at a time with its history, rejection and withdrawal,
# and the events rows of §3.8 (application.created to the members,
# application.status_changed to the candidate and the members, job.closed
# to the applicants) checked in jobboard.events.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $T = unique_tag();
my $Ann = register_user(name => "Ann $T");
my $Bob = register_user(name => "Bob $T");
my $Cid = register_user(name => "Cid $T");
my $Erin = register_user(role => 'employer', name => "Erin $T");
my $Rick = register_user(role => 'employer', name => "Rick $T");
my $Vic = register_user(role => 'employer', name => "Vic $T");
my $Olga = register_user(role => 'employer', name => "Olga $T");
my $Adam = make_admin(name => "Adam $T", role => 'employer');	# admin + employer: no applications:create
my $r;

# Vic is a member of Acme whose only role lacks applications:review.
my $viewer = 'viewer_' . $T;
is(req('POST', '/roles', token => $Adam->{access}, json => { name => $viewer, permissions => ['notes:write'] })->{status}, 201,
	'a role without applications:review');
is(req('PATCH', "/users/$Vic->{id}", token => $Adam->{access}, json => { roles => [$viewer] })->{status}, 200, 'Vic has only that role');

my $acme = new_company($Erin->{access}, name => "Apps Acme $T");
my $globex = new_company($Olga->{access}, name => "Apps Globex $T");
for my $m ([ $Rick, 'recruiter' ], [ $Vic, 'recruiter' ]) {
	is(req('POST', "/companies/$acme->{id}/members", token => $Erin->{access}, json => { email => $m->[0]{email}, role => $m->[1] })->{status},
		201, "$m->[0]{name} joins Acme");
}
my @members = sort { $a <=> $b } map { $_->{id} } $Erin, $Rick, $Vic;

my $job = new_job($Erin->{access}, $acme->{id}, title => 'Backend engineer');
my $job2 = new_job($Erin->{access}, $acme->{id}, title => 'Frontend engineer');
my $draft = new_job($Erin->{access}, $acme->{id}, title => 'Secret project', status => 'draft');
my $closed = new_job($Erin->{access}, $acme->{id}, title => 'Old job');
is(req('PATCH', "/jobs/$closed->{id}", token => $Erin->{access}, json => { status => 'closed' })->{status}, 200, 'a closed job');
my $expired = new_job($Erin->{access}, $acme->{id}, title => 'Expired job', expires_at => '2099-01-01T00:00:00Z');
sql("UPDATE jobboard.jobs SET expires_at = now() - interval '1 day' WHERE id = $expired->{id}");
my $gjob = new_job($Olga->{access}, $globex->{id}, title => 'Globex analyst');

# A file of the user: uploaded when POST /files works, else stored through SQL.
sub file_of {
	my ($u) = @_;
	my $b = 'B' . unique_tag();
	my $pdf = "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n";
	my $x = req('POST', '/files', token => $u->{access}, type => "multipart/form-data; boundary=$b",
		body => "--$b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"cv.pdf\"\r\nContent-Type: application/pdf\r\n\r\n$pdf\r\n--$b--\r\n");
	return $x->{json}{id} if $x->{status} == 201 && $x->{json} && $x->{json}{id};
	return 0 + sql("INSERT INTO jobboard.files (owner_id, filename, content_type, size, sha256, data) "
		. "VALUES ($u->{id}, 'cv.pdf', 'application/pdf', 4, 'x', '\\x25504446') RETURNING id");
}
my $ann_file = file_of($Ann);
my $bob_file = file_of($Bob);

sub apply { req('POST', "/jobs/$_[1]/applications", token => $_[0], json => $_[2] // {}) }
sub apps_of_job { sql("SELECT count(*) FROM jobboard.applications WHERE job_id = $_[0]") }
# The recipients of an event about application $id, as "user_id" list.
sub recipients {
	my ($event, $id, $extra) = @_;
	return join ',', sql("SELECT user_id FROM jobboard.events WHERE event = '$event' AND data ->> 'id' = '$id' "
		. ($extra // '') . ' ORDER BY user_id');
}

my @APP_KEYS = sort qw(id job candidate status cover_letter resume_file_id created_at updated_at);
sub app_ok {
	my ($a, $name, $detail) = @_;
	my @bad;
	if (ref $a ne 'HASH') {
		@bad = ('not an object');
	} else {
		my $keys = join ',', sort keys %$a;
		my $want = join ',', sort @APP_KEYS, $detail ? 'history' : ();
		push @bad, "keys are [$keys], want [$want]" unless $keys eq $want;
		push @bad, 'job is not {id, title, company: {id, name}}'
			unless ref $a->{job} eq 'HASH' && join(',', sort keys %{ $a->{job} }) eq 'company,id,title'
			&& ref $a->{job}{company} eq 'HASH' && join(',', sort keys %{ $a->{job}{company} }) eq 'id,name';
		push @bad, 'candidate is not {id, name, email}'
			unless ref $a->{candidate} eq 'HASH' && join(',', sort keys %{ $a->{candidate} }) eq 'email,id,name';
		push @bad, 'created_at not RFC 3339' unless rfc3339_ok($a->{created_at});
		push @bad, 'updated_at not RFC 3339' unless rfc3339_ok($a->{updated_at});
		if ($detail) {
			push @bad, 'history is not a list of {status, at, by: {id, name}}'
				if ref $a->{history} ne 'ARRAY'
				|| grep { ref $_ ne 'HASH' || join(',', sort keys %$_) ne 'at,by,status' || !rfc3339_ok($_->{at})
					|| (defined $_->{by} && (ref $_->{by} ne 'HASH' || join(',', sort keys %{ $_->{by} }) ne 'id,name')) } @{ $a->{history} || [] };
		}
	}
	ok(!@bad, "$name: application shape") or diag join "\n", @bad;
}

# ------------------------------------------------------------ POST /jobs/{id}/applications

problem_ok(apply(undef, $job->{id}), 401, 'unauthorized', 'applying without a token');
problem_ok(apply('bad.token.here', $job->{id}), 401, 'unauthorized', 'applying with a bad token');
problem_ok(apply($Erin->{access}, $job->{id}), 403, 'forbidden', 'an employer may not apply (no applications:create)');
problem_ok(apply($Adam->{access}, $job->{id}), 403, 'forbidden', 'an admin may not apply either');
problem_ok(apply($Ann->{access}, 999999999999), 404, 'not_found', 'applying to no job');
problem_ok(apply($Ann->{access}, $draft->{id}), 404, 'not_found', 'applying to a draft (invisible to the candidate)');
problem_ok(req('POST', "/jobs/$job->{id}/applications", token => $Ann->{access}, body => '{}', type => 'text/plain'), 415,
	'unsupported_media_type', 'applying with text/plain');
problem_ok(req('POST', "/jobs/$job->{id}/applications", token => $Ann->{access}, body => '{"cover_letter": ', type => 'application/json'),
	400, 'bad_request', 'applying with malformed JSON');
problem_ok(apply($Ann->{access}, $job->{id}, { cover_letter => 'x' x 10001, resume_file_id => $bob_file, salary => 1 }), 422,
	'validation_failed', 'a letter over 10,000, someone else\'s file, an unknown field',
	only_fields => [qw(cover_letter resume_file_id salary)]);
problem_ok(apply($Ann->{access}, $job->{id}, { cover_letter => 42, resume_file_id => 'one' }), 422, 'validation_failed',
	'a number for the letter, a string for the file', only_fields => [qw(cover_letter resume_file_id)]);
problem_ok(apply($Ann->{access}, $job->{id}, { resume_file_id => 0 }), 422, 'validation_failed', 'file id 0', only_fields => ['resume_file_id']);
problem_ok(apply($Ann->{access}, $job->{id}, { resume_file_id => 999999999999 }), 422, 'validation_failed', 'a file that does not exist',
	only_fields => ['resume_file_id']);
problem_ok(apply($Ann->{access}, $job->{id}, { status => 'hired' }), 422, 'validation_failed', 'status is not a field',
	only_fields => ['status']);
problem_ok(apply($Ann->{access}, $closed->{id}), 409, 'conflict', 'applying to a closed job');
problem_ok(apply($Ann->{access}, $expired->{id}), 409, 'conflict', 'applying to an expired job');
problem_ok(apply($Ann->{access}, $closed->{id}, { cover_letter => 'x' x 10001 }), 422, 'validation_failed',
	'an invalid body to a closed job: 422 before 409', only_fields => ['cover_letter']);
is(sql("SELECT count(*) FROM jobboard.applications a JOIN jobboard.jobs j ON j.id = a.job_id WHERE j.company_id = $acme->{id}"), 0,
	'no refused request made an application');
is(sql("SELECT count(*) FROM jobboard.events WHERE user_id IN (" . join(',', @members) . ") AND event LIKE 'application.%'"), 0,
	'nor an event');

$r = apply($Ann->{access}, $job->{id}, { cover_letter => 'I love Postgres', resume_file_id => $ann_file });
is($r->{status}, 201, 'Ann applies') or diag $r->{body};
app_ok($r->{json}, 'POST /jobs/{id}/applications');
my $app = $r->{json};
is(hdr($r, 'location'), "/applications/$app->{id}", 'Location is /applications/{id}');
is_deeply($app->{job}, { id => $job->{id}, title => 'Backend engineer', company => { id => $acme->{id}, name => $acme->{name} } },
	'job is {id, title, company: {id, name}}');
is_deeply($app->{candidate}, { id => $Ann->{id}, name => $Ann->{name}, email => $Ann->{email} }, 'candidate is Ann');
is($app->{status}, 'submitted', 'status submitted');
is($app->{cover_letter}, 'I love Postgres', 'the cover letter');
is($app->{resume_file_id}, $ann_file, 'her own file');
is($app->{created_at}, $app->{updated_at}, 'created_at equals updated_at');

# application.created: to every member of Acme, with the application; not to Ann, not to Olga.
is(recipients('application.created', $app->{id}), join(',', @members), 'application.created went to the three members of Acme only');
is(sql("SELECT count(*) FROM jobboard.events WHERE event = 'application.created' AND data ->> 'id' = '$app->{id}' "
	. "AND data = (SELECT jobboard.application_json(a) FROM jobboard.applications a WHERE a.id = $app->{id})"), 3,
	'with the application as its data');
{
	my $ev = JSON::PP->new->decode(scalar sql("SELECT data FROM jobboard.events WHERE event = 'application.created' AND data ->> 'id' = '$app->{id}' LIMIT 1"));
	is_deeply($ev, $app, 'the event data is what the 201 answered');
}

$r = apply($Bob->{access}, $job2->{id}, { cover_letter => "\x{e9}" x 10000, resume_file_id => undef });
is($r->{status}, 201, 'a letter of exactly 10,000 two-byte characters, resume_file_id null');
is(length $r->{json}{cover_letter}, 10000, 'kept whole');
is($r->{json}{resume_file_id}, undef, 'no file');

problem_ok(apply($Ann->{access}, $job->{id}), 409, 'conflict', 'applying to the same job again');
problem_ok(apply($Ann->{access}, $job->{id}, { cover_letter => 'again' }), 409, 'conflict', 'again with another letter');
is(apps_of_job($job->{id}), 1, 'still one application to the job');
is(recipients('application.created', $app->{id}), join(',', @members), 'and no further event');

my $bob_app = apply($Bob->{access}, $job->{id})->{json};
my $cid_app = apply($Cid->{access}, $job->{id})->{json};
my $bob_gapp = apply($Bob->{access}, $gjob->{id})->{json};
ok($bob_app->{id} && $cid_app->{id} && $bob_gapp->{id}, 'Bob and Cid apply to the backend job, Bob to Globex too');
is(recipients('application.created', $bob_gapp->{id}), $Olga->{id}, 'the Globex application went to Olga only');

# ------------------------------------------------------------ GET /applications/{id}

$r = req('GET', "/applications/$app->{id}", token => $Ann->{access});
is($r->{status}, 200, 'the candidate reads her application');
app_ok($r->{json}, 'GET /applications/{id}', 1);
is_deeply($r->{json}{history}, [ { status => 'submitted', at => $app->{created_at}, by => { id => $Ann->{id}, name => $Ann->{name} } } ],
	'history starts with submitted, by the candidate, at created_at');
is_deeply({ %{ $r->{json} }, history => undef }, { %$app, history => undef }, 'the rest is the application');
like(hdr($r, 'etag') // '', qr/\A"[0-9a-f]{32}"\z/, 'with an ETag');
is(req('GET', "/applications/$app->{id}", token => $Erin->{access})->{body}, $r->{body}, 'the owner sees the same');
is(req('GET', "/applications/$app->{id}", token => $Rick->{access})->{status}, 200, 'a recruiter sees it');
is(req('GET', "/applications/$app->{id}", token => $Vic->{access})->{status}, 200, 'a member without applications:review sees it');
is(req('GET', "/applications/$app->{id}", token => $Adam->{access})->{status}, 200, 'a moderator sees it');
problem_ok(req('GET', "/applications/$app->{id}", token => $Bob->{access}), 404, 'not_found', 'another candidate');
problem_ok(req('GET', "/applications/$app->{id}", token => $Olga->{access}), 404, 'not_found', 'a member of another company');
problem_ok(req('GET', "/applications/$bob_gapp->{id}", token => $Erin->{access}), 404, 'not_found', 'Globex\'s application for Acme\'s owner');
problem_ok(req('GET', '/applications/999999999999', token => $Ann->{access}), 404, 'not_found', 'an unknown id');
problem_ok(req('GET', "/applications/$app->{id}"), 401, 'unauthorized', 'no token');
problem_ok(req('GET', "/applications/$app->{id}?verbose=true", token => $Ann->{access}), 422, 'validation_failed',
	'an unknown query parameter', only_fields => ['verbose']);

# ------------------------------------------------------------ GET /jobs/{id}/applications

sub names_of { [ map { $_->{candidate}{name} } @{ $_[0]{json}{data} || [] } ] }
$r = req('GET', "/jobs/$job->{id}/applications", token => $Erin->{access});
is($r->{status}, 200, 'the owner lists the applications to a job');
is_deeply(names_of($r), [ $Ann->{name}, $Bob->{name}, $Cid->{name} ], 'oldest first by default');
is($r->{json}{next_cursor}, undef, 'one page');
app_ok($r->{json}{data}[0], 'a listed application');
ok(!exists $r->{json}{data}[0]{history}, 'list items carry no history');
$r = req('GET', "/jobs/$job->{id}/applications?sort=-created_at&count=exact", token => $Rick->{access});
is_deeply(names_of($r), [ $Cid->{name}, $Bob->{name}, $Ann->{name} ], 'a recruiter, sort=-created_at');
is($r->{json}{total}, 3, 'count=exact');
is_deeply(names_of(req('GET', "/jobs/$job->{id}/applications?sort=updated_at", token => $Adam->{access})),
	[ $Ann->{name}, $Bob->{name}, $Cid->{name} ], 'a moderator, sort=updated_at');
{
	my $w = walk_list("/jobs/$job->{id}/applications?limit=1", token => $Erin->{access});
	is_deeply($w->{ids}, [ $app->{id}, $bob_app->{id}, $cid_app->{id} ], 'a walk of one per page by Link');
	is("@{ $w->{bad} }", '', 'with Link headers');
}
is_deeply(names_of(req('GET', "/jobs/$job->{id}/applications?limit=2&page=2", token => $Erin->{access})), [ $Cid->{name} ], 'page=2');
is_deeply(names_of(req('GET', "/jobs/$job2->{id}/applications", token => $Erin->{access})), [ $Bob->{name} ], 'another job\'s list');
is_deeply(req('GET', "/jobs/$draft->{id}/applications", token => $Erin->{access})->{json}, { data => [], next_cursor => undef },
	'a draft has none');
problem_ok(req('GET', "/jobs/$job->{id}/applications", token => $Vic->{access}), 403, 'forbidden', 'a member without applications:review');
problem_ok(req('GET', "/jobs/$job->{id}/applications", token => $Ann->{access}), 403, 'forbidden', 'a candidate');
problem_ok(req('GET', "/jobs/$job->{id}/applications", token => $Olga->{access}), 403, 'forbidden', 'another company\'s owner');
problem_ok(req('GET', '/jobs/999999999999/applications', token => $Erin->{access}), 404, 'not_found', 'no such job');
problem_ok(req('GET', "/jobs/$draft->{id}/applications", token => $Olga->{access}), 404, 'not_found',
	'a draft, for another company\'s owner');
problem_ok(req('GET', "/jobs/$draft->{id}/applications", token => $Ann->{access}), 404, 'not_found', 'a draft, for a candidate');
problem_ok(req('GET', "/jobs/$draft->{id}/applications", token => $Vic->{access}), 403, 'forbidden',
	'a draft, for a member without the permission');
problem_ok(req('GET', "/jobs/$job->{id}/applications"), 401, 'unauthorized', 'no token');
problem_ok(req('GET', "/jobs/$job->{id}/applications?sort=status", token => $Erin->{access}), 400, 'bad_request', 'sort=status');
problem_ok(req('GET', "/jobs/$job->{id}/applications?status=pending", token => $Erin->{access}), 400, 'bad_request', 'status=pending');
problem_ok(req('GET', "/jobs/$job->{id}/applications?limit=0", token => $Erin->{access}), 400, 'bad_request', 'limit=0');
{
	my $c = req('GET', "/jobs/$job->{id}/applications?limit=1", token => $Erin->{access})->{json}{next_cursor};
	problem_ok(req('GET', "/jobs/$job->{id}/applications?sort=updated_at&cursor=" . qenc($c), token => $Erin->{access}), 400,
		'bad_request', 'a cursor of another sort');
}

# ------------------------------------------------------------ PATCH /applications/{id}: who

sub move { req('PATCH', "/applications/$_[1]", token => $_[0], json => { status => $_[2] }, $_[3] ? (headers => $_[3]) : ()) }
sub state_of {
	my ($id) = @_;
	my $x = req('GET', "/applications/$id", token => $Erin->{access});
	return join ' ', $x->{json}{status}, map { "$_->{status}/$_->{by}{name}" } @{ $x->{json}{history} || [] };
}

problem_ok(move($Bob->{access}, $app->{id}, 'withdrawn'), 404, 'not_found', 'another candidate withdraws Ann\'s application');
problem_ok(move($Olga->{access}, $app->{id}, 'reviewing'), 404, 'not_found', 'another company\'s owner reviews it');
problem_ok(move($Erin->{access}, 999999999999, 'reviewing'), 404, 'not_found', 'an unknown application');
problem_ok(move($Adam->{access}, $app->{id}, 'reviewing'), 403, 'forbidden', 'a moderator may look but not review');
problem_ok(move($Vic->{access}, $app->{id}, 'reviewing'), 403, 'forbidden', 'a member without applications:review');
problem_ok(move(undef, $app->{id}, 'reviewing'), 401, 'unauthorized', 'no token');
problem_ok(req('PATCH', "/applications/$app->{id}", token => $Erin->{access}, json => {}), 422, 'validation_failed', 'no status',
	only_fields => ['status']);
problem_ok(req('PATCH', "/applications/$app->{id}", token => $Erin->{access}, json => { status => 'approved', note => 'x' }), 422,
	'validation_failed', 'an unknown status and an unknown field', only_fields => [qw(status note)]);
problem_ok(move($Erin->{access}, $app->{id}, undef), 422, 'validation_failed', 'status null', only_fields => ['status']);
problem_ok(req('PATCH', "/applications/$app->{id}", token => $Erin->{access}, json => { status => 'reviewing', cover_letter => 'edited' }), 422,
	'validation_failed', 'the cover letter cannot be changed', only_fields => ['cover_letter']);
problem_ok(req('PATCH', "/applications/$app->{id}", token => $Erin->{access}, body => '{"status":"reviewing"}', type => 'text/plain'), 415,
	'unsupported_media_type', 'PATCH with text/plain');

# 409: every move that is not one step on, a rejection by a member or a withdrawal by the candidate.
for my $case (
	[ $Erin, 'interview', 'a member skips a step (submitted → interview)' ],
	[ $Erin, 'offer', 'submitted → offer' ],
	[ $Erin, 'hired', 'submitted → hired' ],
	[ $Erin, 'submitted', 'a move to the status it has' ],
	[ $Erin, 'withdrawn', 'a member withdraws it' ],
	[ $Ann, 'reviewing', 'the candidate moves it on' ],
	[ $Ann, 'rejected', 'the candidate rejects it' ],
	[ $Ann, 'hired', 'the candidate hires herself' ],
) {
	my ($who, $to, $what) = @$case;
	problem_ok(move($who->{access}, $app->{id}, $to), 409, 'conflict', "409: $what");
}
is(state_of($app->{id}), "submitted submitted/$Ann->{name}", 'the refused moves changed nothing');
problem_ok(move($Erin->{access}, $app->{id}, 'reviewing', { 'If-Match' => '"0123456789abcdef0123456789abcdef"' }), 412,
	'precondition_failed', 'a stale If-Match');
is(state_of($app->{id}), "submitted submitted/$Ann->{name}", 'the 412 changed nothing');
is(recipients('application.status_changed', $app->{id}), '', 'no status_changed event so far');

# ------------------------------------------------------------ the workflow, one step at a time

my @everyone = sort { $a <=> $b } $Ann->{id}, @members;
my @steps = ([ $Erin, 'reviewing' ], [ $Rick, 'interview' ], [ $Erin, 'offer' ], [ $Rick, 'hired' ]);
my $from = 'submitted';
my @hist = ([ 'submitted', $Ann ]);
for my $s (@steps) {
	my ($who, $to) = @$s;
	my $before = req('GET', "/applications/$app->{id}", token => $Ann->{access});
	$r = move($who->{access}, $app->{id}, $to, { 'If-Match' => hdr($before, 'etag') });
	is($r->{status}, 200, "$who->{name} moves $from → $to (with the current If-Match)");
	app_ok($r->{json}, "PATCH → $to", 1);
	is($r->{json}{status}, $to, "the answer has status $to");
	push @hist, [ $to, $who ];
	is_deeply([ map { "$_->{status}/$_->{by}{id}" } @{ $r->{json}{history} } ], [ map { "$_->[0]/$_->[1]{id}" } @hist ],
		"the history holds every step, oldest first, with who made it");
	is($r->{json}{history}[-1]{at}, $r->{json}{updated_at}, 'the last step is at updated_at');
	ok(ts_epoch($r->{json}{updated_at}) > ts_epoch($before->{json}{updated_at}), 'updated_at moved');
	is_deeply(req('GET', "/applications/$app->{id}", token => $Ann->{access})->{json}, $r->{json}, 'GET shows what PATCH answered');
	# application.status_changed to the candidate and the members: {id, job_id, from, to, at}.
	my @ev = sql("SELECT user_id || ' ' || (data = jsonb_build_object('id', $app->{id}, 'job_id', $job->{id}, 'from', '$from', 'to', '$to', "
		. "'at', '$r->{json}{updated_at}'::timestamptz))::text FROM jobboard.events "
		. "WHERE event = 'application.status_changed' AND data ->> 'id' = '$app->{id}' AND data ->> 'to' = '$to' ORDER BY user_id");
	is_deeply(\@ev, [ map { "$_ true" } @everyone ],
		"application.status_changed $from → $to went to the candidate and every member, as {id, job_id, from, to, at}");
	problem_ok(move($who->{access}, $app->{id}, 'rejected', { 'If-Match' => hdr($before, 'etag') }), 412, 'precondition_failed',
		"the tag read before → $to is stale now");
	$from = $to;
}
is(scalar(my @all = sql("SELECT id FROM jobboard.events WHERE event = 'application.status_changed' AND data ->> 'id' = '$app->{id}'")),
	4 * @everyone, 'four moves, four events per recipient, nothing more');
{
	my $h = req('GET', "/applications/$app->{id}", token => $Ann->{access})->{json}{history};
	is_deeply([ map { $_->{status} } @$h ], [qw(submitted reviewing interview offer hired)], 'the history over HTTP');
	is_deeply([ map { $_->{by}{name} } @$h ], [ map { $_->{name} } $Ann, $Erin, $Rick, $Erin, $Rick ], 'and who made each step');
	ok(!grep({ ts_epoch($h->[$_]{at}) > ts_epoch($h->[ $_ + 1 ]{at}) } 0 .. $#$h - 1), 'oldest first');
}
problem_ok(move($Erin->{access}, $app->{id}, 'rejected'), 409, 'conflict', 'a hired application can no longer be rejected');
problem_ok(move($Ann->{access}, $app->{id}, 'withdrawn'), 409, 'conflict', 'nor withdrawn');
problem_ok(move($Erin->{access}, $app->{id}, 'offer'), 409, 'conflict', 'nor moved back');

# Rejection from an open state; then nobody moves it.
$r = move($Rick->{access}, $bob_app->{id}, 'rejected');
is($r->{status}, 200, 'a recruiter rejects Bob (from submitted)');
is($r->{json}{status}, 'rejected', 'rejected');
is(recipients('application.status_changed', $bob_app->{id}), join(',', sort { $a <=> $b } $Bob->{id}, @members),
	'the rejection went to Bob and the members');
problem_ok(move($Bob->{access}, $bob_app->{id}, 'withdrawn'), 409, 'conflict', 'a rejected application cannot be withdrawn');
problem_ok(move($Erin->{access}, $bob_app->{id}, 'reviewing'), 409, 'conflict', 'nor reviewed');
{
	# Rejection from a later open state too.
	my $d = register_user(name => "Dee $T");
	my $a2 = apply($d->{access}, $job2->{id})->{json};
	is(move($Erin->{access}, $a2->{id}, $_)->{status}, 200, "Dee's application → $_") for qw(reviewing interview offer);
	is(move($Erin->{access}, $a2->{id}, 'rejected')->{json}{status}, 'rejected', 'rejected from offer');
}

# Withdrawal by the candidate from an open state.
is(move($Erin->{access}, $cid_app->{id}, 'reviewing')->{status}, 200, 'Cid\'s application is being reviewed');
$r = move($Cid->{access}, $cid_app->{id}, 'withdrawn');
is($r->{status}, 200, 'Cid withdraws it');
is($r->{json}{status}, 'withdrawn', 'withdrawn');
is_deeply([ map { "$_->{status}/$_->{by}{name}" } @{ $r->{json}{history} } ],
	[ "submitted/$Cid->{name}", "reviewing/$Erin->{name}", "withdrawn/$Cid->{name}" ], 'the history shows the withdrawal by Cid');
is(sql("SELECT string_agg(user_id::text, ',' ORDER BY user_id) FROM jobboard.events WHERE event = 'application.status_changed' "
	. "AND data ->> 'id' = '$cid_app->{id}' AND data ->> 'to' = 'withdrawn' AND data ->> 'from' = 'reviewing'"),
	join(',', sort { $a <=> $b } $Cid->{id}, @members), 'the withdrawal event went to Cid and the members');
problem_ok(move($Erin->{access}, $cid_app->{id}, 'interview'), 409, 'conflict', 'a withdrawn application cannot move on');
problem_ok(move($Cid->{access}, $cid_app->{id}, 'withdrawn'), 409, 'conflict', 'nor be withdrawn again');
is(move($Bob->{access}, $bob_gapp->{id}, 'withdrawn')->{status}, 200, 'Bob withdraws straight from submitted');

# The status filter of the review list.
is_deeply(names_of(req('GET', "/jobs/$job->{id}/applications?status=withdrawn", token => $Erin->{access})), [ $Cid->{name} ], 'status=withdrawn');
is_deeply(names_of(req('GET', "/jobs/$job->{id}/applications?status=hired", token => $Erin->{access})), [ $Ann->{name} ], 'status=hired');
is_deeply(names_of(req('GET', "/jobs/$job->{id}/applications?status=offer", token => $Erin->{access})), [], 'status=offer: none');
is_deeply(names_of(req('GET', "/jobs/$job->{id}/applications?sort=-updated_at", token => $Erin->{access})),
	[ $Cid->{name}, $Bob->{name}, $Ann->{name} ], 'sort=-updated_at: the last changed first');

# ------------------------------------------------------------ GET /me/applications

sub titles_of { [ map { $_->{job}{title} } @{ $_[0]{json}{data} || [] } ] }
$r = req('GET', '/me/applications', token => $Bob->{access});
is($r->{status}, 200, 'GET /me/applications');
is_deeply(titles_of($r), [ 'Globex analyst', 'Backend engineer', 'Frontend engineer' ], 'Bob\'s three, newest first by default');
app_ok($r->{json}{data}[0], 'an item of /me/applications');
is_deeply([ map { $_->{status} } @{ $r->{json}{data} } ], [qw(withdrawn rejected submitted)], 'with their statuses');
is_deeply(titles_of(req('GET', '/me/applications?sort=created_at', token => $Bob->{access})),
	[ 'Frontend engineer', 'Backend engineer', 'Globex analyst' ], 'sort=created_at');
is_deeply(titles_of(req('GET', '/me/applications?sort=-updated_at&limit=1', token => $Bob->{access})), ['Globex analyst'],
	'sort=-updated_at limit=1: the last changed');
is_deeply(titles_of(req('GET', '/me/applications?sort=updated_at', token => $Bob->{access})),
	[ 'Frontend engineer', 'Backend engineer', 'Globex analyst' ], 'sort=updated_at');
is_deeply(titles_of(req('GET', '/me/applications?status=rejected', token => $Bob->{access})), ['Backend engineer'], 'status=rejected');
is_deeply(req('GET', '/me/applications?status=hired&count=exact', token => $Bob->{access})->{json}, { data => [], next_cursor => undef, total => 0 },
	'status=hired&count=exact: none, total 0');
{
	my $w = walk_list('/me/applications?limit=1', token => $Bob->{access});
	is_deeply([ map { $_->{job}{title} } @{ $w->{rows} } ], [ 'Globex analyst', 'Backend engineer', 'Frontend engineer' ],
		'a walk of one per page by Link');
	is("@{ $w->{bad} }", '', 'with Link headers');
}
is_deeply([ map { $_->{candidate}{id} } @{ req('GET', '/me/applications', token => $Ann->{access})->{json}{data} } ], [ $Ann->{id} ],
	'only the caller\'s own');
is_deeply(req('GET', '/me/applications', token => $Erin->{access})->{json}, { data => [], next_cursor => undef }, 'an employer has none');
problem_ok(req('GET', '/me/applications?status=open', token => $Bob->{access}), 400, 'bad_request', 'status=open');
problem_ok(req('GET', '/me/applications?sort=title', token => $Bob->{access}), 400, 'bad_request', 'sort=title');
problem_ok(req('GET', "/me/applications?candidate_id=$Ann->{id}", token => $Bob->{access}), 422, 'validation_failed',
	'candidate_id is no parameter', only_fields => ['candidate_id']);
problem_ok(req('GET', '/me/applications'), 401, 'unauthorized', 'no token');

# ------------------------------------------------------------ closing a job tells its applicants

{
	my $j = new_job($Erin->{access}, $acme->{id}, title => 'Closing soon');
	my @who = ($Ann, $Bob, $Cid);
	is(apply($_->{access}, $j->{id})->{status}, 201, "$_->{name} applies to the job that will close") for @who;
	is(req('PATCH', "/jobs/$j->{id}", token => $Erin->{access}, json => { status => 'closed' })->{status}, 200, 'the job is closed');
	is(sql("SELECT string_agg(user_id::text, ',' ORDER BY user_id) FROM jobboard.events WHERE event = 'job.closed' "
		. "AND data = jsonb_build_object('id', $j->{id}, 'title', 'Closing soon')"),
		join(',', sort { $a <=> $b } map { $_->{id} } @who), 'job.closed {id, title} went to every applicant');
	problem_ok(apply($Adam->{access}, $j->{id}), 403, 'forbidden', 'an admin still may not apply');
	my $late = register_user();
	problem_ok(apply($late->{access}, $j->{id}), 409, 'conflict', 'a new candidate may not apply to the closed job');
	is(req('PATCH', "/jobs/$j->{id}", token => $Erin->{access}, json => { status => 'open' })->{status}, 200, 'reopened');
	is(apply($late->{access}, $j->{id})->{status}, 201, 'now the candidate may apply');
	is(req('PATCH', "/jobs/$j->{id}", token => $Erin->{access}, json => { status => 'draft' })->{status}, 409,
		'a job with applications cannot go back to draft');
}

done_testing;
