#!/usr/bin/perl
# API.md §1.2 lists, on GET /jobs scoped to one company of 45 jobs: a cursor
# walk by Link rel="next" visits each job exactly once and in order for
# every sort (ties broken by id); rows inserted during a walk neither repeat
# nor shift rows; page= (offset pages, the 10,000 cap, not with cursor);
# count=exact; limit bounds; cursors that are altered, truncated, foreign to
# the sort or the route are 400s. The member view of GET
# /companies/{id}/jobs walks drafts too.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

my $E = register_user(role => 'employer');
my $W = new_company($E->{access});
my $wid = $W->{id};
my $r;

# Job 01 .. Job 45, created (and so posted) in that order; salaries with
# many ties (1000 * (i % 5)).
my @jobs = map {
	new_job($E->{access}, $wid, title => sprintf('Job %02d', $_), description => "Walk job $_", salary_max => 1000 * ($_ % 5))
} 1 .. 45;
my @ids = map { $_->{id} } @jobs;
my %by_id = map { $_->{id} => $_ } @jobs;
sub titles_of { [ map { $by_id{$_} ? $by_id{$_}{title} : "id $_" } @{ $_[0] } ] }

my %want = (
	'-posted_at' => [ reverse @ids ],
	'posted_at'  => [ @ids ],
	'title'      => [ @ids ],
	'-title'     => [ reverse @ids ],
	'salary_max' => [ map { $_->{id} } sort { $a->{salary_max} <=> $b->{salary_max} || $a->{id} <=> $b->{id} } @jobs ],
	'-salary_max' => [ map { $_->{id} } sort { $b->{salary_max} <=> $a->{salary_max} || $b->{id} <=> $a->{id} } @jobs ],
);

# ------------------------------------------------------------ cursor walks

{
	my $w = walk_list("/jobs?company_id=$wid&limit=7");
	is_deeply($w->{ids}, $want{'-posted_at'}, 'the default sort (-posted_at): 45 jobs by Link rel="next", each once, newest first');
	is($w->{pages}, 7, 'in 7 pages of 7');
	is("@{ $w->{bad} }", '', 'every page but the last has a Link that carries its next_cursor; the last has none');
	is_deeply([ @{ titles_of($w->{ids}) }[ 0 .. 6 ] ], [ map { sprintf 'Job %02d', $_ } reverse 39 .. 45 ], 'page 1 is Job 45 .. Job 39');
}
for my $sort (sort keys %want) {
	for my $limit (1, 10) {
		next if $limit == 1 && $sort !~ /salary/;	# one row per page through the ties
		my $w = walk_list("/jobs?company_id=$wid&limit=$limit&sort=$sort");
		is_deeply($w->{ids}, $want{$sort}, "sort=$sort limit=$limit: every job once, in order (ties by id)");
		is($w->{pages}, int((45 + $limit - 1) / $limit), "sort=$sort limit=$limit: number of pages");
		is("@{ $w->{bad} }", '', "sort=$sort limit=$limit: Link headers");
	}
}

# next_cursor passed by hand gives the same pages as the Link.
{
	my (@seen, $cursor, $n);
	do {
		my $x = req('GET', "/jobs?company_id=$wid&limit=20&sort=title" . (defined $cursor ? '&cursor=' . qenc($cursor) : ''));
		push @seen, @{ data_ids($x) };
		$cursor = $x->{json}{next_cursor};
	} while (defined $cursor && ++$n < 10);
	is_deeply(\@seen, $want{title}, 'a walk by next_cursor passed as ?cursor= gives the same');
}

# The Link target keeps the other parameters and replaces the cursor.
{
	my $x = req('GET', "/jobs?company_id=$wid&limit=5&sort=title&count=exact");
	my ($target) = (hdr($x, 'link') // '') =~ /\A<([^>]+)>; rel="next"\z/;
	ok(defined $target, 'Link: <...>; rel="next"');
	$target //= '';
	like($target, qr{\A(?:https?://[^/]+)?/jobs\?}, 'the target is /jobs');
	like($target, qr/[?&]company_id=$wid(?:&|\z)/, 'it keeps company_id');
	like($target, qr/[?&]sort=title(?:&|\z)/, 'it keeps sort');
	like($target, qr/[?&]limit=5(?:&|\z)/, 'it keeps limit');
	is(scalar(() = $target =~ /[?&]cursor=/g), 1, 'it has one cursor');
	$target =~ s{\Ahttps?://[^/]+}{};
	my $y = req('GET', $target);
	is_deeply(data_ids($y), [ @{ $want{title} }[ 5 .. 9 ] ], 'following it gives rows 6..10');
	is($y->{json}{total}, 45, 'with count=exact still applied');
	my ($t2) = (hdr($y, 'link') // '') =~ /<([^>]+)>/;
	$t2 //= '';
	$t2 =~ s{\Ahttps?://[^/]+}{};
	is_deeply(data_ids(req('GET', $t2)), [ @{ $want{title} }[ 10 .. 14 ] ], 'and its Link the rows after');
}

# ------------------------------------------------------------ inserts during a walk

{
	my $I = new_company($E->{access});
	my @base = map { new_job($E->{access}, $I->{id}, title => sprintf('Ins %02d', $_)) } 10 .. 19;
	my %base = map { $_->{id} => 1 } @base;

	# sort=title: a row before the cursor is not seen, a row after it is; nothing repeats.
	my $x = req('GET', "/jobs?company_id=$I->{id}&limit=4&sort=title");
	my @seen = @{ data_ids($x) };
	my $early = new_job($E->{access}, $I->{id}, title => 'Ins 00 early');
	my $late = new_job($E->{access}, $I->{id}, title => 'Ins 99 late');
	my ($next) = (hdr($x, 'link') // '') =~ /<([^>]+)>/;
	$next =~ s{\Ahttps?://[^/]+}{};
	my $w = walk_list($next);
	push @seen, @{ $w->{ids} };
	is_deeply(\@seen, [ (map { $_->{id} } @base), $late->{id} ],
		'sort=title: a row inserted before the cursor is skipped, one after it is seen, none twice, order kept');

	# The default sort: a job posted during the walk is newer than everything seen.
	$x = req('GET', "/jobs?company_id=$I->{id}&limit=5");
	@seen = @{ data_ids($x) };
	my $newest = new_job($E->{access}, $I->{id}, title => 'Ins 50 posted meanwhile');
	($next) = (hdr($x, 'link') // '') =~ /<([^>]+)>/;
	$next =~ s{\Ahttps?://[^/]+}{};
	push @seen, @{ walk_list($next)->{ids} };
	my @all_before = reverse map { $_->{id} } @base, $early, $late;
	is_deeply(\@seen, \@all_before, 'sort=-posted_at: a job posted during the walk does not shift the pages');

	# Ascending by posted_at: the new job comes at the end of the walk.
	$x = req('GET', "/jobs?company_id=$I->{id}&limit=5&sort=posted_at");
	@seen = @{ data_ids($x) };
	my $last = new_job($E->{access}, $I->{id}, title => 'Ins 60 posted meanwhile');
	($next) = (hdr($x, 'link') // '') =~ /<([^>]+)>/;
	$next =~ s{\Ahttps?://[^/]+}{};
	push @seen, @{ walk_list($next)->{ids} };
	is_deeply(\@seen, [ (map { $_->{id} } @base, $early, $late, $newest), $last->{id} ],
		'sort=posted_at: a job posted during the walk is seen once, at the end');

	# A row deleted during the walk does not break the cursor.
	$x = req('GET', "/jobs?company_id=$I->{id}&limit=3&sort=title");
	@seen = @{ data_ids($x) };
	is(req('DELETE', "/jobs/$seen[2]", token => $E->{access})->{status}, 204, 'the last row of page 1 is deleted');
	($next) = (hdr($x, 'link') // '') =~ /<([^>]+)>/;
	$next =~ s{\Ahttps?://[^/]+}{};
	my $rest = walk_list($next);
	is("@{ $rest->{bad} }", '', 'the cursor of a deleted row still works');
	is(scalar(@seen) + scalar(@{ $rest->{ids} }), 14, 'and the walk sees the 13 others and the deleted one once');
}

# ------------------------------------------------------------ page=

$r = req('GET', "/jobs?company_id=$wid&limit=7&page=2&count=exact");
is($r->{status}, 200, 'page=2');
is_deeply(titles_of(data_ids($r)), [ map { sprintf 'Job %02d', $_ } reverse 32 .. 38 ], 'page=2 limit=7 is Job 38 .. Job 32');
is($r->{json}{total}, 45, 'count=exact: total 45');
{
	my ($target) = (hdr($r, 'link') // '') =~ /<([^>]+)>/;
	$target //= '';
	unlike($target, qr/[?&]page=/, 'the Link of a page drops page=');
	$target =~ s{\Ahttps?://[^/]+}{};
	is_deeply(titles_of(data_ids(req('GET', $target))), [ map { sprintf 'Job %02d', $_ } reverse 25 .. 31 ],
		'and leads to the rows of page 3');
}
is_deeply(titles_of(data_ids(req('GET', "/jobs?company_id=$wid&limit=7&page=7"))), [ 'Job 03', 'Job 02', 'Job 01' ], 'page=7: the last 3');
$r = req('GET', "/jobs?company_id=$wid&limit=7&page=7");
is($r->{json}{next_cursor}, undef, 'the last page has next_cursor null');
ok(!defined hdr($r, 'link'), 'and no Link');
is_deeply(data_ids(req('GET', "/jobs?company_id=$wid&limit=7&page=8")), [], 'page=8 is empty');
is_deeply(data_ids(req('GET', "/jobs?company_id=$wid&limit=10&page=1&sort=title")), [ @{ $want{title} }[ 0 .. 9 ] ], 'page=1 is the first page');
is(req('GET', "/jobs?company_id=$wid&limit=100&page=100")->{status}, 200, 'page * limit = 10,000 is allowed');
problem_ok(req('GET', "/jobs?company_id=$wid&limit=100&page=101"), 400, 'bad_request', 'page * limit over 10,000');
problem_ok(req('GET', "/jobs?company_id=$wid&page=501"), 400, 'bad_request', 'page 501 with the default limit 20');
for my $bad ('0', '-1', 'x', '1.5', '') {
	problem_ok(req('GET', "/jobs?company_id=$wid&page=$bad"), 400, 'bad_request', "page=$bad");
}

# ------------------------------------------------------------ limit and count

$r = req('GET', "/jobs?company_id=$wid");
is(scalar @{ $r->{json}{data} }, 20, 'the default limit is 20');
ok(defined $r->{json}{next_cursor}, 'with a next_cursor');
ok(!exists $r->{json}{total}, 'no total without count=exact');
is(scalar @{ data_ids(req('GET', "/jobs?company_id=$wid&limit=1")) }, 1, 'limit=1');
$r = req('GET', "/jobs?company_id=$wid&limit=100");
is(scalar @{ $r->{json}{data} }, 45, 'limit=100 shows all 45');
is($r->{json}{next_cursor}, undef, 'next_cursor null when nothing follows');
ok(!defined hdr($r, 'link'), 'and no Link');
for my $bad ('0', '101', '-1', 'abc', '1e1', '2.0', '') {
	problem_ok(req('GET', "/jobs?company_id=$wid&limit=$bad"), 400, 'bad_request', "limit=$bad");
}
$r = req('GET', "/jobs?company_id=$wid&count=exact&limit=3&salary_min=3000");
is($r->{json}{total}, 18, 'count=exact with a filter: the 18 jobs whose salary_max reaches 3000');
problem_ok(req('GET', "/jobs?company_id=$wid&count=estimated"), 400, 'bad_request', 'count=estimated');
is(req('GET', "/jobs?company_id=$wid&count=exact&limit=7&cursor=" . qenc(req('GET', "/jobs?company_id=$wid&limit=7")->{json}{next_cursor}))->{json}{total},
	45, 'count=exact on a later page counts every matching row');

# ------------------------------------------------------------ bad cursors

{
	my $x = req('GET', "/jobs?company_id=$wid&limit=3&sort=title");
	my $c = $x->{json}{next_cursor} // 'x';
	my $t = $c;
	my $mid = int(length($t) / 3);
	substr($t, $mid, 1) = substr($t, $mid, 1) eq 'A' ? 'B' : 'A';
	my $path = "/jobs?company_id=$wid&limit=3&sort=title&cursor=";
	problem_ok(req('GET', $path . qenc($t)), 400, 'bad_request', 'a cursor with one character changed');
	problem_ok(req('GET', $path . qenc(substr($c, 0, -3))), 400, 'bad_request', 'a truncated cursor');
	problem_ok(req('GET', $path . qenc("$c.x")), 400, 'bad_request', 'a cursor with something appended');
	problem_ok(req('GET', $path . 'eyJpZCI6MX0.AAAAAAAAAAAAAAAAAAAAAA'), 400, 'bad_request', 'a hand-made cursor');
	problem_ok(req('GET', "/jobs?company_id=$wid&limit=3&sort=-title&cursor=" . qenc($c)), 400, 'bad_request',
		'a cursor of another direction');
	problem_ok(req('GET', "/jobs?company_id=$wid&limit=3&sort=posted_at&cursor=" . qenc($c)), 400, 'bad_request',
		'a cursor of another sort');
	problem_ok(req('GET', "/jobs?company_id=$wid&limit=3&sort=title&page=2&cursor=" . qenc($c)), 400, 'bad_request',
		'cursor together with page');
	my $cc = req('GET', '/companies?limit=1')->{json}{next_cursor};
	SKIP: {
		skip 'fewer than two companies', 1 unless defined $cc;
		problem_ok(req('GET', "/jobs?company_id=$wid&cursor=" . qenc($cc)), 400, 'bad_request', 'a cursor of GET /companies on GET /jobs');
	}
	my $cj = req('GET', "/companies/$wid/jobs?limit=1")->{json}{next_cursor};
	problem_ok(req('GET', "/jobs?company_id=$wid&cursor=" . qenc($cj // 'x')), 400, 'bad_request',
		'a cursor of GET /companies/{id}/jobs on GET /jobs');
	problem_ok(req('GET', "/companies/$wid/jobs?cursor=" . qenc($c)), 400, 'bad_request', 'a cursor of GET /jobs on GET /companies/{id}/jobs');
}

# ------------------------------------------------------------ the member view of a company's jobs

{
	my $d = new_job($E->{access}, $wid, title => 'Job 46 draft', status => 'draft');
	my $w = walk_list("/companies/$wid/jobs?limit=8&sort=title", token => $E->{access});
	is_deeply($w->{ids}, [ @{ $want{title} }, $d->{id} ], 'a member walks GET /companies/{id}/jobs, the draft included, each once');
	is("@{ $w->{bad} }", '', 'with Link headers');
	$w = walk_list("/companies/$wid/jobs?limit=8&sort=title");
	is_deeply($w->{ids}, $want{title}, 'the public walk of the same list leaves the draft out');
}

done_testing;
