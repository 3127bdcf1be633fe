#!/usr/bin/perl
# API.md §1.3 on the portal routes: a strong ETag on GET of every single
# resource (company, job, application, note) and on the public lists, 304 on
# If-None-Match; If-Match on PATCH and DELETE (a stale tag is a 412 that
# changes nothing, checked by reading again); Idempotency-Key on every
# creating POST (same key and body: the first status and body again and no
# new row; another body: 409; per caller and route; 24 hours).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $O = register_user(role => 'employer', name => 'Olga Owner');
my $X = register_user(role => 'employer', name => 'Otto Outsider');
my $C = register_user(name => 'Cora Candidate');
my $D = register_user(name => 'Dan Candidate');
my $co = new_company($O->{access});
my $job = new_job($O->{access}, $co->{id});
my $app = req('POST', "/jobs/$job->{id}/applications", token => $C->{access}, json => { cover_letter => 'Hello' })->{json};
my $note = req('POST', '/notes', token => $C->{access}, json => { title => 'My note', tags => ['x'] })->{json};
my $STALE = '"0123456789abcdef0123456789abcdef"';
my $r;

# ------------------------------------------------------------ ETag and If-None-Match

for my $case (
	[ 'GET /companies/{id}', "/companies/$co->{id}", undef ],
	[ 'GET /jobs/{id}', "/jobs/$job->{id}", undef ],
	[ 'GET /applications/{id}', "/applications/$app->{id}", $C->{access} ],
	[ 'GET /notes/{id}', "/notes/$note->{id}", $C->{access} ],
	[ 'GET /companies (public list)', "/companies?q=" . qenc($co->{name}), undef ],
	[ 'GET /jobs (public list)', "/jobs?company_id=$co->{id}", undef ],
	[ 'GET /tags (public list)', '/tags?limit=5', undef ],
) {
	my ($what, $path, $tok) = @$case;
	my @t = defined $tok ? (token => $tok) : ();
	$r = req('GET', $path, @t);
	is($r->{status}, 200, "$what: 200");
	my $tag = hdr($r, 'etag');
	like($tag // '', qr/\A"[0-9a-f]{32}"\z/, "$what: a strong ETag (quoted, no W/)");
	is($tag, etag_of($r->{body}), "$what: the ETag follows the body (docs/INTERFACE.md)");
	my $nm = req('GET', $path, @t, headers => { 'If-None-Match' => $tag });
	is($nm->{status}, 304, "$what: If-None-Match with the current tag is 304");
	is($nm->{body}, '', "$what: a 304 has no body");
	is(hdr($nm, 'etag'), $tag, "$what: a 304 repeats the ETag");
	security_headers_ok($nm, "$what 304");
	is(req('GET', $path, @t, headers => { 'If-None-Match' => qq("nope", $tag) })->{status}, 304, "$what: a list holding the tag is 304");
	is(req('GET', $path, @t, headers => { 'If-None-Match' => "W/$tag" })->{status}, 304, "$what: If-None-Match compares weakly");
	is(req('GET', $path, @t, headers => { 'If-None-Match' => $STALE })->{status}, 200, "$what: another tag is 200");
}
# The same job has the same ETag for every reader.
is(hdr(req('GET', "/jobs/$job->{id}", token => $X->{access}), 'etag'), hdr(req('GET', "/jobs/$job->{id}"), 'etag'),
	'a job has one ETag whoever reads it');
# A draft read by a member has one too.
{
	my $d = new_job($O->{access}, $co->{id}, status => 'draft');
	my $x = req('GET', "/jobs/$d->{id}", token => $O->{access});
	is(hdr($x, 'etag'), etag_of($x->{body}), 'a draft read by a member has its ETag');
	is(req('GET', "/jobs/$d->{id}", token => $O->{access}, headers => { 'If-None-Match' => hdr($x, 'etag') })->{status}, 304,
		'and 304 on it');
	# A 304 never hides a draft from whoever may not see it.
	is(req('GET', "/jobs/$d->{id}", headers => { 'If-None-Match' => hdr($x, 'etag') })->{status}, 404,
		'anonymously the draft is 404 even with its tag');
}
# The tag moves when the resource changes.
{
	my $t0 = hdr(req('GET', "/companies/$co->{id}"), 'etag');
	is(req('PATCH', "/companies/$co->{id}", token => $O->{access}, json => { location => 'Lisbon' })->{status}, 200, 'the company changes');
	$r = req('GET', "/companies/$co->{id}", headers => { 'If-None-Match' => $t0 });
	is($r->{status}, 200, 'the old tag no longer gives 304');
	isnt(hdr($r, 'etag'), $t0, 'the ETag changed');
	# A new job changes the company's open_jobs, so its representation and tag.
	my $t1 = hdr($r, 'etag');
	new_job($O->{access}, $co->{id});
	isnt(hdr(req('GET', "/companies/$co->{id}"), 'etag'), $t1, 'a new open job changes the company\'s ETag (open_jobs)');
}

# ------------------------------------------------------------ If-Match on PATCH and DELETE

# A stale tag: 412 and nothing changed; the current tag, * and a list holding
# it pass; a weak tag never matches (RFC 9110 strong comparison).
sub if_match_patch {
	my ($what, $path, $tok, $reader, $change1, $change2) = @_;
	my $before = req('GET', $path, token => $reader);
	my $tag = hdr($before, 'etag');
	problem_ok(req('PATCH', $path, token => $tok, json => $change1, headers => { 'If-Match' => $STALE }), 412, 'precondition_failed',
		"$what: PATCH with a stale If-Match");
	my $after = req('GET', $path, token => $reader);
	is($after->{body}, $before->{body}, "$what: the 412 changed nothing");
	problem_ok(req('PATCH', $path, token => $tok, json => $change1, headers => { 'If-Match' => "W/$tag" }), 412, 'precondition_failed',
		"$what: a weak tag does not match");
	is(req('GET', $path, token => $reader)->{body}, $before->{body}, "$what: still nothing changed");
	$r = req('PATCH', $path, token => $tok, json => $change1, headers => { 'If-Match' => qq($STALE, $tag) });
	is($r->{status}, 200, "$what: PATCH with a list holding the current tag");
	isnt(req('GET', $path, token => $reader)->{body}, $before->{body}, "$what: and it applied");
	problem_ok(req('PATCH', $path, token => $tok, json => $change2, headers => { 'If-Match' => $tag }), 412, 'precondition_failed',
		"$what: the tag read before the change is stale now");
	my $cur = req('GET', $path, token => $reader);
	$r = req('PATCH', $path, token => $tok, json => $change2, headers => { 'If-Match' => hdr($cur, 'etag') });
	is($r->{status}, 200, "$what: PATCH with the current tag");
	is(hdr(req('GET', $path, token => $reader), 'etag'), etag_of($r->{body}), "$what: the answer is the new representation");
	is(req('PATCH', $path, token => $tok, json => $change1, headers => { 'If-Match' => '*' })->{status}, 200, "$what: If-Match: *");
}

if_match_patch('company', "/companies/$co->{id}", $O->{access}, undef, { location => 'Porto' }, { location => 'Faro' });
if_match_patch('job', "/jobs/$job->{id}", $O->{access}, undef, { title => 'Title one' }, { title => 'Title two' });
if_match_patch('note', "/notes/$note->{id}", $C->{access}, $C->{access}, { title => 'Note one' }, { title => 'Note two' });

# An application: stale 412 leaves status and history alone.
{
	my $path = "/applications/$app->{id}";
	my $before = req('GET', $path, token => $O->{access});
	problem_ok(req('PATCH', $path, token => $O->{access}, json => { status => 'reviewing' }, headers => { 'If-Match' => $STALE }),
		412, 'precondition_failed', 'application: PATCH with a stale If-Match');
	is(req('GET', $path, token => $O->{access})->{body}, $before->{body}, 'application: the 412 changed nothing');
	is(sql("SELECT count(*) FROM jobboard.application_history WHERE application_id = $app->{id}"), 1, 'no history row was written');
	is(sql("SELECT count(*) FROM jobboard.events WHERE event = 'application.status_changed' AND data ->> 'id' = '$app->{id}'"), 0,
		'no event was written');
	$r = req('PATCH', $path, token => $O->{access}, json => { status => 'reviewing' }, headers => { 'If-Match' => hdr($before, 'etag') });
	is($r->{status}, 200, 'application: PATCH with the current tag');
	is($r->{json}{status}, 'reviewing', 'and it moved');
	problem_ok(req('PATCH', $path, token => $O->{access}, json => { status => 'interview' }, headers => { 'If-Match' => hdr($before, 'etag') }),
		412, 'precondition_failed', 'application: the old tag is stale after the move');
	is(req('GET', $path, token => $C->{access})->{json}{status}, 'reviewing', 'still reviewing');
}

# The order of §1.0: existence and permission (404/403) and validation (422) before the precondition.
problem_ok(req('PATCH', '/jobs/999999999999', token => $O->{access}, json => { title => 'Ghost' }, headers => { 'If-Match' => $STALE }),
	404, 'not_found', 'a stale If-Match on an unknown job: 404');
problem_ok(req('PATCH', "/jobs/$job->{id}", token => $X->{access}, json => { title => 'Outsider' }, headers => { 'If-Match' => $STALE }),
	403, 'forbidden', 'a stale If-Match from an outsider: 403');
problem_ok(req('PATCH', "/jobs/$job->{id}", token => $O->{access}, json => { title => 'x' }, headers => { 'If-Match' => $STALE }),
	422, 'validation_failed', 'a stale If-Match with an invalid body: 422', only_fields => ['title']);
problem_ok(req('PATCH', "/notes/$note->{id}", token => $D->{access}, json => { title => 'Not mine' }, headers => { 'If-Match' => $STALE }),
	404, 'not_found', 'a stale If-Match on someone else\'s note: 404');
problem_ok(req('DELETE', "/companies/$co->{id}", token => $X->{access}, headers => { 'If-Match' => $STALE }),
	403, 'forbidden', 'DELETE by an outsider with a stale tag: 403');

# DELETE: stale 412 leaves the resource; the current tag deletes.
for my $case (
	[ 'note', sub { req('POST', '/notes', token => $C->{access}, json => { title => 'To delete' })->{json}{id} }, '/notes', $C->{access} ],
	[ 'job', sub { new_job($O->{access}, $co->{id})->{id} }, '/jobs', $O->{access} ],
	[ 'company', sub { new_company($O->{access})->{id} }, '/companies', $O->{access} ],
) {
	my ($what, $make, $base, $tok) = @$case;
	my $id = $make->();
	my $before = req('GET', "$base/$id", token => $tok);
	problem_ok(req('DELETE', "$base/$id", token => $tok, headers => { 'If-Match' => $STALE }), 412, 'precondition_failed',
		"$what: DELETE with a stale If-Match");
	is(req('GET', "$base/$id", token => $tok)->{body}, $before->{body}, "$what: the 412 deleted nothing");
	problem_ok(req('DELETE', "$base/$id", token => $tok, headers => { 'If-Match' => 'W/' . hdr($before, 'etag') }), 412,
		'precondition_failed', "$what: DELETE with the weak form of the tag");
	$r = req('DELETE', "$base/$id", token => $tok, headers => { 'If-Match' => hdr($before, 'etag') });
	is($r->{status}, 204, "$what: DELETE with the current tag");
	is(req('GET', "$base/$id", token => $tok)->{status}, 404, "$what: it is gone");
}
{
	my $add = req('POST', "/companies/$co->{id}/members", token => $O->{access}, json => { email => $X->{email}, role => 'recruiter' });
	problem_ok(req('DELETE', "/companies/$co->{id}/members/$X->{id}", token => $O->{access}, headers => { 'If-Match' => $STALE }),
		412, 'precondition_failed', 'member: DELETE with a stale If-Match');
	is(req('GET', "/companies/$co->{id}/members", token => $X->{access})->{status}, 200, 'member: still a member');
	is(req('DELETE', "/companies/$co->{id}/members/$X->{id}", token => $O->{access}, headers => { 'If-Match' => etag_of($add->{body}) })->{status},
		204, 'member: DELETE with the member\'s tag');
}

# ------------------------------------------------------------ Idempotency-Key

# Each creating POST: [name, path, caller, body, other body, SQL counting the rows it makes]
my $T = unique_tag();
my $job2 = new_job($O->{access}, $co->{id});
my $M = register_user(role => 'employer');
my @routes = (
	[ 'POST /companies', '/companies', $O, { name => "Idem $T" }, { name => "Idem $T other" },
	  "SELECT count(*) FROM jobboard.companies WHERE name LIKE 'Idem $T%'" ],
	[ 'POST /jobs', '/jobs', $O, { company_id => $co->{id}, title => "Idem job $T", description => 'x', employment_type => 'contract' },
	  { company_id => $co->{id}, title => "Idem job $T", description => 'y', employment_type => 'contract' },
	  "SELECT count(*) FROM jobboard.jobs WHERE title = 'Idem job $T'" ],
	[ 'POST /jobs/{id}/applications', "/jobs/$job2->{id}/applications", $D, { cover_letter => "Idem $T" }, { cover_letter => "Other $T" },
	  "SELECT count(*) FROM jobboard.applications WHERE job_id = $job2->{id}" ],
	[ 'POST /notes', '/notes', $D, { title => "Idem note $T", tags => [ 'b', 'a' ] }, { title => "Idem note $T", tags => ['a'] },
	  "SELECT count(*) FROM jobboard.notes WHERE title = 'Idem note $T'" ],
	[ 'POST /companies/{id}/members', "/companies/$co->{id}/members", $O, { email => $M->{email}, role => 'recruiter' },
	  { email => $M->{email}, role => 'owner' }, "SELECT count(*) FROM jobboard.company_members WHERE user_id = $M->{id}" ],
);
for my $rt (@routes) {
	my ($what, $path, $who, $body, $other, $count) = @$rt;
	my $key = "key-$T-" . unique_tag();
	my $first = req('POST', $path, token => $who->{access}, json => $body, headers => { 'Idempotency-Key' => $key });
	is($first->{status}, 201, "$what: 201 with an Idempotency-Key");
	is(sql($count), 1, "$what: one row");
	my $again = req('POST', $path, token => $who->{access}, json => $body, headers => { 'Idempotency-Key' => $key });
	is($again->{status}, 201, "$what: the repeat answers the first status");
	is($again->{body}, $first->{body}, "$what: and the first body, byte for byte");
	is(hdr($again, 'location'), hdr($first, 'location'), "$what: and the same Location");
	is(sql($count), 1, "$what: the repeat created nothing");
	problem_ok(req('POST', $path, token => $who->{access}, json => $other, headers => { 'Idempotency-Key' => $key }), 409, 'conflict',
		"$what: the same key with another body");
	is(sql($count), 1, "$what: the 409 created nothing");
}

# A replay answers the first response even after the resource changed.
{
	my $key = "rename-$T";
	my $first = req('POST', '/companies', token => $X->{access}, json => { name => "Replay $T" }, headers => { 'Idempotency-Key' => $key });
	is($first->{status}, 201, 'a company made with a key');
	is(req('PATCH', "/companies/$first->{json}{id}", token => $X->{access}, json => { name => "Replay $T renamed" })->{status}, 200, 'then renamed');
	$r = req('POST', '/companies', token => $X->{access}, json => { name => "Replay $T" }, headers => { 'Idempotency-Key' => $key });
	is($r->{status}, 201, 'the repeat still answers 201');
	is($r->{body}, $first->{body}, 'with the first response, not a 409 for the taken name');
}
# Applying twice with the key replays; without it, the second is a 409.
{
	my $key = "apply-$T";
	my $j = new_job($O->{access}, $co->{id});
	my $first = req('POST', "/jobs/$j->{id}/applications", token => $C->{access}, json => {}, headers => { 'Idempotency-Key' => $key });
	is($first->{status}, 201, 'an application made with a key');
	is(req('POST', "/jobs/$j->{id}/applications", token => $C->{access}, json => {}, headers => { 'Idempotency-Key' => $key })->{body},
		$first->{body}, 'the repeat with the key replays it');
	problem_ok(req('POST', "/jobs/$j->{id}/applications", token => $C->{access}, json => {}), 409, 'conflict',
		'the repeat without a key is the duplicate application 409');
	is(sql("SELECT count(*) FROM jobboard.events WHERE event = 'application.created' AND data ->> 'id' = '$first->{json}{id}'"),
		sql("SELECT count(*) FROM jobboard.company_members WHERE company_id = $co->{id}"),
		'one application.created event per member, not one per request');
}
# Keys belong to one caller and one route.
{
	my $key = "shared-$T";
	my $a = req('POST', '/notes', token => $C->{access}, json => { title => "Shared $T" }, headers => { 'Idempotency-Key' => $key });
	my $b = req('POST', '/notes', token => $D->{access}, json => { title => "Shared $T" }, headers => { 'Idempotency-Key' => $key });
	is($b->{status}, 201, 'another caller with the same key and body gets its own 201');
	isnt($b->{json}{id}, $a->{json}{id}, 'and its own note');
	is($b->{json}{owner}{id}, $D->{id}, 'owned by that caller');
	$r = req('POST', '/companies', token => $O->{access}, json => { name => "Shared $T" }, headers => { 'Idempotency-Key' => $key });
	is($r->{status}, 201, 'the same key on another route is another request');
	is($r->{json}{name}, "Shared $T", 'which creates its own resource');
}
# Without a key nothing is replayed.
{
	my $a = req('POST', '/notes', token => $D->{access}, json => { title => "Keyless $T" });
	my $b = req('POST', '/notes', token => $D->{access}, json => { title => "Keyless $T" });
	isnt($b->{json}{id}, $a->{json}{id}, 'two POSTs without a key make two notes');
}
# After 24 hours the key is free again.
{
	my $key = "old-$T";
	my $a = req('POST', '/notes', token => $D->{access}, json => { title => "Aged $T" }, headers => { 'Idempotency-Key' => $key });
	sql("UPDATE jobboard.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = '$key'");
	my $b = req('POST', '/notes', token => $D->{access}, json => { title => "Aged $T" }, headers => { 'Idempotency-Key' => $key });
	is($b->{status}, 201, 'a key older than 24 hours');
	isnt($b->{json}{id}, $a->{json}{id}, 'makes a new note instead of a replay');
	my $c = req('POST', '/notes', token => $D->{access}, json => { title => "Aged $T again" }, headers => { 'Idempotency-Key' => "young-$T" });
	sql("UPDATE jobboard.idempotency_keys SET created_at = now() - interval '23 hours' WHERE key = 'young-$T'");
	is(req('POST', '/notes', token => $D->{access}, json => { title => "Aged $T again" }, headers => { 'Idempotency-Key' => "young-$T" })->{body},
		$c->{body}, 'a key of 23 hours still replays');
}
# The key itself: 1..255 visible ASCII characters.
is(req('POST', '/notes', token => $D->{access}, json => { title => 'Long key' }, headers => { 'Idempotency-Key' => 'k' x 255 })->{status},
	201, 'a key of 255 characters');
for my $bad ([ 'k' x 256, '256 characters' ], [ 'a b', 'a space' ], [ "a\tb", 'a tab' ]) {
	my $before = sql("SELECT count(*) FROM jobboard.notes WHERE owner_id = $D->{id}");
	problem_ok(req('POST', '/notes', token => $D->{access}, json => { title => 'Bad key' }, headers => { 'Idempotency-Key' => $bad->[0] }),
		400, 'bad_request', "an Idempotency-Key of $bad->[1]");
	is(sql("SELECT count(*) FROM jobboard.notes WHERE owner_id = $D->{id}"), $before, "and no note was made ($bad->[1])");
}
# Non-ASCII bytes (HTTP::Tiny will not send them): 400, from the server's
# code or the HTTP library (§1.0), and nothing made.
{
	my ($hp) = $JB::URL =~ m{^http://([^/]+)};
	my $before = sql("SELECT count(*) FROM jobboard.notes WHERE owner_id = $D->{id}");
	my $body = '{"title":"Bad key"}';
	my $x = raw_request("POST /notes HTTP/1.1\r\nHost: $hp\r\nAuthorization: Bearer $D->{access}\r\n"
		. "Content-Type: application/json\r\nIdempotency-Key: caf\xc3\xa9\r\nContent-Length: " . length($body)
		. "\r\nConnection: close\r\n\r\n$body");
	is($x->{status}, 400, 'an Idempotency-Key with non-ASCII bytes is a 400');
	is(sql("SELECT count(*) FROM jobboard.notes WHERE owner_id = $D->{id}"), $before, 'and no note was made');
}

done_testing;
