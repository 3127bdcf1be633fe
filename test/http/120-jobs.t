#!/usr/bin/perl
# API.md §3.4 jobs and tags, and GET /companies/{id}/jobs (§3.3): POST /jobs
# (201 + Location, defaults, tag rules, every validation rule naming its
# field), GET /jobs/{id} (drafts only for members and moderate), PATCH
# /jobs/{id} (partial, null clears, the salary rule on the result, status
# moves, expiry, If-Match), DELETE /jobs/{id} (409 with applications), the
# public and the member view of a company's jobs, and GET /tags.
# Filters and sorts of GET /jobs are in 125-jobs-search.t, cursor walks in
# 130-pagination.t.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $E = register_user(role => 'employer', name => 'Ann Employer');
my $R = register_user(role => 'employer', name => 'Rob Recruiter');
my $B = register_user(role => 'employer', name => 'Ben Employer');
my $C1 = register_user(name => 'Cid Candidate');
my $C2 = register_user(name => 'Cat Candidate');
my $M = make_admin(name => 'Max Moderator');
my $ca = new_company($E->{access});
my $cb = new_company($B->{access});
is(req('POST', "/companies/$ca->{id}/members", token => $E->{access}, json => { email => $R->{email}, role => 'recruiter' })->{status},
	201, 'Rob is a recruiter of company A');
my $r;

sub create { req('POST', '/jobs', token => $_[0], json => $_[1]) }
sub jobs_in { sql("SELECT count(*) FROM jobboard.jobs WHERE company_id = $_[0]") }

my @JOB_KEYS = sort qw(id company title description location remote employment_type salary_min salary_max
	currency tags status posted_at expires_at created_at updated_at);

# API.md §3.4 Job, exactly.
sub job_ok {
	my ($j, $name) = @_;
	my @bad;
	if (ref $j ne 'HASH') {
		@bad = ('not an object');
	} else {
		my $keys = join ',', sort keys %$j;
		push @bad, "keys are [$keys]" unless $keys eq join ',', @JOB_KEYS;
		push @bad, 'company is not {id, name}' unless ref $j->{company} eq 'HASH' && join(',', sort keys %{ $j->{company} }) eq 'id,name';
		push @bad, 'remote not a boolean' unless JSON::PP::is_bool($j->{remote});
		push @bad, 'tags not an array' unless ref $j->{tags} eq 'ARRAY';
		push @bad, 'status unknown' unless ($j->{status} // '') =~ /\A(?:draft|open|closed)\z/;
		for my $t (qw(created_at updated_at)) {
			push @bad, "$t not RFC 3339" unless rfc3339_ok($j->{$t});
		}
		for my $t (qw(posted_at expires_at)) {
			push @bad, "$t neither null nor RFC 3339" if defined $j->{$t} && !rfc3339_ok($j->{$t});
		}
	}
	ok(!@bad, "$name: job shape") or diag join "\n", @bad;
}

# ------------------------------------------------------------ POST /jobs

$r = create($E->{access}, { company_id => $ca->{id}, title => ' Rust engineer ', description => 'Build the engine.',
	location => 'Berlin, DE', remote => JSON::PP::true, employment_type => 'full_time', salary_min => 60000,
	salary_max => 90000, currency => 'EUR', tags => [ 'Rust', 'go', 'rust', 'C++' ], expires_at => '2099-01-01T10:00:00+02:00' });
is($r->{status}, 201, 'POST /jobs answers 201');
job_ok($r->{json}, 'POST /jobs');
my $j1 = $r->{json};
is(hdr($r, 'location'), "/jobs/$j1->{id}", 'Location is /jobs/{id}');
is_deeply($j1->{company}, { id => $ca->{id}, name => $ca->{name} }, 'company is {id, name}');
is($j1->{title}, 'Rust engineer', 'the title is trimmed');
is_deeply($j1->{tags}, [ 'c++', 'go', 'rust' ], 'tags are lower-cased, sorted and without duplicates');
ok($j1->{remote}, 'remote true');
is_deeply([ @$j1{qw(location employment_type salary_min salary_max currency status)} ],
	[ 'Berlin, DE', 'full_time', 60000, 90000, 'EUR', 'open' ], 'the other fields as sent; status open by default');
is(ts_epoch($j1->{expires_at}), ts_epoch('2099-01-01T08:00:00Z'), 'expires_at is the same instant');
ok(defined $j1->{posted_at}, 'an open job has posted_at');
ok(abs(ts_epoch($j1->{posted_at}) - ts_epoch($j1->{created_at})) < 1, 'posted_at is when it was created');
is_deeply(req('GET', "/jobs/$j1->{id}")->{json}, $j1, 'GET /jobs/{id} answers what the create answered');
# job_tags mirror the tags (§3.4 GET /tags reads them).
is(sql("SELECT string_agg(t.name, ',' ORDER BY t.name) FROM jobboard.job_tags jt JOIN jobboard.tags t ON t.id = jt.tag_id WHERE jt.job_id = $j1->{id}"),
	'c++,go,rust', 'the tag relation follows the job\'s tags');

$r = create($E->{access}, { company_id => $ca->{id}, title => 'Go developer', description => 'Write Go.', employment_type => 'contract' });
is($r->{status}, 201, 'a job with only the required fields');
is_deeply([ map { $r->{json}{$_} } qw(location salary_min salary_max expires_at) ], [ undef, undef, undef, undef ],
	'unset optional fields are null');
ok(JSON::PP::is_bool($r->{json}{remote}) && !$r->{json}{remote}, 'remote defaults to false');
is($r->{json}{currency}, 'USD', 'currency defaults to USD');
is_deeply($r->{json}{tags}, [], 'tags default to []');
is($r->{json}{status}, 'open', 'status defaults to open');
my $j2 = $r->{json};

$r = create($R->{access}, { company_id => $ca->{id}, title => 'Secret plan', description => 'Not yet.', employment_type => 'internship', status => 'draft' });
is($r->{status}, 201, 'a recruiter creates a draft');
is($r->{json}{status}, 'draft', 'status draft');
is($r->{json}{posted_at}, undef, 'a draft has no posted_at');
my $draft = $r->{json};

$r = create($E->{access}, { company_id => $ca->{id}, title => 'Nulls', description => 'x', employment_type => 'part_time',
	location => undef, salary_min => undef, salary_max => undef, tags => undef, expires_at => undef });
is($r->{status}, 201, 'null for every optional field that may be empty');
is_deeply([ map { $r->{json}{$_} } qw(location salary_min salary_max expires_at) ], [ undef, undef, undef, undef ], 'they are null');
is_deeply($r->{json}{tags}, [], 'tags null is no tags');

# Who may create.
my $body = { company_id => $ca->{id}, title => 'Nope', description => 'x', employment_type => 'contract' };
my $count = jobs_in($ca->{id});
problem_ok(create(undef, $body), 401, 'unauthorized', 'POST /jobs without a token');
problem_ok(create('x.y.z', $body), 401, 'unauthorized', 'POST /jobs with a bad token');
problem_ok(create($C1->{access}, $body), 403, 'forbidden', 'a candidate (no jobs:write)');
problem_ok(create($B->{access}, $body), 403, 'forbidden', 'an employer who is not a member of the company');
problem_ok(create($B->{access}, { company_id => $ca->{id}, title => 'x' }), 403, 'forbidden',
	'a non-member with an invalid body: 403 before 422 (§1.0)');
problem_ok(create($B->{access}, { %$body, company_id => 999999999 }), 422, 'validation_failed', 'a company that does not exist',
	only_fields => ['company_id']);
$r = create($M->{access}, { %$body, company_id => $cb->{id}, title => 'Moderated post' });
is($r->{status}, 201, 'a moderator posts for any company');
problem_ok(req('POST', '/jobs', token => $E->{access}, body => '{"company_id":1}', type => 'text/plain'), 415,
	'unsupported_media_type', 'POST /jobs with text/plain');
problem_ok(req('POST', '/jobs', token => $E->{access}, body => '{"company_id":', type => 'application/json'), 400,
	'bad_request', 'POST /jobs with malformed JSON');

# Validation: each rule names its field; several at once.
my %base = (company_id => $ca->{id}, title => 'Valid title', description => 'x', employment_type => 'contract');
for my $case (
	[ {}, [qw(company_id title description employment_type)], 'an empty body' ],
	[ { %base, title => 'ab', description => '   ', employment_type => 'freelance' }, [qw(title description employment_type)],
	  'title of 2, blank description, unknown employment_type' ],
	[ { %base, title => 't' x 201, description => 'd' x 20001 }, [qw(title description)], 'title over 200, description over 20,000' ],
	[ { %base, salary_min => -1, salary_max => 1.5 }, [qw(salary_min salary_max)], 'a negative and a fractional salary' ],
	[ { %base, salary_min => 100, salary_max => 99 }, ['salary_min'], 'salary_min above salary_max' ],
	[ { %base, salary_min => '100', currency => 'usd' }, [qw(salary_min currency)], 'a salary as a string, a lower-case currency' ],
	[ { %base, currency => 'EURO', remote => 'yes' }, [qw(currency remote)], 'a 4-letter currency, remote as a string' ],
	[ { %base, currency => undef }, ['currency'], 'currency null' ],
	[ { %base, remote => undef }, ['remote'], 'remote null' ],
	[ { %base, tags => [ 'a' .. 'k' ] }, ['tags'], '11 tags' ],
	[ { %base, tags => [ 'ok', 3 ] }, ['tags[1]'], 'a number among the tags' ],
	[ { %base, tags => [ 'ok', '-bad', 'has space', 'x' x 31, 'c#', 'node.js', '' ] }, [ 'tags[1]', 'tags[2]', 'tags[3]', 'tags[6]' ],
	  'tags that break the pattern are named by index' ],
	[ { %base, tags => 'rust' }, ['tags'], 'tags as a string (in a body, tags is always an array)' ],
	[ { %base, tags => { a => 1 } }, ['tags'], 'tags as an object' ],
	[ { %base, status => 'closed' }, ['status'], 'status closed on create' ],
	[ { %base, expires_at => '2001-01-01T00:00:00Z' }, ['expires_at'], 'expires_at in the past' ],
	[ { %base, expires_at => '2099-01-01T00:00:00' }, ['expires_at'], 'expires_at without an offset' ],
	[ { %base, expires_at => '2099-02-30T00:00:00Z' }, ['expires_at'], 'an impossible date' ],
	[ { %base, company_id => 'one', title => undef, color => 'red' }, [qw(company_id title color)], 'company_id a string, title null, unknown field' ],
	[ { %base, company_id => 0 }, ['company_id'], 'company_id 0' ],
	[ { %base, posted_at => '2030-01-01T00:00:00Z' }, ['posted_at'], 'posted_at is not writable' ],
) {
	my ($b, $fields, $what) = @$case;
	problem_ok(create($E->{access}, $b), 422, 'validation_failed', "POST /jobs: $what", only_fields => $fields);
}
is(jobs_in($ca->{id}), $count, 'no refused POST made a job');
# §1.0: an integer field takes a JSON integer only (no fraction or exponent).
for my $num ('1e5', '100000.0', '1E2', '-0.0') {
	problem_ok(req('POST', '/jobs', token => $E->{access}, type => 'application/json',
		body => qq({"company_id": $ca->{id}, "title": "Numbers", "description": "x", "employment_type": "contract", "salary_max": $num})),
		422, 'validation_failed', "salary_max written as $num", only_fields => ['salary_max']);
}
problem_ok(req('POST', '/jobs', token => $E->{access}, type => 'application/json',
	body => qq({"company_id": $ca->{id}.0, "title": "Numbers", "description": "x", "employment_type": "contract"})),
	422, 'validation_failed', 'company_id written with a fraction', only_fields => ['company_id']);
is(jobs_in($ca->{id}), $count, 'no integer written with a fraction or an exponent made a job');
$r = create($E->{access}, { %base, title => "\x{e9}" x 200, description => "\x{e9}" x 20000, salary_min => 5, salary_max => 5,
	tags => [ 'a' .. 'j' ], currency => 'JPY' });
is($r->{status}, 201, 'the upper limits are inclusive (200/20,000 code points, 10 tags, equal salaries)');
is(length $r->{json}{title}, 200, 'a title of 200 two-byte characters is kept whole');

# ------------------------------------------------------------ GET /jobs/{id}

$r = req('GET', "/jobs/$j1->{id}");
is($r->{status}, 200, 'an open job is public');
like(hdr($r, 'etag') // '', qr/\A"[0-9a-f]{32}"\z/, 'with an ETag');
problem_ok(req('GET', "/jobs/$draft->{id}"), 404, 'not_found', 'a draft, anonymously');
problem_ok(req('GET', "/jobs/$draft->{id}", token => $C1->{access}), 404, 'not_found', 'a draft, as a candidate');
problem_ok(req('GET', "/jobs/$draft->{id}", token => $B->{access}), 404, 'not_found', 'a draft, as another company\'s employer');
is(req('GET', "/jobs/$draft->{id}", token => $E->{access})->{json}{status}, 'draft', 'a draft, as the owner');
is(req('GET', "/jobs/$draft->{id}", token => $R->{access})->{status}, 200, 'a draft, as a recruiter of the company');
is(req('GET', "/jobs/$draft->{id}", token => $M->{access})->{status}, 200, 'a draft, as a moderator');
problem_ok(req('GET', '/jobs/999999999999'), 404, 'not_found', 'an unknown job');
problem_ok(req('GET', "/jobs/$j1->{id}", token => 'bad'), 401, 'unauthorized', 'a bad token on a public job');
problem_ok(req('GET', "/jobs/$j1->{id}?verbose=1"), 422, 'validation_failed', 'an unknown query parameter', only_fields => ['verbose']);

# ------------------------------------------------------------ PATCH /jobs/{id}

$r = req('PATCH', "/jobs/$j1->{id}", token => $E->{access},
	json => { location => undef, salary_max => undef, tags => [ 'Postgres', 'rust' ], remote => JSON::PP::false });
is($r->{status}, 200, 'a partial PATCH');
job_ok($r->{json}, 'PATCH /jobs/{id}');
is($r->{json}{location}, undef, 'null clears location');
is($r->{json}{salary_max}, undef, 'null clears salary_max');
is_deeply($r->{json}{tags}, [ 'postgres', 'rust' ], 'tags replaced and normalised');
ok(!$r->{json}{remote}, 'remote false');
is_deeply([ @{ $r->{json} }{qw(title description salary_min currency employment_type status posted_at created_at)} ],
	[ @$j1{qw(title description salary_min currency employment_type status posted_at created_at)} ], 'the rest is untouched');
ok(ts_epoch($r->{json}{updated_at}) > ts_epoch($j1->{updated_at}), 'updated_at moved');
is(sql("SELECT string_agg(t.name, ',' ORDER BY t.name) FROM jobboard.job_tags jt JOIN jobboard.tags t ON t.id = jt.tag_id WHERE jt.job_id = $j1->{id}"),
	'postgres,rust', 'the tag relation follows');

# The salary rule judges the values the job will have.
problem_ok(req('PATCH', "/jobs/$j1->{id}", token => $E->{access}, json => { salary_max => 50000 }), 422, 'validation_failed',
	'salary_max below the stored salary_min', only_fields => ['salary_min']);
$r = req('PATCH', "/jobs/$j1->{id}", token => $E->{access}, json => { salary_min => 95000, salary_max => 100000 });
is_deeply([ $r->{json}{salary_min}, $r->{json}{salary_max} ], [ 95000, 100000 ], 'both salaries raised together');
problem_ok(req('PATCH', "/jobs/$j1->{id}", token => $E->{access},
	json => { company_id => $cb->{id}, title => 'no', expires_at => '2000-01-01T00:00:00Z', currency => undef }),
	422, 'validation_failed', 'moving company, short title, past expiry, null currency',
	only_fields => [qw(company_id title expires_at currency)]);
$r = req('PATCH', "/jobs/$j1->{id}", token => $M->{access}, json => { description => 'Build the engine, moderated.' });
is($r->{status}, 200, 'a moderator edits any job');
is($r->{json}{description}, 'Build the engine, moderated.', 'and it applied');

# Who may change it.
my $cur = req('GET', "/jobs/$j1->{id}");
problem_ok(req('PATCH', "/jobs/$j1->{id}", token => $B->{access}, json => { title => 'Hijacked' }), 403, 'forbidden',
	'an employer of another company on an open job');
problem_ok(req('PATCH', "/jobs/$draft->{id}", token => $B->{access}, json => { title => 'Hijacked' }), 404, 'not_found',
	'an employer of another company on a draft it may not know of');
problem_ok(req('PATCH', "/jobs/$j1->{id}", token => $C1->{access}, json => { title => 'Hijacked' }), 403, 'forbidden', 'a candidate');
problem_ok(req('PATCH', "/jobs/$j1->{id}", json => { title => 'Hijacked' }), 401, 'unauthorized', 'no token');
problem_ok(req('PATCH', '/jobs/999999999999', token => $E->{access}, json => { title => 'Ghost' }), 404, 'not_found', 'an unknown job');
problem_ok(req('PATCH', "/jobs/$j1->{id}", token => $E->{access}, body => '{"title":"Text"}', type => 'text/plain'), 415,
	'unsupported_media_type', 'PATCH with text/plain');
problem_ok(req('PATCH', "/jobs/$j1->{id}", token => $E->{access}, json => { id => $j2->{id} }), 400, 'bad_request',
	'id in the body and in the path');
is_deeply(req('GET', "/jobs/$j1->{id}")->{json}, $cur->{json}, 'the refused PATCHes changed nothing');

# A no-op PATCH keeps the job (and its ETag); If-Match.
$r = req('PATCH', "/jobs/$j1->{id}", token => $E->{access}, json => { status => 'open', title => $cur->{json}{title} });
is_deeply($r->{json}, $cur->{json}, 'a PATCH that changes nothing keeps updated_at');
problem_ok(req('PATCH', "/jobs/$j1->{id}", token => $E->{access}, json => { title => 'Stale write' },
	headers => { 'If-Match' => '"00000000000000000000000000000000"' }), 412, 'precondition_failed', 'PATCH with a stale If-Match');
is_deeply(req('GET', "/jobs/$j1->{id}")->{json}, $cur->{json}, 'the stale PATCH changed nothing');
$r = req('PATCH', "/jobs/$j1->{id}", token => $E->{access}, json => { title => 'Rust engineer II' }, headers => { 'If-Match' => hdr($cur, 'etag') });
is($r->{json}{title}, 'Rust engineer II', 'PATCH with the current If-Match applies');

# Status moves: draft→open, open→closed, closed→open; others 409.
problem_ok(req('PATCH', "/jobs/$draft->{id}", token => $E->{access}, json => { status => 'closed' }), 409, 'conflict', 'draft → closed');
is(req('PATCH', "/jobs/$draft->{id}", token => $E->{access}, json => { status => 'draft' })->{json}{status}, 'draft',
	'draft → draft is a no-op');
problem_ok(req('PATCH', "/jobs/$draft->{id}", token => $E->{access}, json => { status => 'sold' }), 422, 'validation_failed',
	'an unknown status', only_fields => ['status']);
$r = req('PATCH', "/jobs/$draft->{id}", token => $E->{access}, json => { status => 'open' });
is($r->{json}{status}, 'open', 'draft → open');
ok(defined $r->{json}{posted_at}, 'opening sets posted_at');
my $posted = $r->{json}{posted_at};
is(req('GET', "/jobs/$draft->{id}")->{status}, 200, 'the opened job is public now');
problem_ok(req('PATCH', "/jobs/$draft->{id}", token => $E->{access}, json => { status => 'draft' }), 409, 'conflict', 'open → draft');

# Closing announces job.closed {id, title} to every candidate who applied.
is(req('POST', "/jobs/$draft->{id}/applications", token => $C1->{access}, json => {})->{status}, 201, 'Cid applies');
is(req('POST', "/jobs/$draft->{id}/applications", token => $C2->{access}, json => {})->{status}, 201, 'Cat applies');
$r = req('PATCH', "/jobs/$draft->{id}", token => $E->{access}, json => { status => 'closed' });
is($r->{json}{status}, 'closed', 'open → closed');
is(sql("SELECT string_agg(user_id::text || ':' || (data = jsonb_build_object('id', $draft->{id}, 'title', 'Secret plan'))::text, ',' ORDER BY user_id) "
	. "FROM jobboard.events WHERE event = 'job.closed' AND data ->> 'id' = '$draft->{id}'"),
	join(',', map { "$_:true" } sort { $a <=> $b } $C1->{id}, $C2->{id}), 'job.closed went to both applicants with {id, title}');
is(req('GET', "/jobs/$draft->{id}", token => $C1->{access})->{json}{status}, 'closed', 'a closed job stays readable');
problem_ok(req('PATCH', "/jobs/$draft->{id}", token => $E->{access}, json => { status => 'draft' }), 409, 'conflict', 'closed → draft');
$r = req('PATCH', "/jobs/$draft->{id}", token => $E->{access}, json => { status => 'open' });
is($r->{json}{status}, 'open', 'closed → open');
is($r->{json}{posted_at}, $posted, 'reopening keeps the first posted_at');

# Expiry: an open job past expires_at reads closed and reopens only with a later (or no) expiry.
{
	my $ex = new_job($B->{access}, $cb->{id}, expires_at => '2099-01-01T00:00:00Z');
	sql("UPDATE jobboard.jobs SET expires_at = now() - interval '1 minute' WHERE id = $ex->{id}");
	is(req('GET', "/jobs/$ex->{id}")->{json}{status}, 'closed', 'an expired open job reads closed');
	problem_ok(req('PATCH', "/jobs/$ex->{id}", token => $B->{access}, json => { status => 'open' }), 409, 'conflict',
		'reopening it without a new expiry');
	$r = req('PATCH', "/jobs/$ex->{id}", token => $B->{access}, json => { status => 'open', expires_at => undef });
	is($r->{status}, 200, 'reopening it with expires_at null');
	is_deeply([ $r->{json}{status}, $r->{json}{expires_at} ], [ 'open', undef ], 'it is open without expiry');
}

# ------------------------------------------------------------ DELETE /jobs/{id}

problem_ok(req('DELETE', "/jobs/$draft->{id}", token => $E->{access}), 409, 'conflict', 'DELETE a job with applications');
is(req('GET', "/jobs/$draft->{id}")->{status}, 200, 'it is still there');
{
	my $sl = new_job($E->{access}, $ca->{id}, tags => ['short-lived']);
	my $hidden = new_job($E->{access}, $ca->{id}, status => 'draft');
	problem_ok(req('DELETE', "/jobs/$sl->{id}", token => $B->{access}), 403, 'forbidden', 'DELETE by another company\'s employer');
	problem_ok(req('DELETE', "/jobs/$hidden->{id}", token => $B->{access}), 404, 'not_found', 'DELETE of a draft by a stranger');
	problem_ok(req('DELETE', "/jobs/$sl->{id}", token => $C1->{access}), 403, 'forbidden', 'DELETE by a candidate');
	problem_ok(req('DELETE', "/jobs/$sl->{id}"), 401, 'unauthorized', 'DELETE without a token');
	problem_ok(req('DELETE', "/jobs/$sl->{id}", token => $E->{access}, headers => { 'If-Match' => '"00000000000000000000000000000000"' }),
		412, 'precondition_failed', 'DELETE with a stale If-Match');
	is(req('GET', "/jobs/$sl->{id}")->{status}, 200, 'the refused DELETEs left the job');
	$r = req('DELETE', "/jobs/$sl->{id}", token => $R->{access}, headers => { 'If-Match' => etag_of(req('GET', "/jobs/$sl->{id}")->{body}) });
	is($r->{status}, 204, 'a recruiter deletes a job without applications (current If-Match)');
	is($r->{body}, '', '204 has no body');
	problem_ok(req('GET', "/jobs/$sl->{id}", token => $E->{access}), 404, 'not_found', 'the deleted job');
	problem_ok(req('DELETE', "/jobs/$sl->{id}", token => $E->{access}), 404, 'not_found', 'DELETE again');
	is(sql("SELECT count(*) FROM jobboard.job_tags WHERE job_id = $sl->{id}"), 0, 'its tag rows went with it');
	is(req('DELETE', "/jobs/$hidden->{id}", token => $M->{access})->{status}, 204, 'a moderator deletes a draft of any company');
}

# ------------------------------------------------------------ GET /companies/{id}/jobs

{
	my $cf = new_company($E->{access});
	my @open = map { new_job($E->{access}, $cf->{id}, title => "Open $_") } qw(bravo alpha);
	my $cd = new_job($E->{access}, $cf->{id}, title => 'Draft charlie', status => 'draft');
	my $cc = new_job($E->{access}, $cf->{id}, title => 'Closed delta');
	is(req('PATCH', "/jobs/$cc->{id}", token => $E->{access}, json => { status => 'closed' })->{status}, 200, 'one job closed');
	my $path = "/companies/$cf->{id}/jobs?sort=title";
	sub titles { [ map { "$_->{title}:$_->{status}" } @{ $_[0]{json}{data} || [] } ] }

	$r = req('GET', $path);
	is($r->{status}, 200, 'GET /companies/{id}/jobs is public');
	is_deeply(titles($r), [ 'Open alpha:open', 'Open bravo:open' ], 'the public sees the open jobs');
	job_ok($r->{json}{data}[0], 'a listed job');
	is(join(',', sort keys %{ $r->{json} }), 'data,next_cursor', 'a paginated list');
	# API.md §1.3: public list routes send a strong ETag.
	like(hdr($r, 'etag') // '', qr/\A"[0-9a-f]{32}"\z/, 'the public list of a company\'s jobs sends an ETag (§1.3)');
	is_deeply(titles(req('GET', $path, token => $B->{access})), [ 'Open alpha:open', 'Open bravo:open' ], 'an outsider sees the same');
	is_deeply(titles(req('GET', $path, token => $C1->{access})), [ 'Open alpha:open', 'Open bravo:open' ], 'a candidate sees the same');
	is_deeply(titles(req('GET', $path, token => $E->{access})), [ 'Closed delta:closed', 'Draft charlie:draft', 'Open alpha:open', 'Open bravo:open' ],
		'a member also sees drafts and closed jobs');
	is_deeply(titles(req('GET', $path, token => $M->{access})), [ 'Closed delta:closed', 'Draft charlie:draft', 'Open alpha:open', 'Open bravo:open' ],
		'so does a moderator');
	is_deeply(titles(req('GET', "$path&status=draft", token => $E->{access})), ['Draft charlie:draft'], 'status=draft for a member');
	is_deeply(titles(req('GET', "$path&status=closed", token => $E->{access})), ['Closed delta:closed'], 'status=closed for a member');
	is_deeply(titles(req('GET', "$path&status=draft", token => $B->{access})), [], 'status=draft for an outsider: nothing');
	is_deeply(titles(req('GET', "$path&q=" . qenc('alpha -bravo'), token => $E->{access})), ['Open alpha:open'], 'the /jobs filters apply (q)');
	is_deeply(data_ids(req('GET', "/companies/$cf->{id}/jobs?limit=1&page=2&sort=-title")), [ $open[1]{id} ], 'pages work');
	problem_ok(req('GET', "$path&status=sold"), 400, 'bad_request', 'an unknown status');
	problem_ok(req('GET', "$path&company_id=$ca->{id}"), 422, 'validation_failed', 'company_id is no filter here',
		only_fields => ['company_id']);
	problem_ok(req('GET', '/companies/999999999999/jobs'), 404, 'not_found', 'the jobs of no company');
	problem_ok(req('GET', "/companies/$cf->{id}/jobs", token => 'bad'), 401, 'unauthorized', 'a bad token');
}

# ------------------------------------------------------------ GET /tags

{
	my $T = 't' . unique_tag();
	my $ct = new_company($B->{access});
	my %tags = map { $_ => "$T-$_" } qw(a b c d e f);
	new_job($B->{access}, $ct->{id}, tags => [ $tags{b}, $tags{a} ]);
	new_job($B->{access}, $ct->{id}, tags => [ $tags{b}, $tags{c} ]);
	new_job($B->{access}, $ct->{id}, tags => [ $tags{b}, $tags{c} ]);
	new_job($B->{access}, $ct->{id}, tags => [ $tags{d} ]);
	new_job($B->{access}, $ct->{id}, tags => [ $tags{e} ], status => 'draft');
	my $closing = new_job($B->{access}, $ct->{id}, tags => [ $tags{f} ]);
	is(req('PATCH', "/jobs/$closing->{id}", token => $B->{access}, json => { status => 'closed' })->{status}, 200, 'a tagged job closed');

	my $w = walk_list('/tags?limit=10', max_pages => 1000);
	is("@{ $w->{bad} }", '', 'GET /tags pages with Link headers');
	my @mine = map { "$_->{name}=$_->{open_jobs}" } grep { $_->{name} =~ /\A\Q$T\E-/ } @{ $w->{rows} };
	is_deeply(\@mine, [ "$tags{b}=3", "$tags{c}=2", "$tags{a}=1", "$tags{d}=1" ],
		'tags of open jobs with their counts, most used first, ties by name; none of drafts or closed jobs');
	is(join(',', sort keys %{ $w->{rows}[0] || {} }), 'name,open_jobs', 'a tag is {name, open_jobs}');
	my %seen;
	ok(!grep({ $seen{ $_->{name} }++ } @{ $w->{rows} }), 'the walk shows every tag once');
	my @by_name = grep { /\A\Q$T\E-/ } map { $_->{name} } @{ walk_list('/tags?sort=name&limit=100')->{rows} };
	is_deeply(\@by_name, [ @tags{qw(a b c d)} ], 'sort=name');
	$r = req('GET', '/tags');
	like(hdr($r, 'etag') // '', qr/\A"[0-9a-f]{32}"\z/, 'GET /tags sends an ETag');
	is(req('GET', '/tags', headers => { 'If-None-Match' => hdr($r, 'etag') })->{status}, 304, 'and answers 304 to it');
	problem_ok(req('GET', '/tags?sort=-open_jobs'), 400, 'bad_request', 'an unknown sort');
	problem_ok(req('GET', '/tags?q=x'), 422, 'validation_failed', 'an unknown parameter', only_fields => ['q']);
}

done_testing;
