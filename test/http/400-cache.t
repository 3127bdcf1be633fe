#!/usr/bin/perl
# The response cache of public reads (issue 6, README "Response cache"): the
# 200 answers of `cacheable` GET routes asked without a token are kept in the
# server, keyed by path and query; a repeat is served from there (same body,
# same ETag, 304 on If-None-Match), a request with a token never is, a write
# through the server empties it at once, a write anywhere else (another
# server, psql) reaches it through NOTIFY jobboard_cache, and its memory
# stays within JOBBOARD_CACHE_SIZE.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB qw(:DEFAULT :edge);

need_psql();

sub metrics_of {
	my ($s) = @_;
	my $r = defined $s ? req_at($s, 'GET', '/metrics') : req('GET', '/metrics');
	return parse_metrics($r->{body});
}
sub cache_metric {
	my ($name, $s) = @_;
	return metric_sum(metrics_of($s), 'jobboard_cache_lookups_total', result => 'hit') // -1 if $name eq 'hits';
	return metric_sum(metrics_of($s), 'jobboard_cache_lookups_total', result => 'miss') // -1 if $name eq 'misses';
	return metric_sum(metrics_of($s), "jobboard_cache_$name") // -1;
}

my $E = register_user(role => 'employer', name => 'Cash Cache');
my $co = new_company($E->{access});
my $j1 = new_job($E->{access}, $co->{id}, title => 'Cached one');
my $path = "/jobs?company_id=$co->{id}&sort=title";
sub titles { [ map { $_->{title} } @{ $_[0]{json}{data} || [] } ] }

ok(wait_until(5, 0.05, sub { cache_metric('enabled') == 1 }), 'the cache is on (jobboard_cache_enabled 1)');

# ------------------------------------------------------------ hits

my $first = req('GET', $path);
is($first->{status}, 200, "GET $path");
my $h0 = cache_metric('hits');
my $again = req('GET', $path);
is($again->{status}, 200, 'the same GET again');
is(cache_metric('hits'), $h0 + 1, 'was a cache hit (jobboard_cache_lookups_total{result="hit"} + 1)');
is($again->{body}, $first->{body}, 'with the same body');
like(hdr($again, 'etag') // '', qr/\A"[0-9a-f]{32}"\z/, 'an ETag');
is(hdr($again, 'etag'), hdr($first, 'etag'), 'the same ETag');
is(hdr($again, 'content-type'), 'application/json', 'Content-Type application/json');
ok(hdr($again, 'x-request-id'), 'its own X-Request-Id');
my $r = req('GET', $path, headers => { 'If-None-Match' => hdr($first, 'etag') });
is($r->{status}, 304, 'If-None-Match with the tag: 304 from the cache');
is($r->{body}, '', 'with no body');
is(cache_metric('hits'), $h0 + 2, '... a hit');
{
	my $p2 = "/jobs?company_id=$co->{id}&limit=1";
	new_job($E->{access}, $co->{id}, title => 'Cached two');
	my $a = req('GET', $p2);
	my $b = req('GET', $p2);
	like(hdr($b, 'link') // '', qr/rel="next"/, 'a cached page keeps its Link rel="next"');
	is(hdr($b, 'link'), hdr($a, 'link'), '... the same Link');
}

# ------------------------------------------------------------ bypass

{
	req('GET', $path);
	my ($h, $m) = (cache_metric('hits'), cache_metric('misses'));
	my $a = req('GET', $path, token => $E->{access});
	is($a->{status}, 200, 'the same GET with a token');
	is(cache_metric('hits'), $h, 'is not answered from the cache');
	is(cache_metric('misses'), $m, 'nor looked up there');
	problem_ok(req('GET', $path, token => 'x.y.z'), 401, 'unauthorized', 'a bad token on a cached URL is still a 401');
}

# ------------------------------------------------------------ invalidation

{
	my $before = titles(req('GET', $path));
	my $j = new_job($E->{access}, $co->{id}, title => 'Cached zzz new');
	my $after = titles(req('GET', $path));
	is(scalar @$after, @$before + 1, 'POST /jobs through this server: the next GET shows the new job');
	is($after->[-1], 'Cached zzz new', '... by its title');
	my $w = req('PATCH', "/jobs/$j->{id}", token => $E->{access}, json => { title => 'Cached zzz renamed' });
	is($w->{status}, 200, 'PATCH /jobs/{id}');
	is(titles(req('GET', $path))->[-1], 'Cached zzz renamed', 'the next GET shows the change');
}

# The background worker runs jobboard.run_maintenance() every second here;
# with no job to close it must not empty the cache (an UPDATE of no row
# still fires the statement trigger that sends NOTIFY jobboard_cache).
{
	req('GET', $path) for 1 .. 2;
	my $c0 = cache_metric('clears_total');
	my $h0 = cache_metric('hits');
	is(sql('SELECT jobboard.run_maintenance() ->> \'closed_jobs\''), 0, 'maintenance with no job to close');
	Time::HiRes::sleep(1.5);    # a NOTIFY arrives within milliseconds; the worker runs once more
	is(cache_metric('clears_total'), $c0, '... leaves the cache alone (jobboard_cache_clears_total unchanged)');
	req('GET', $path);
	is(cache_metric('hits'), $h0 + 1, '... and the next GET is still a hit');
}

SKIP: {
	skip 'no jobboard_cache trigger in the extension: writes outside the server are not heard', 3
		unless sql(q{SELECT count(*) FROM pg_trigger WHERE tgname LIKE '%cache%'}) > 0;
	req('GET', $path) for 1 .. 2;
	my $name = 'Cached by psql ' . unique_tag();
	sql("UPDATE jobboard.jobs SET title = '$name' WHERE id = $j1->{id}");
	my $seen = wait_until(1, 0.01, sub { grep { $_ eq $name } @{ titles(req('GET', $path)) } });
	ok($seen, 'an UPDATE through psql is visible within 1 s of its commit (NOTIFY jobboard_cache)');

	my $s2 = start_shim(JOBBOARD_CACHE_SIZE => '16k');
	req('GET', $path) for 1 .. 2;
	my $w = req_at($s2, 'POST', '/jobs', token => $E->{access},
		json => { company_id => $co->{id}, title => 'Cached via another server', description => 'x', employment_type => 'contract' });
	is($w->{status}, 201, 'POST /jobs through another server');
	$seen = wait_until(1, 0.01, sub { grep { $_ eq 'Cached via another server' } @{ titles(req('GET', $path)) } });
	ok($seen, 'is visible here within 1 s');

	# ------------------------------------------------------------ the bound
	ok(wait_until(5, 0.05, sub { cache_metric('enabled', $s2) == 1 }), 'the other server\'s cache (16 KiB) is on');
	my ($bad, $over) = (0, 0);
	for my $i (1 .. 200) {
		$bad++ unless req_at($s2, 'GET', "/jobs?company_id=$co->{id}&q=c$i")->{status} == 200;
	}
	my $m = metrics_of($s2);
	is($bad, 0, '200 distinct public URLs answered 200');
	is(metric_sum($m, 'jobboard_cache_max_bytes'), 16384, 'jobboard_cache_max_bytes is JOBBOARD_CACHE_SIZE');
	cmp_ok(metric_sum($m, 'jobboard_cache_bytes'), '<=', 16384, 'the cache holds at most JOBBOARD_CACHE_SIZE bytes');
	cmp_ok(metric_sum($m, 'jobboard_cache_entries'), '>', 0, 'and some entries');
	cmp_ok(metric_sum($m, 'jobboard_cache_evictions_total'), '>', 0, 'the least recently used went out');
	is(stop_shim($s2), 0, 'the other server exits 0');
	is(sanitizer_report($s2), '', 'no sanitizer report in its log');
}

# ------------------------------------------------------------ off

{
	my $s3 = start_shim(JOBBOARD_CACHE_SIZE => 0);
	req_at($s3, 'GET', $path) for 1 .. 3;
	my $m = metrics_of($s3);
	is(metric_sum($m, 'jobboard_cache_lookups_total', result => 'hit'), 0, 'JOBBOARD_CACHE_SIZE=0: no hits');
	is(metric_sum($m, 'jobboard_cache_enabled'), 0, '... the cache is off');
	is(stop_shim($s3), 0, 'that server exits 0');
	is(sanitizer_report($s3), '', 'no sanitizer report in its log');
}

done_testing;
