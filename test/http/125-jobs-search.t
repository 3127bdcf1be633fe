#!/usr/bin/perl
# API.md §3.4 GET /jobs: open jobs only; every filter (q with web-search
# syntax incl. a negated term and a phrase, location, remote,
# employment_type, company_id, repeated tag, salary_min, posted_after), every
# sort (posted_at, salary_max, title, relevance with q), count=exact, and the
# 400s of bad query values. Other test files share the database, so every
# query is scoped with company_id or with tags unique to this run.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $E = register_user(role => 'employer');
my $F = new_company($E->{access});
my $fid = $F->{id};
my $r;

my %job;
for my $spec (
	[ 'Senior Rust engineer', { description => 'Rust for a remote first team.', employment_type => 'full_time', remote => JSON::PP::true,
	  location => 'Berlin', salary_max => 120000, tags => [qw(rust remote)] } ],
	[ 'Rust developer', { description => 'Rust and a little go, remote first.', employment_type => 'full_time', remote => JSON::PP::true,
	  location => 'Munich', salary_min => 50000, salary_max => 90000, tags => [qw(rust go)] } ],
	[ 'Rust intern', { description => 'Learn rust with us; remote possible.', employment_type => 'internship', remote => JSON::PP::false,
	  location => 'BERLIN Mitte', salary_max => 20000, tags => ['rust'] } ],
	[ 'Go developer', { description => 'Go services.', employment_type => 'contract', location => 'Paris', tags => ['go'] } ],
	[ 'Postgres DBA', { description => 'Postgres all day, remote first culture.', employment_type => 'part_time', remote => JSON::PP::true,
	  salary_max => 70000, tags => [qw(postgres remote)] } ],
) {
	my ($title, $f) = @$spec;
	$job{$title} = new_job($E->{access}, $fid, title => $title, %$f);
}
# Jobs that are not open never show in GET /jobs, whatever matches.
my $draft = new_job($E->{access}, $fid, title => 'Rust draft', description => 'Rust remote first', status => 'draft', tags => [qw(rust remote)]);
my $closed = new_job($E->{access}, $fid, title => 'Rust closed', description => 'Rust remote first', tags => [qw(rust remote)]);
is(req('PATCH', "/jobs/$closed->{id}", token => $E->{access}, json => { status => 'closed' })->{status}, 200, 'one job closed');
my $expired = new_job($E->{access}, $fid, title => 'Rust expired', description => 'Rust remote first', tags => [qw(rust remote)],
	expires_at => '2099-01-01T00:00:00Z');
sql("UPDATE jobboard.jobs SET expires_at = now() - interval '1 minute' WHERE id = $expired->{id}");

# Known posting times: the five a minute apart in 2031, the Go job in 2020.
my @order = ('Senior Rust engineer', 'Rust developer', 'Rust intern', 'Go developer', 'Postgres DBA');
for my $i (0 .. $#order) {
	my $at = $order[$i] eq 'Go developer' ? "timestamptz '2020-01-01 00:00:00+00'" : "timestamptz '2031-01-01 00:00:00+00' + interval '$i minutes'";
	sql("UPDATE jobboard.jobs SET posted_at = $at WHERE id = $job{ $order[$i] }{id}");
}

sub list { req('GET', "/jobs?company_id=$fid&limit=100&$_[0]") }
sub titles { [ map { $_->{title} } @{ $_[0]{json}{data} || [] } ] }
sub found { my ($q) = @_; [ sort @{ titles(list($q)) } ] }

# ------------------------------------------------------------ open jobs only

$r = list('');
is($r->{status}, 200, 'GET /jobs?company_id= needs no token');
is_deeply(titles($r), [ 'Postgres DBA', 'Rust intern', 'Rust developer', 'Senior Rust engineer', 'Go developer' ],
	'company_id: the five open jobs, newest posted first (default -posted_at); no draft, closed or expired job');
{
	my $all = req('GET', '/jobs?limit=100');
	is($all->{status}, 200, 'GET /jobs without filters');
	is(scalar(grep { $_->{status} ne 'open' } @{ $all->{json}{data} || [] }), 0, 'lists open jobs only');
}

# ------------------------------------------------------------ q

is_deeply(found('q=rust'), [ 'Rust developer', 'Rust intern', 'Senior Rust engineer' ], 'q=rust');
is_deeply(found('q=' . qenc('rust -senior')), [ 'Rust developer', 'Rust intern' ], 'q with a negated term: rust -senior');
is_deeply(found('q=' . qenc('"remote first"')), [ 'Postgres DBA', 'Rust developer', 'Senior Rust engineer' ], 'q with a phrase');
is_deeply(found('q=' . qenc('"first remote"')), [], 'a phrase is in order');
is_deeply(found('q=' . qenc('rust -senior "remote first"')), ['Rust developer'], 'q: rust -senior "remote first"');
is_deeply(found('q=postgres'), ['Postgres DBA'], 'q matches words of the title');
is_deeply(found('q=services'), ['Go developer'], 'q matches words of the description');
is_deeply(found('q=' . qenc('postgres or intern')), [ 'Postgres DBA', 'Rust intern' ], 'q with or');
is_deeply(found('q=RUST+-SENIOR'), [ 'Rust developer', 'Rust intern' ], 'q is case-insensitive (and + is a space)');
is_deeply(found('q=engineers'), ['Senior Rust engineer'], 'q is stemmed (engineers finds engineer)');
is_deeply(found('q=' . qenc('zzqx-nothing')), [], 'q that matches nothing');
# Tags are searched too.
{
	my $tagged = new_job($E->{access}, $fid, title => 'Tagged only', description => 'Nothing else.', tags => ['kubernetes']);
	sql("UPDATE jobboard.jobs SET posted_at = timestamptz '2019-01-01 00:00:00+00' WHERE id = $tagged->{id}");
	is_deeply(found('q=kubernetes'), ['Tagged only'], 'q matches a tag');
	is(req('DELETE', "/jobs/$tagged->{id}", token => $E->{access})->{status}, 204, 'that job is removed again');
}
is_deeply(titles(list('q=rust&sort=relevance')), [ 'Senior Rust engineer', 'Rust developer', 'Rust intern' ],
	'sort=relevance: best match first (title, then tags, then description)');
problem_ok(list('sort=relevance'), 400, 'bad_request', 'sort=relevance without q');
problem_ok(list('q=' . ('x' x 501)), 400, 'bad_request', 'q over 500 characters');

# ------------------------------------------------------------ the other filters

is_deeply(titles(list('location=berlin&sort=title')), [ 'Rust intern', 'Senior Rust engineer' ], 'location contains, case-insensitively');
is_deeply(titles(list('location=MUN')), ['Rust developer'], 'location=MUN');
is_deeply(titles(list('remote=true&sort=title')), [ 'Postgres DBA', 'Rust developer', 'Senior Rust engineer' ], 'remote=true');
is_deeply(titles(list('remote=false&sort=title')), [ 'Go developer', 'Rust intern' ], 'remote=false');
is_deeply(titles(list('employment_type=contract')), ['Go developer'], 'employment_type=contract');
is_deeply(titles(list('employment_type=internship')), ['Rust intern'], 'employment_type=internship');
is_deeply(titles(list('employment_type=part_time')), ['Postgres DBA'], 'employment_type=part_time');
is_deeply(titles(list('tag=GO&sort=title')), [ 'Go developer', 'Rust developer' ], 'one tag (lower-cased)');
is_deeply(titles(list('tag=rust&tag=remote&sort=title')), ['Senior Rust engineer'], 'a repeated tag: a job must carry every one');
is_deeply(titles(list('tag=rust&tag=go&tag=remote')), [], 'three tags no job carries together');
is_deeply(titles(list('salary_min=70000&sort=-salary_max')), [ 'Senior Rust engineer', 'Rust developer', 'Postgres DBA' ],
	'salary_min: jobs whose salary_max reaches it');
is_deeply(titles(list('salary_min=120001')), [], 'salary_min above every salary_max');
is_deeply(titles(list('salary_min=0&sort=title')), [ 'Postgres DBA', 'Rust developer', 'Rust intern', 'Senior Rust engineer' ],
	'salary_min=0 leaves out jobs without a salary_max');
is_deeply(titles(list('posted_after=' . qenc('2025-06-01T00:00:00+02:00') . '&sort=title')),
	[ 'Postgres DBA', 'Rust developer', 'Rust intern', 'Senior Rust engineer' ], 'posted_after');
is_deeply(titles(list('posted_after=' . qenc('2031-01-01T00:02:00Z'))), ['Postgres DBA'], 'posted_after is strictly after');
is_deeply(titles(list('posted_after=' . qenc('2031-01-01T01:02:00+01:00'))), ['Postgres DBA'], 'posted_after with an offset');
is_deeply(titles(list('q=rust&remote=true&location=mun&employment_type=full_time&tag=go&salary_min=1')), ['Rust developer'],
	'all filters together');
# company_id alone isolates: another company's matching job is not shown.
{
	my $other = new_company($E->{access});
	my $oj = new_job($E->{access}, $other->{id}, title => 'Rust elsewhere', tags => ['rust']);
	is_deeply(found('q=rust'), [ 'Rust developer', 'Rust intern', 'Senior Rust engineer' ], 'company_id filters to one company');
	is_deeply(titles(req('GET', "/jobs?company_id=$other->{id}")), ['Rust elsewhere'], 'and the other company\'s own list');
}
# Repeated tag without company_id, on tags unique to this run.
{
	my $T = 'u' . unique_tag();
	my $c2 = new_company($E->{access});
	my $ja = new_job($E->{access}, $fid, title => 'Tag one', tags => ["$T-1"]);
	my $jb = new_job($E->{access}, $c2->{id}, title => 'Tag both', tags => [ "$T-1", "$T-2" ]);
	my $jc = new_job($E->{access}, $c2->{id}, title => 'Tag two', tags => ["$T-2"]);
	is_deeply([ sort { $a <=> $b } @{ data_ids(req('GET', "/jobs?tag=$T-1")) } ], [ sort { $a <=> $b } $ja->{id}, $jb->{id} ],
		'tag=x across companies');
	is_deeply(data_ids(req('GET', "/jobs?tag=$T-1&tag=" . uc("$T-2"))), [ $jb->{id} ], 'tag=x&tag=Y: the job with both');
	is(req('GET', "/jobs?tag=$T-1&tag=$T-2&count=exact")->{json}{total}, 1, 'count=exact with a repeated tag');
	for my $j ($ja, $jb, $jc) {
		is(req('DELETE', "/jobs/$j->{id}", token => $E->{access})->{status}, 204, 'clean up a tagged job');
	}
}

# ------------------------------------------------------------ sorts

is_deeply(titles(list('sort=posted_at')), [ 'Go developer', 'Senior Rust engineer', 'Rust developer', 'Rust intern', 'Postgres DBA' ],
	'sort=posted_at: oldest first');
is_deeply(titles(list('sort=-posted_at')), [ 'Postgres DBA', 'Rust intern', 'Rust developer', 'Senior Rust engineer', 'Go developer' ],
	'sort=-posted_at');
is_deeply(titles(list('sort=salary_max')), [ 'Go developer', 'Rust intern', 'Postgres DBA', 'Rust developer', 'Senior Rust engineer' ],
	'sort=salary_max: no salary first, then ascending');
is_deeply(titles(list('sort=-salary_max')), [ 'Senior Rust engineer', 'Rust developer', 'Postgres DBA', 'Rust intern', 'Go developer' ],
	'sort=-salary_max');
is_deeply(titles(list('sort=title')), [ 'Go developer', 'Postgres DBA', 'Rust developer', 'Rust intern', 'Senior Rust engineer' ],
	'sort=title');
is_deeply(titles(list('sort=-title')), [ 'Senior Rust engineer', 'Rust intern', 'Rust developer', 'Postgres DBA', 'Go developer' ],
	'sort=-title');
is_deeply(titles(list('q=rust&sort=-relevance')), [ 'Rust intern', 'Rust developer', 'Senior Rust engineer' ], 'sort=-relevance: worst first');
$r = req('GET', "/jobs?company_id=$fid&remote=true&count=exact&limit=1");
is($r->{json}{total}, 3, 'count=exact counts every matching row');
is(scalar @{ $r->{json}{data} }, 1, 'while data holds limit rows');

# ------------------------------------------------------------ bad query values

for my $case (
	[ 'sort=salary_min', 'a field that is not a sort' ],
	[ 'sort=created_at', 'created_at is not a sort of /jobs' ],
	[ 'posted_after=yesterday', 'posted_after not a time' ],
	[ 'posted_after=2025-13-01T00:00:00Z', 'posted_after month 13' ],
	[ 'posted_after=2025-06-01T00:00:00', 'posted_after without an offset' ],
	[ 'remote=maybe', 'remote neither true nor false' ],
	[ 'employment_type=gig', 'an unknown employment_type' ],
	[ 'salary_min=-5', 'a negative salary_min' ],
	[ 'salary_min=1.5', 'a fractional salary_min' ],
	[ 'tag=' . qenc('no spaces'), 'a tag with a space' ],
	[ 'company_id=x', 'company_id not a number' ],
	[ 'remote=true&remote=false', 'a non-repeatable parameter given twice' ],
) {
	my ($q, $what) = @$case;
	problem_ok(req('GET', "/jobs?$q"), 400, 'bad_request', "GET /jobs?$q: $what");
}
problem_ok(req('GET', '/jobs?status=draft'), 422, 'validation_failed', 'status is no filter of /jobs (unknown parameter)',
	only_fields => ['status']);
problem_ok(req('GET', "/jobs?company_id=$fid", token => 'garbage'), 401, 'unauthorized', 'a bad token on GET /jobs');

# ------------------------------------------------------------ ETag on the public list

$r = list('sort=title');
my $tag = hdr($r, 'etag');
like($tag // '', qr/\A"[0-9a-f]{32}"\z/, 'GET /jobs sends a strong ETag');
is($tag, etag_of($r->{body}), 'derived from the body (docs/INTERFACE.md)');
my $nm = req('GET', "/jobs?company_id=$fid&limit=100&sort=title", headers => { 'If-None-Match' => $tag });
is($nm->{status}, 304, 'If-None-Match with it: 304');
is($nm->{body}, '', 'a 304 has no body');
new_job($E->{access}, $fid, title => 'A newer job');
$r = req('GET', "/jobs?company_id=$fid&limit=100&sort=title", headers => { 'If-None-Match' => $tag });
is($r->{status}, 200, 'after a new job the old tag no longer matches');
isnt(hdr($r, 'etag'), $tag, 'the ETag changed');
is($r->{json}{data}[0]{title}, 'A newer job', 'and the list shows the new job');

done_testing;
