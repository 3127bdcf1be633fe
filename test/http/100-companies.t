#!/usr/bin/perl
# API.md §3.3 companies: GET /companies (q, sorts, pages, ETag), POST
# /companies (201 + Location, the caller becomes owner, strict body, unique
# names), GET /companies/{id} (open_jobs), PATCH /companies/{id} (members and
# moderate, partial, null clears, If-Match) and DELETE /companies/{id}
# (owner or moderate, 409 while open jobs or applications exist).
# Members are in 110-members.t; ETag/If-Match/Idempotency across routes in
# 140-caching.t.
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
my $r;

# API.md §3.3 Company, plus open_jobs (which GET /companies/{id} adds; the
# extension answers the same shape everywhere, see expected/companies.out).
sub company_ok {
	my ($c, $name) = @_;
	my @bad;
	if (ref $c ne 'HASH') {
		@bad = ('not an object');
	} else {
		my $keys = join ',', sort keys %$c;
		push @bad, "keys are [$keys]"
			unless $keys eq 'created_at,description,id,location,name,open_jobs,updated_at,website';
		push @bad, 'id not a positive integer' unless ($c->{id} // '') =~ /\A[1-9]\d*\z/;
		push @bad, 'open_jobs not a count' unless ($c->{open_jobs} // '') =~ /\A\d+\z/;
		push @bad, 'created_at not RFC 3339' unless rfc3339_ok($c->{created_at});
		push @bad, 'updated_at not RFC 3339' unless rfc3339_ok($c->{updated_at});
	}
	ok(!@bad, "$name: company shape") or diag join "\n", @bad;
}

sub names { [ map { $_->{name} } @{ $_[0]{json}{data} || [] } ] }

# ------------------------------------------------------------ POST /companies

my $P = 'Cotest ' . unique_tag();
$r = req('POST', '/companies', token => $O->{access},
	json => { name => "  $P Acme ", website => 'https://acme.example/jobs', description => 'We make anvils.', location => 'Berlin' });
is($r->{status}, 201, 'POST /companies answers 201');
company_ok($r->{json}, 'POST /companies');
my $acme = $r->{json};
is(hdr($r, 'location'), "/companies/$acme->{id}", 'Location is /companies/{id}');
like(hdr($r, 'content-type') // '', qr{\Aapplication/json\b}, 'the answer is application/json');
is($acme->{name}, "$P Acme", 'the name is trimmed');
is($acme->{website}, 'https://acme.example/jobs', 'website');
is($acme->{description}, 'We make anvils.', 'description');
is($acme->{location}, 'Berlin', 'location');
is($acme->{open_jobs}, 0, 'a new company has open_jobs 0');
is($acme->{created_at}, $acme->{updated_at}, 'created_at equals updated_at on create');
security_headers_ok($r, 'POST /companies');
is_deeply(req('GET', "/companies/$acme->{id}")->{json}, $acme, 'GET /companies/{id} answers what the create answered');

# The caller becomes an owner member.
$r = req('GET', "/companies/$acme->{id}/members", token => $O->{access});
is($r->{status}, 200, 'the creator may list the members');
is_deeply([ map { [ $_->{user}{id}, $_->{role} ] } @{ $r->{json}{data} || [] } ], [ [ $O->{id}, 'owner' ] ],
	'the creator is the one member, as owner');

$r = req('POST', '/companies', token => $O->{access}, json => { name => "$P Beta" });
is($r->{status}, 201, 'a company with only a name');
my $beta = $r->{json};
is_deeply([ @$beta{qw(website description location)} ], [ undef, undef, undef ], 'unset fields are null');

# application/json with a charset is JSON too.
$r = req('POST', '/companies', token => $O->{access}, body => JSON::PP->new->utf8->encode({ name => "$P Gamma" }),
	type => 'application/json; charset=utf-8');
is($r->{status}, 201, 'Content-Type application/json; charset=utf-8 is accepted');
my $gamma = $r->{json};

# Who may create.
$r = req('POST', '/companies', json => { name => "$P Nobody" });
problem_ok($r, 401, 'unauthorized', 'POST /companies without a token');
like(hdr($r, 'www-authenticate') // '', qr/\ABearer\b/, 'and WWW-Authenticate: Bearer');
$r = req('POST', '/companies', token => 'not-a-token', json => { name => "$P Nobody" });
problem_ok($r, 401, 'unauthorized', 'POST /companies with a bad token');
like(hdr($r, 'www-authenticate') // '', qr/error="invalid_token"/, 'and error="invalid_token"');
problem_ok(req('POST', '/companies', token => $C->{access}, json => { name => "$P Nobody" }), 403, 'forbidden',
	'a candidate (no companies:create)');
is(req('POST', '/companies', token => $A->{access}, json => { name => "$P Admin" })->{status}, 201,
	'an admin holds companies:create');

# Media type and JSON syntax.
problem_ok(req('POST', '/companies', token => $O->{access}, body => qq({"name":"$P Text"}), type => 'text/plain'),
	415, 'unsupported_media_type', 'POST /companies with text/plain');
problem_ok(req('POST', '/companies', token => $O->{access}, body => qq({"name":"$P Form"}),
	type => 'application/x-www-form-urlencoded'), 415, 'unsupported_media_type', 'POST /companies with a form type');
problem_ok(req('POST', '/companies', token => $O->{access}, body => qq({"name":"$P None"})),
	415, 'unsupported_media_type', 'POST /companies with a body and no Content-Type');
problem_ok(req('POST', '/companies', token => $O->{access}, body => '{"name": ', type => 'application/json'),
	400, 'bad_request', 'POST /companies with malformed JSON');
# §1.0: 415 comes before 401.
problem_ok(req('POST', '/companies', body => '{}', type => 'text/plain'), 415, 'unsupported_media_type',
	'415 before 401');

# Validation: every field error at once.
for my $case (
	[ { website => 'ftp://acme.example', description => 5, location => '', size => 3 },
	  [qw(name website description location size)], 'missing name, ftp URL, number, empty string, unknown field' ],
	[ { name => 'n' x 201, website => 'https://' . ('w' x 1993) }, [qw(name website)], 'name over 200, website over 2000' ],
	[ { name => '   ', website => 'acme.example' }, [qw(name website)], 'blank name, URL without scheme' ],
	[ { name => undef, website => 'https:// acme.example' }, [qw(name website)], 'null name, URL with a space' ],
	[ { name => "$P Delta", website => 'http://' }, ['website'], 'URL without a host' ],
	[ { name => [ 'x' ] }, ['name'], 'name as an array' ],
	[ { name => "$P Delta", open_jobs => 3 }, ['open_jobs'], 'open_jobs is not writable' ],
	[ { name => "$P Delta", id => 5 }, ['id'], 'id is not writable' ],
) {
	my ($body, $fields, $what) = @$case;
	problem_ok(req('POST', '/companies', token => $O->{access}, json => $body), 422, 'validation_failed',
		"POST /companies: $what", only_fields => $fields);
}
is(req('POST', '/companies', token => $O->{access}, json => { name => "\x{e9}" x 200 . $P })->{status}, 422,
	'201 characters (counted in code points) is too long');
$r = req('POST', '/companies', token => $O->{access}, json => { name => substr("\x{e9}" x 200, 0, 200 - length($P) - 1) . " $P" });
is($r->{status}, 201, 'a name of exactly 200 code points, most of them two bytes, is fine');

# Names are unique case-insensitively: 409, and nothing is made.
$r = req('POST', '/companies', token => $X->{access}, json => { name => uc "$P acme" });
problem_ok($r, 409, 'conflict', 'a name taken in another case');
$r = req('POST', '/companies', token => $O->{access}, json => { name => " $P Acme" });
problem_ok($r, 409, 'conflict', 'the same name with a leading space (trimmed first)');
is(sql("SELECT count(*) FROM jobboard.companies WHERE lower(name) = lower('$P Acme')"), 1,
	'still one company of that name');

# ------------------------------------------------------------ GET /companies

# Three companies whose names sort differently from their creation order.
my $Q = 'Colist ' . unique_tag();
my @made = map { new_company($X->{access}, name => "$Q $_") } qw(b a c);
my @by_created = map { $_->{id} } @made;
my @by_name = map { $_->{id} } sort { $a->{name} cmp $b->{name} } @made;

$r = req('GET', '/companies?q=' . qenc($Q));
is($r->{status}, 200, 'GET /companies needs no token');
is(join(',', sort keys %{ $r->{json} || {} }), 'data,next_cursor', 'a list answers {data, next_cursor}');
is_deeply(data_ids($r), \@by_name, 'q filters by name; the default sort is name');
company_ok($r->{json}{data}[0], 'a listed company');
is($r->{json}{next_cursor}, undef, 'next_cursor null when all rows are shown');
ok(!defined hdr($r, 'link'), 'and no Link header');
is_deeply(data_ids(req('GET', '/companies?sort=-name&q=' . qenc($Q))), [ reverse @by_name ], 'sort=-name');
is_deeply(data_ids(req('GET', '/companies?sort=created_at&q=' . qenc($Q))), \@by_created, 'sort=created_at');
is_deeply(data_ids(req('GET', '/companies?sort=-created_at&q=' . qenc($Q))), [ reverse @by_created ], 'sort=-created_at');
is_deeply(data_ids(req('GET', '/companies?q=' . qenc(lc $Q))), \@by_name, 'q is case-insensitive');
is_deeply(data_ids(req('GET', '/companies?q=' . qenc(substr($Q, 3) . ' c'))), [ $made[2]{id} ], 'q matches inside the name');
is_deeply(data_ids(req('GET', '/companies?q=' . qenc("$Q %"))), [], 'q takes % literally');
is_deeply(data_ids(req('GET', '/companies?q=' . qenc("zz-none-$Q"))), [], 'q that matches nothing: []');
is(req('GET', '/companies?q=' . qenc($Q), token => $C->{access})->{status}, 200, 'a signed-in user may list too');
problem_ok(req('GET', '/companies?q=x', token => 'garbage'), 401, 'unauthorized', 'a bad token on a public route (§1.0)');

$r = req('GET', '/companies?limit=2&count=exact&q=' . qenc($Q));
is($r->{json}{total}, 3, 'count=exact gives the total of matching rows');
is(scalar @{ $r->{json}{data} }, 2, 'while data holds limit=2 rows');
like(hdr($r, 'link') // '', qr/\A<[^>]*cursor=[^>]*>; rel="next"\z/, 'a next page is announced with Link rel="next"');
my $w = walk_list('/companies?limit=2&q=' . qenc($Q));
is_deeply($w->{ids}, \@by_name, 'following Link visits the 3 companies once, in order');
is($w->{pages}, 2, 'in 2 pages');
is("@{ $w->{bad} }", '', 'Link headers agree with next_cursor');
is_deeply(data_ids(req('GET', '/companies?limit=2&page=2&q=' . qenc($Q))), [ $by_name[2] ], 'page=2');

for my $q ('sort=website', 'sort=open_jobs', 'limit=0', 'limit=101', 'cursor=forged.cursor', 'count=yes', 'page=0') {
	problem_ok(req('GET', "/companies?$q"), 400, 'bad_request', "GET /companies?$q");
}
problem_ok(req('GET', '/companies?owner=1'), 422, 'validation_failed', 'an unknown query parameter', only_fields => ['owner']);

# A public list sends an ETag (§1.3).
$r = req('GET', '/companies?q=' . qenc($Q));
my $list_tag = hdr($r, 'etag');
like($list_tag // '', qr/\A"[0-9a-f]{32}"\z/, 'GET /companies sends a strong ETag');
is(req('GET', '/companies?q=' . qenc($Q), headers => { 'If-None-Match' => $list_tag })->{status}, 304,
	'If-None-Match with it is 304');

# ------------------------------------------------------------ GET /companies/{id}

$r = req('GET', "/companies/$acme->{id}");
is($r->{status}, 200, 'GET /companies/{id} needs no token');
company_ok($r->{json}, 'GET /companies/{id}');
problem_ok(req('GET', '/companies/999999999999'), 404, 'not_found', 'an unknown company');
problem_ok(req('GET', '/companies/abc'), 404, 'not_found', 'a company id that is not a number');
problem_ok(req('GET', '/companies/0'), 404, 'not_found', 'company id 0');

# open_jobs counts open jobs only (not drafts, not closed ones).
{
	my $j1 = new_job($O->{access}, $acme->{id});
	new_job($O->{access}, $acme->{id}, status => 'draft');
	my $j3 = new_job($O->{access}, $acme->{id});
	is(req('GET', "/companies/$acme->{id}")->{json}{open_jobs}, 2, 'open_jobs counts two open jobs, not the draft');
	is(req('PATCH', "/jobs/$j3->{id}", token => $O->{access}, json => { status => 'closed' })->{status}, 200, 'close one');
	is(req('GET', "/companies/$acme->{id}")->{json}{open_jobs}, 1, 'open_jobs drops to 1');
	sql("UPDATE jobboard.jobs SET expires_at = now() - interval '1 minute' WHERE id = $j1->{id}");
	# with a token: the answer comes from the database, not from the response
	# cache (which hears of psql's change by NOTIFY, a moment later)
	is(req('GET', "/companies/$acme->{id}", token => $O->{access})->{json}{open_jobs}, 0,
		'an expired job is not open');
}

# ------------------------------------------------------------ PATCH /companies/{id}

$r = req('POST', "/companies/$acme->{id}/members", token => $O->{access}, json => { email => $R->{email}, role => 'recruiter' });
is($r->{status}, 201, 'Rita is made a recruiter of Acme');

my $before = req('GET', "/companies/$acme->{id}")->{json};
$r = req('PATCH', "/companies/$acme->{id}", token => $R->{access}, json => { website => undef, location => 'Hamburg' });
is($r->{status}, 200, 'a recruiter (member) may change the company');
company_ok($r->{json}, 'PATCH /companies/{id}');
is($r->{json}{website}, undef, 'null clears website');
is($r->{json}{location}, 'Hamburg', 'location changed');
is($r->{json}{name}, $before->{name}, 'name untouched');
is($r->{json}{description}, $before->{description}, 'description untouched');
is($r->{json}{created_at}, $before->{created_at}, 'created_at untouched');
ok(ts_epoch($r->{json}{updated_at}) > ts_epoch($before->{updated_at}), 'updated_at moved forward');
is_deeply(req('GET', "/companies/$acme->{id}")->{json}, $r->{json}, 'GET shows what PATCH answered');

$r = req('PATCH', "/companies/$acme->{id}", token => $A->{access}, json => { description => 'Anvils and more.' });
is($r->{status}, 200, 'a moderator (not a member) may change it');
is($r->{json}{description}, 'Anvils and more.', 'description changed');

$before = req('GET', "/companies/$acme->{id}")->{json};
problem_ok(req('PATCH', "/companies/$acme->{id}", token => $X->{access}, json => { location => 'Paris' }), 403, 'forbidden',
	'an employer who is not a member');
problem_ok(req('PATCH', "/companies/$acme->{id}", token => $C->{access}, json => { location => 'Paris' }), 403, 'forbidden',
	'a candidate');
problem_ok(req('PATCH', "/companies/$acme->{id}", json => { location => 'Paris' }), 401, 'unauthorized', 'no token');
problem_ok(req('PATCH', '/companies/999999999999', token => $O->{access}, json => { location => 'Paris' }), 404, 'not_found',
	'an unknown company');
problem_ok(req('PATCH', "/companies/$acme->{id}", token => $O->{access}, json => { name => undef, website => 'mailto:x@y.z', open_jobs => 3 }),
	422, 'validation_failed', 'null name, mailto URL, open_jobs', only_fields => [qw(name website open_jobs)]);
problem_ok(req('PATCH', "/companies/$acme->{id}", token => $O->{access}, json => { description => 'd' x 20001 }),
	422, 'validation_failed', 'description over 20,000', only_fields => ['description']);
problem_ok(req('PATCH', "/companies/$acme->{id}", token => $O->{access}, json => { name => lc "$P Beta" }), 409, 'conflict',
	'renaming to another company\'s name in another case');
problem_ok(req('PATCH', "/companies/$acme->{id}", token => $O->{access}, body => '{"location":"Paris"}', type => 'text/plain'),
	415, 'unsupported_media_type', 'PATCH with text/plain');
problem_ok(req('PATCH', "/companies/$acme->{id}", token => $O->{access}, body => '{"location":', type => 'application/json'),
	400, 'bad_request', 'PATCH with malformed JSON');
problem_ok(req('PATCH', "/companies/$acme->{id}", token => $O->{access}, json => { id => $beta->{id} }), 400, 'bad_request',
	'id in the body and the path');
is_deeply(req('GET', "/companies/$acme->{id}")->{json}, $before, 'the refused PATCHes changed nothing');

$r = req('PATCH', "/companies/$acme->{id}", token => $O->{access}, json => { name => uc "$P acme" });
is($r->{status}, 200, 'renaming to its own name in another case is fine');
is($r->{json}{name}, uc "$P acme", 'and it is renamed');
my $cur = req('GET', "/companies/$acme->{id}");
$r = req('PATCH', "/companies/$acme->{id}", token => $O->{access}, json => { name => uc "$P acme" });
is_deeply($r->{json}, $cur->{json}, 'a PATCH that changes nothing keeps updated_at');
is(hdr(req('GET', "/companies/$acme->{id}"), 'etag'), hdr($cur, 'etag'), 'and so the ETag');

# If-Match (§1.3): stale 412 and nothing changes; current passes.
$r = req('PATCH', "/companies/$acme->{id}", token => $O->{access}, json => { location => 'Paris' },
	headers => { 'If-Match' => '"0123456789abcdef0123456789abcdef"' });
problem_ok($r, 412, 'precondition_failed', 'PATCH with a stale If-Match');
is_deeply(req('GET', "/companies/$acme->{id}")->{json}, $cur->{json}, 'the stale PATCH changed nothing');
$r = req('PATCH', "/companies/$acme->{id}", token => $O->{access}, json => { location => 'Paris' },
	headers => { 'If-Match' => hdr($cur, 'etag') });
is($r->{status}, 200, 'PATCH with the current If-Match');
is($r->{json}{location}, 'Paris', 'and it applied');

# ------------------------------------------------------------ DELETE /companies/{id}

{
	my $co = new_company($O->{access});
	is(req('POST', "/companies/$co->{id}/members", token => $O->{access}, json => { email => $R->{email}, role => 'recruiter' })->{status},
		201, 'a recruiter for the company to delete');
	my $open = new_job($O->{access}, $co->{id});
	my $draft = new_job($O->{access}, $co->{id}, status => 'draft');

	problem_ok(req('DELETE', "/companies/$co->{id}"), 401, 'unauthorized', 'DELETE without a token');
	problem_ok(req('DELETE', "/companies/$co->{id}", token => $C->{access}), 403, 'forbidden', 'DELETE by a candidate');
	problem_ok(req('DELETE', "/companies/$co->{id}", token => $X->{access}), 403, 'forbidden', 'DELETE by a non-member');
	problem_ok(req('DELETE', "/companies/$co->{id}", token => $R->{access}), 403, 'forbidden',
		'DELETE by a recruiter (owner only)');
	problem_ok(req('DELETE', "/companies/$co->{id}", token => $O->{access}), 409, 'conflict', 'DELETE while a job is open');
	is(req('GET', "/companies/$co->{id}")->{status}, 200, 'the company is still there');

	# An application on a closed job: still 409 (close jobs, keep candidates' records).
	my $cand = register_user();
	is(req('POST', "/jobs/$open->{id}/applications", token => $cand->{access}, json => {})->{status}, 201, 'a candidate applies');
	is(req('PATCH', "/jobs/$open->{id}", token => $O->{access}, json => { status => 'closed' })->{status}, 200, 'the job is closed');
	problem_ok(req('DELETE', "/companies/$co->{id}", token => $O->{access}), 409, 'conflict',
		'DELETE while a (closed) job has applications');
	is(req('GET', "/jobs/$open->{id}")->{status}, 200, 'the job is still there');

	# Without applications: the jobs and memberships go with it.
	my $co2 = new_company($O->{access});
	my $d2 = new_job($O->{access}, $co2->{id}, status => 'draft');
	my $c2 = new_job($O->{access}, $co2->{id});
	is(req('PATCH', "/jobs/$c2->{id}", token => $O->{access}, json => { status => 'closed' })->{status}, 200, 'close its job');
	my $tag = hdr(req('GET', "/companies/$co2->{id}"), 'etag');
	problem_ok(req('DELETE', "/companies/$co2->{id}", token => $O->{access}, headers => { 'If-Match' => '"00000000000000000000000000000000"' }),
		412, 'precondition_failed', 'DELETE with a stale If-Match');
	is(req('GET', "/companies/$co2->{id}")->{status}, 200, 'the stale DELETE left the company');
	$r = req('DELETE', "/companies/$co2->{id}", token => $O->{access}, headers => { 'If-Match' => $tag });
	is($r->{status}, 204, 'the owner deletes a company without open jobs or applications');
	is($r->{body}, '', '204 has no body');
	problem_ok(req('GET', "/companies/$co2->{id}"), 404, 'not_found', 'the deleted company');
	problem_ok(req('GET', "/jobs/$c2->{id}"), 404, 'not_found', 'its closed job is gone');
	problem_ok(req('GET', "/jobs/$d2->{id}", token => $O->{access}), 404, 'not_found', 'its draft is gone');
	is(sql("SELECT count(*) FROM jobboard.company_members WHERE company_id = $co2->{id}"), 0, 'its memberships are gone');
	problem_ok(req('DELETE', "/companies/$co2->{id}", token => $O->{access}), 404, 'not_found', 'DELETE again');
	problem_ok(req('DELETE', "/companies/$co2->{id}", token => $A->{access}), 404, 'not_found', 'DELETE again by a moderator');

	# A moderator deletes any company.
	my $xco = new_company($X->{access});
	is(req('DELETE', "/companies/$xco->{id}", token => $A->{access})->{status}, 204, 'a moderator deletes another\'s company');
	is(req('GET', "/companies/$xco->{id}")->{status}, 404, 'it is gone');
	is(req('DELETE', "/companies/$gamma->{id}", token => $O->{access})->{status}, 204, 'the owner deletes a new company');
}

done_testing;
