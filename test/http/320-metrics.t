#!/usr/bin/perl
# API.md §3.9 GET /metrics: Prometheus text format, requests by route
# template (never the raw path), method and status; a latency histogram; pool
# in use / idle / waiting; rate-limit rejections; SSE clients (issue 5).
# A second server from JB_SHIM_BIN (pool of 3) is used so that counts are
# exact whatever else runs against the test server.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB qw(:DEFAULT :edge);

plan skip_all => 'JB_SHIM_BIN and JB_SHIM_ENV are needed to start a second server'
	unless $ENV{JB_SHIM_BIN} && $ENV{JB_SHIM_ENV};
need_psql();

my $POOL = 3;
my $s = start_shim(JOBBOARD_POOL_SIZE => $POOL, JOBBOARD_POOL_WAIT_MS => 30000);

sub scrape {
	my $r = req_at($s, 'GET', '/metrics');
	die "GET /metrics answered $r->{status}\n" unless $r->{status} == 200;
	return parse_metrics($r->{body});
}

sub requests {
	my ($m, %l) = @_;
	return metric_sum($m, 'jobboard_http_requests_total', %l) // 0;
}

# ------------------------------------------------------------ the format

my $r = req_at($s, 'GET', '/metrics');
is($r->{status}, 200, 'GET /metrics is 200');
like(hdr($r, 'Content-Type') // '', qr{\Atext/plain;\s*version=0\.0\.4(?:;|\z)}i,
	'Content-Type is the Prometheus text format (text/plain; version=0.0.4)');
security_headers_ok($r, 'GET /metrics');
my $m = parse_metrics($r->{body});
is_deeply($m->{errors}, [], 'every line is a valid sample or comment of the text format')
	or diag(join "\n", @{ $m->{errors} }[0 .. 9]);

# Every sample belongs to a family declared with # TYPE.
{
	my @orphans;
	for my $smp (@{ $m->{samples} }) {
		my $n = $smp->{name};
		next if exists $m->{types}{$n};
		my ($base) = $n =~ /\A(.*)_(?:bucket|sum|count)\z/;
		push @orphans, $n unless defined $base && ($m->{types}{$base} // '') =~ /\A(?:histogram|summary)\z/;
	}
	is_deeply([sort keys %{ { map { $_ => 1 } @orphans } }], [], 'every sample belongs to a family with a # TYPE line');
	my %seen;
	my @dups = grep { $seen{$_}++ } map { $_->{name} . '{' . join(',', map { "$_=$_" } sort %{ $_->{labels} }) . '}' } @{ $m->{samples} };
	is_deeply(\@dups, [], 'no series appears twice');
}
is($m->{types}{jobboard_http_requests_total}, 'counter', 'jobboard_http_requests_total is a counter');
is($m->{types}{jobboard_http_request_duration_seconds}, 'histogram', 'jobboard_http_request_duration_seconds is a histogram');
is($m->{types}{jobboard_rate_limit_rejections_total}, 'counter', 'jobboard_rate_limit_rejections_total is a counter');
is(metric_sum($m, 'jobboard_rate_limit_rejections_total'), 0, 'no rate-limit rejection yet');

# ------------------------------------------------------------ counting a request

my $u = register_user();
my $before = scrape();
my @ids = (123, 456, $u->{id});
my %by_status;
for my $id (@ids) {
	my $x = req_at($s, 'GET', "/users/$id", token => $u->{access});
	$by_status{ $x->{status} }++;
}
my $raw_tag = 'raw' . unique_tag();
my $nf = req_at($s, 'GET', "/no/such/$raw_tag");
is($nf->{status}, 404, 'an unknown path is 404');
my $odd = req_at($s, 'GET', "/users/not-a-number-$raw_tag", token => $u->{access});
is($odd->{status}, 404, 'a non-numeric id matches no route (404)');
my $reg = req_at($s, 'POST', '/auth/register',
	json => { email => "m$raw_tag\@example.com", password => 'Pw-quiet-Lake-42', name => 'M' });
is($reg->{status}, 201, 'a registration through this server');
my $after = scrape();

for my $st (sort keys %by_status) {
	is(requests($after, route => '/users/{id}', method => 'GET', status => $st)
		- requests($before, route => '/users/{id}', method => 'GET', status => $st),
		$by_status{$st}, "GET /users/123, /users/456, /users/$u->{id}: $by_status{$st} more under route=\"/users/{id}\", status=\"$st\"");
}
is(requests($after, route => '/auth/register', method => 'POST', status => 201)
	- requests($before, route => '/auth/register', method => 'POST', status => 201),
	1, 'POST /auth/register 201 counted once under its route');
is(requests($after, status => 404) - requests($before, status => 404), 2, 'both 404s are counted');
{
	my @raw = grep { grep { /\Q$raw_tag\E|\/users\/\d/ } values %{ $_->{labels} } } @{ $after->{samples} };
	is_deeply([map { $_->{line} } @raw], [], 'no label holds a raw path (ids or unknown paths)');
	my %routes = map { $_->{labels}{route} => 1 } grep { defined $_->{labels}{route} } @{ $after->{samples} };
	ok(!grep({ $_ ne 'other' && $_ ne 'unmatched' && !m{\A/} } keys %routes), 'route labels are templates (or a fixed word for no route)')
		or diag(join ', ', sort keys %routes);
}
# Three scrapes were answered before $after's (which is counted once done).
cmp_ok(requests($after, route => '/metrics', method => 'GET', status => 200), '>=', 2, 'scrapes are counted under route="/metrics"');

# The cardinality stays bounded: 60 distinct unknown paths add no series
# beyond the one for "no route".
{
	my $n0 = grep { $_->{name} eq 'jobboard_http_requests_total' } @{ scrape()->{samples} };
	req_at($s, 'GET', "/junk/$raw_tag/$_") for 1 .. 60;
	my $n1 = grep { $_->{name} eq 'jobboard_http_requests_total' } @{ scrape()->{samples} };
	cmp_ok($n1 - $n0, '<=', 1, "60 distinct unknown paths add at most one series ($n0 -> $n1)");
}

# ------------------------------------------------------------ the histogram

{
	my $h = 'jobboard_http_request_duration_seconds';
	my %l = (route => '/users/{id}', method => 'GET');
	is((metric_sum($after, "${h}_count", %l) // 0) - (metric_sum($before, "${h}_count", %l) // 0), 3,
		'the latency histogram of GET /users/{id} counted the 3 requests');
	my @b = sort { $a->{labels}{le} eq '+Inf' ? 1 : $b->{labels}{le} eq '+Inf' ? -1 : $a->{labels}{le} <=> $b->{labels}{le} }
		grep { $_->{name} eq "${h}_bucket" && $_->{labels}{route} eq '/users/{id}' && $_->{labels}{method} eq 'GET' } @{ $after->{samples} };
	cmp_ok(scalar @b, '>=', 5, 'it has buckets (' . join(' ', map { $_->{labels}{le} } @b) . ')');
	is($b[-1]{labels}{le}, '+Inf', 'the last bucket is le="+Inf"');
	is($b[-1]{value}, metric_sum($after, "${h}_count", %l), 'the +Inf bucket equals _count');
	ok(!grep({ $b[$_]{value} < $b[$_ - 1]{value} } 1 .. $#b), 'bucket counts are cumulative (never decrease)');
	ok(grep({ $_->{labels}{le} ne '+Inf' && $_->{labels}{le} <= 0.01 } @b)
		&& grep({ $_->{labels}{le} ne '+Inf' && $_->{labels}{le} >= 5 } @b),
		'bounds span milliseconds to seconds');
	cmp_ok(metric_sum($after, "${h}_sum", %l), '>', 0, '_sum is the total time, above 0');

	# Every histogram series in the document is consistent.
	my (%inf, %cnt, @bad);
	for my $smp (@{ $after->{samples} }) {
		my %k = %{ $smp->{labels} };
		my $le = delete $k{le};
		my $key = join ',', map { "$_=$k{$_}" } sort keys %k;
		$inf{$key} = $smp->{value} if $smp->{name} eq "${h}_bucket" && $le eq '+Inf';
		$cnt{$key} = $smp->{value} if $smp->{name} eq "${h}_count";
	}
	for my $k (keys %cnt) {
		push @bad, $k unless defined $inf{$k} && $inf{$k} == $cnt{$k};
	}
	is_deeply(\@bad, [], 'for every series, +Inf bucket == _count');
}

# ------------------------------------------------------------ pool gauges

{
	my %st = map { $_ => metric_sum($after, 'jobboard_pool_connections', pool => 'primary', state => $_) }
		qw(in_use idle);
	ok(defined $st{in_use} && defined $st{idle}, 'pool gauges for state in_use and idle of the primary pool');
	is($m->{types}{jobboard_pool_connections}, 'gauge', 'jobboard_pool_connections is a gauge');
	is(metric_sum($after, 'jobboard_pool_connections', pool => 'primary'), $POOL,
		"the states of the primary pool add up to JOBBOARD_POOL_SIZE=$POOL");
	is($st{in_use}, 0, 'no connection in use between requests');
	is(metric_sum($after, 'jobboard_pool_waiting', pool => 'primary'), 0, 'jobboard_pool_waiting is 0 when idle');
	is($m->{types}{jobboard_pool_waiting}, 'gauge', 'jobboard_pool_waiting is a gauge');
	is($m->{types}{jobboard_calls_queued}, 'gauge', 'jobboard_calls_queued is a gauge');
	is(metric_sum($after, 'jobboard_calls_queued'), 0, 'no call is queued when idle');

	# A request that waits on a row lock holds a connection: in_use shows it.
	my $lock = lock_row("SELECT 1 FROM jobboard.users WHERE id = $u->{id} FOR UPDATE", 5);
	my $h = start_request($s, 'PATCH', '/me', token => $u->{access}, json => { name => 'Metrics Waiter' });
	wait_lock_waiters(1, 5);
	my $during;
	wait_until(3, 0.05, sub {
		$during = scrape();
		return (metric_sum($during, 'jobboard_pool_connections', pool => 'primary', state => 'in_use') // 0) >= 1;
	});
	is(metric_sum($during, 'jobboard_pool_connections', pool => 'primary', state => 'in_use'), 1,
		'while a request waits on a lock, in_use is 1');
	is(metric_sum($during, 'jobboard_pool_connections', pool => 'primary', state => 'idle'), $POOL - 1,
		'and idle is one less');

	# One worker thread per pooled connection: with every one of them waiting
	# on the lock, one more call waits on the queue for a worker.
	my @more = map { start_request($s, 'PATCH', '/me', token => $u->{access}, json => { name => "Metrics Waiter $_" }) } 1 .. $POOL;
	wait_lock_waiters($POOL, 5);
	wait_until(3, 0.05, sub { (metric_sum(scrape(), 'jobboard_calls_queued') // 0) >= 1 });
	is(metric_sum(scrape(), 'jobboard_calls_queued'), 1,
		"with all $POOL workers waiting on the lock, one more call is queued");

	my $res = finish_request($h, 10);
	is($res->{status}, 200, 'the waiting PATCH /me completes with 200 once the lock is gone');
	is_deeply([ map { finish_request($_, 10)->{status} } @more ], [ (200) x $POOL ],
		'and so do the others, the queued one too');
	is(metric_sum(scrape(), 'jobboard_calls_queued'), 0, 'the queue is empty again');
	bg_wait($lock, 10);
	is(metric_sum(scrape(), 'jobboard_pool_connections', pool => 'primary', state => 'in_use'), 0,
		'in_use is back to 0');
}

# ------------------------------------------------------------ SSE clients

{
	my @sse = grep { /sse|event_?stream|events_clients/i } keys %{ $m->{types} };
	ok(scalar @sse, 'a gauge of SSE clients is exported (issue 5, point 3)')
		or diag('families: ' . join(', ', sort keys %{ $m->{types} }));
	is($m->{types}{ $sse[0] }, 'gauge', "$sse[0] is a gauge") if @sse;
}

is(stop_shim($s), 0, 'the metrics server exits 0 on SIGTERM');
is(sanitizer_report($s), '', 'no sanitizer report in its log');

done_testing;
