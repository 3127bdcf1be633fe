#!/usr/bin/perl
# API.md §5, outages: while PostgreSQL is down requests get 503 problem+json
# with Retry-After, /ready is 503 and /health stays 200, and the process
# stays up; within 5 s of the database being back, requests succeed again
# without restarting the server. A request that waits longer than
# JOBBOARD_POOL_WAIT_MS for a pooled connection gets 503.
#
# Stopping PostgreSQL needs a cluster of its own (the other suites share the
# test cluster): one is made in JB_TMPDIR with scripts/cluster.sh and
# scripts/db-setup.sh, the way `make test` makes its own, and destroyed at
# the end.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use JB qw(:DEFAULT :edge);

plan skip_all => 'JB_SHIM_BIN and JB_SHIM_ENV are needed to start a second server'
	unless $ENV{JB_SHIM_BIN} && $ENV{JB_SHIM_ENV};
need_psql();

sub retry_after_ok {
	my ($res, $name) = @_;
	my $ra = hdr($res, 'Retry-After');
	ok(defined $ra && $ra =~ /\A[1-9]\d*\z/, "$name: Retry-After in whole seconds (" . ($ra // 'missing') . ')');
}

# Timed request: the response, with {elapsed}.
sub timed {
	my ($s, @args) = @_;
	my $t0 = time;
	my $r = req_at($s, @args);
	$r->{elapsed} = time - $t0;
	return $r;
}

my $c = pg_cluster('outage-pg');
my $s = start_shim(JOBBOARD_DATABASE_URL => $c->{conninfo}, JOBBOARD_POOL_SIZE => 2);
my $pid = $s->{pid};

my $email = 'outage' . unique_tag() . '@example.com';
my $password = 'Pw-quiet-Lake-42';
my $reg = req_at($s, 'POST', '/auth/register', json => { email => $email, password => $password, name => 'Outage' });
is($reg->{status}, 201, 'a user registered on the dedicated cluster');
my $token = $reg->{json} && $reg->{json}{access_token};
is(req_at($s, 'GET', '/tags')->{status}, 200, 'GET /tags is 200 while the database is up');
is(req_at($s, 'GET', '/ready')->{status}, 200, '/ready is 200 while the database is up');

# ------------------------------------------------------------ PostgreSQL stops

pg_cluster_stop($c);
my $t_down = time;

my @cases = (
	['GET', '/tags', ()],
	['GET', '/me', token => $token],
	['POST', '/auth/login', json => { email => $email, password => $password }],
	['PATCH', '/me', token => $token, json => { name => 'Down' }],
);
for my $round (1 .. 2) {
	for my $cs (@cases) {
		my ($m, $p, %o) = @$cs;
		my $r = timed($s, $m, $p, %o);
		problem_ok($r, 503, 'unavailable', "database down, round $round: $m $p");
		retry_after_ok($r, "$m $p");
		cmp_ok($r->{elapsed}, '<', 3, sprintf("$m $p answers at once (%.2f s), not after a connect timeout", $r->{elapsed}));
	}
	sleep 0.5 if $round == 1;   # the second round meets the reconnect backoff
}
{
	my $r = timed($s, 'GET', '/ready');
	problem_ok($r, 503, 'unavailable', '/ready while the database is down');
	retry_after_ok($r, '/ready');
	$r = req_at($s, 'GET', '/health');
	is($r->{status}, 200, '/health stays 200 while the database is down');
	is_deeply($r->{json}, { status => 'ok' }, '/health body is unchanged');
	is(req_at($s, 'GET', '/no/such/route')->{status}, 404, 'an unknown route is still 404 (the route table is kept)');
	my $m = parse_metrics(req_at($s, 'GET', '/metrics')->{body});
	is(metric_sum($m, 'jobboard_pool_connections', pool => 'primary', state => 'broken'), 2,
		'/metrics answers and shows both pooled connections broken');
}
sleep 1;
ok(shim_alive($s), 'the server process stays up through the outage');

# ------------------------------------------------------------ PostgreSQL is back

pg_cluster_start($c);
my $t_up = time;
my ($first_ok, @seen);
wait_until(5, 0.1, sub {
	my $r = req_at($s, 'GET', '/tags');
	push @seen, $r->{status};
	$first_ok = time - $t_up if $r->{status} == 200;
	return $r->{status} == 200;
});
ok(defined $first_ok, sprintf('requests succeed again within 5 s of the database being back (%s)',
	defined $first_ok ? sprintf('%.2f s', $first_ok) : 'statuses: ' . join(' ', @seen)));
ok(!grep({ $_ != 200 && $_ != 503 } @seen), 'nothing but 503 before that (' . join(' ', @seen) . ')');
is($s->{pid}, $pid, 'without restarting the server');
ok(shim_alive($s), 'the same process is running');
my $login = req_at($s, 'POST', '/auth/login', json => { email => $email, password => $password });
is($login->{status}, 200, 'a write (login) succeeds after the outage');
is(req_at($s, 'GET', '/me', token => $token)->{status}, 200, 'a token from before the outage still works');
is(req_at($s, 'GET', '/ready')->{status}, 200, '/ready is 200 again');

# A quick restart between two requests: the connections the pool holds are
# dead; the next write must find fresh ones (503 at worst, never a 500).
{
	my ($ok) = _restart_then_write();
	ok($ok, 'after a quick restart a write succeeds within 5 s, with no 500 on the way');
}

sub _restart_then_write {
	my $root = repo_root();
	pg_cluster_stop($c);
	pg_cluster_start($c);
	my $t = time;
	my @st;
	my $ok = wait_until(5, 0.1, sub {
		my $r = req_at($s, 'PATCH', '/me', token => $token, json => { name => 'After restart ' . unique_tag() });
		push @st, $r->{status};
		return $r->{status} == 200;
	});
	diag('statuses after the restart: ' . join(' ', @st)) if !$ok || grep { $_ >= 500 && $_ != 503 } @st;
	return ($ok && !grep({ $_ >= 500 && $_ != 503 } @st), time - $t);
}

is(stop_shim($s), 0, 'the server exits 0 on SIGTERM after the outage');
is(sanitizer_report($s), '', 'no sanitizer report in its log');

# ------------------------------------------------------------ started while down

# A database that is down when the server starts is not fatal: it serves
# /health, answers 503 and picks the database up when it comes.
pg_cluster_stop($c);
{
	my $late = start_shim(JOBBOARD_DATABASE_URL => $c->{conninfo}, JOBBOARD_POOL_SIZE => 2);
	is(req_at($late, 'GET', '/health')->{status}, 200, 'a server started while the database is down answers /health');
	my $r = req_at($late, 'GET', '/tags');
	problem_ok($r, 503, 'unavailable', 'GET /tags before the database ever was up');
	retry_after_ok($r, 'GET /tags before the database ever was up');
	is(req_at($late, 'GET', '/ready')->{status}, 503, '/ready is 503');
	pg_cluster_start($c);
	my $t_up2 = time;
	my $ok = wait_until(5, 0.1, sub { req_at($late, 'GET', '/tags')->{status} == 200 });
	ok($ok, sprintf('it serves within 5 s of the database coming up (%.2f s)', time - $t_up2));
	is(stop_shim($late), 0, 'and exits 0 on SIGTERM');
	is(sanitizer_report($late), '', 'no sanitizer report in its log');
}
pg_cluster_destroy($c);

# ------------------------------------------------------------ pool wait

# JOBBOARD_POOL_SIZE=1, JOBBOARD_POOL_WAIT_MS=300: the only connection is held
# by a request waiting on a row lock; another request gets 503 after about
# 300 ms instead of queueing behind it.
{
	my $u = register_user();
	my $p = start_shim(JOBBOARD_POOL_SIZE => 1, JOBBOARD_POOL_WAIT_MS => 300, JOBBOARD_THREADS => 4);
	is(req_at($p, 'GET', '/tags')->{status}, 200, 'a server with one pooled connection serves');
	my $lock = lock_row("SELECT 1 FROM jobboard.users WHERE id = $u->{id} FOR UPDATE", 3);
	my $h = start_request($p, 'PATCH', '/me', token => $u->{access}, json => { name => 'Pool Holder' });
	is(wait_lock_waiters(1, 5), 1, 'the only connection is busy with a request waiting on a lock');
	# On a new connection: one kept alive may sit on the worker thread that
	# the held request blocks (see 360-slow-clients.t).
	my $r = finish_request(start_request($p, 'GET', '/tags'), 10);
	problem_ok($r, 503, 'unavailable', 'a request that cannot get a connection');
	retry_after_ok($r, 'pool wait 503');
	cmp_ok($r->{elapsed}, '>=', 0.25, sprintf('it waited for a connection first (%.2f s)', $r->{elapsed}));
	cmp_ok($r->{elapsed}, '<', 2, 'and gave up after about JOBBOARD_POOL_WAIT_MS, long before the connection came back');
	my $m = parse_metrics(req_at($p, 'GET', '/metrics')->{body});
	cmp_ok(metric_sum($m, 'jobboard_pool_timeouts_total', pool => 'primary') // 0, '>=', 1,
		'jobboard_pool_timeouts_total counted it');
	my $res = finish_request($h, 10);
	is($res->{status}, 200, 'the request holding the connection completes (200)');
	bg_wait($lock, 10);
	is(req_at($p, 'GET', '/tags')->{status}, 200, 'and the next request is served');
	is(stop_shim($p), 0, 'the one-connection server exits 0 on SIGTERM');
	is(sanitizer_report($p), '', 'no sanitizer report in its log');
}

done_testing;
