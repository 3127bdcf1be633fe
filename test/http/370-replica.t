#!/usr/bin/perl
# API.md §5 JOBBOARD_REPLICA_URL, with a real streaming replica on loopback:
# a primary cluster and a standby made by `pg_basebackup -R`, both in
# JB_TMPDIR (scripts/cluster.sh, as `make test` makes its cluster). A second
# server from JB_SHIM_BIN writes to the primary and runs the routes marked
# read_only on the standby. The proof: the standby's transaction count grows
# with the reads, and with the primary stopped the read-only routes still
# answer 200 while writes get 503.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use JB qw(:DEFAULT :edge);

plan skip_all => 'JB_SHIM_BIN and JB_SHIM_ENV are needed to start a second server'
	unless $ENV{JB_SHIM_BIN} && $ENV{JB_SHIM_ENV};

# ------------------------------------------------------------ primary and standby

my $pri = pg_cluster('replica-primary');
is(psql_on($pri, 'SHOW wal_level'), 'replica', 'the primary writes WAL for a replica (wal_level=replica)');
cmp_ok(psql_on($pri, 'SHOW max_wal_senders'), '>=', 1, 'and has WAL senders');

my $sb = pg_cluster('replica-standby', start => 0, db => 0);
{
	my $real = `'${\ repo_root()}/scripts/cluster.sh' datadir -D '$sb->{datadir}' -p $sb->{port}`;
	chomp $real;
	die "no data directory for the standby\n" unless $real && -d $real;
	# Replace the fresh cluster by a base backup of the primary (-R: standby.signal
	# and primary_conninfo), streaming the WAL it needs.
	system(as_pg('find', $real, '-mindepth', '1', '-delete')) == 0 or die "cannot empty $real\n";
	my $cmd = join ' ', map { "'$_'" } as_pg(pg_bin() . '/pg_basebackup', '-D', $real,
		'-h', $pri->{sockdir}, '-p', $pri->{port}, '-U', 'postgres', '-R', '-X', 'stream', '-c', 'fast');
	my $out = `cd / && $cmd 2>&1`;
	is($?, 0, 'pg_basebackup -R made the standby') or diag($out);
	ok(-e "$real/standby.signal", 'the standby has standby.signal');
	pg_cluster_start($sb);
}
is(psql_on($sb, 'SELECT pg_is_in_recovery()'), 't', 'the standby is in recovery (hot standby)');
ok(wait_until(10, 0.1, sub { psql_on($pri, "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'") == 1 }),
	'the primary streams to it');

# ------------------------------------------------------------ the server

my $s = start_shim(JOBBOARD_DATABASE_URL => $pri->{conninfo}, JOBBOARD_REPLICA_URL => $sb->{conninfo},
	JOBBOARD_POOL_SIZE => 2);
{
	my $m = parse_metrics(req_at($s, 'GET', '/metrics')->{body});
	is(metric_sum($m, 'jobboard_pool_connections', pool => 'replica'), 2, '/metrics shows a replica pool of 2');
	is(metric_sum($m, 'jobboard_pool_connections', pool => 'primary'), 2, 'next to the primary pool of 2');
}
ok(wait_until(5, 0.1, sub {
	psql_on($sb, "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'jobboard-http%' AND usename = 'jobboard_http'") >= 1
}), 'the server has connections to the standby');

# Writes go to the primary.
my $email = 'replica' . unique_tag() . '@example.com';
my $password = 'Pw-quiet-Lake-42';
my $reg = req_at($s, 'POST', '/auth/register', json => { email => $email, password => $password, name => 'Replica' });
is($reg->{status}, 201, 'register (a write) through the server');
my $login = req_at($s, 'POST', '/auth/login', json => { email => $email, password => $password });
is($login->{status}, 200, 'login (a write) through the server');
my $token = $login->{json} && $login->{json}{access_token};
my $uid = $reg->{json} && $reg->{json}{user}{id};
is(psql_on($pri, "SELECT count(*) FROM jobboard.users WHERE email = '$email'"), 1, 'the user is on the primary');
ok(wait_until(5, 0.05, sub { psql_on($sb, "SELECT count(*) FROM jobboard.users WHERE email = '$email'") == 1 }),
	'and replicated to the standby');

# Reads go to the standby: its committed transactions grow with them.
# (Read from database postgres, so that asking does not count.)
sub commits {
	my ($c) = @_;
	return psql_on($c, "SELECT xact_commit FROM pg_stat_database WHERE datname = 'jobboard'", db => 'postgres');
}
{
	# Both counters are read when they have settled (statistics are flushed at
	# most once a second by an idle backend).
	sleep 1.2;
	my $sb0 = commits($sb);
	my $pri0 = commits($pri);
	my $n = 30;
	my @st = map { req_at($s, 'GET', '/me', token => $token)->{status} } 1 .. $n;
	is(scalar(grep { $_ == 200 } @st), $n, "$n x GET /me (read_only) are 200");
	my $delta = 0;
	wait_until(4, 0.2, sub { $delta = commits($sb) - $sb0; $delta >= $n });
	cmp_ok($delta, '>=', $n, "the standby committed at least $n more transactions ($delta): the reads ran there");
	sleep 1.2;
	my $pdelta = commits($pri) - $pri0;
	cmp_ok($pdelta, '<', $n, "the primary committed fewer than $n meanwhile ($pdelta): they did not run there");
}

# A write followed by reads: the reads see it once the standby has replayed it.
{
	my $name = 'Renamed ' . unique_tag();
	my $w = req_at($s, 'PATCH', '/me', token => $token, json => { name => $name });
	is($w->{status}, 200, 'PATCH /me (a write) is 200');
	my $t0 = time;
	my $seen;
	wait_until(5, 0.05, sub {
		my $r = req_at($s, 'GET', '/me', token => $token);
		$seen = $r->{status} == 200 && $r->{json} && ($r->{json}{name} // '') eq $name;
	});
	ok($seen, sprintf('GET /me shows the change once replication caught up (%.2f s)', time - $t0));
}

# Replication is asynchronous, so a read may run before the standby has
# replayed the write before it. A token is another matter: one just issued by
# the primary is valid (API.md §1: 401 only for a missing, malformed,
# expired, wrongly signed or revoked token), so a read-only route must accept
# it at once, whatever the standby has replayed. (The test clusters run with
# synchronous_commit=off, which widens the window to a few hundred ms; with
# synchronous_commit=on it is narrower but there.)
{
	my (@st, @st_reg);
	for my $i (1 .. 10) {
		my $l = req_at($s, 'POST', '/auth/login', json => { email => $email, password => $password });
		push @st, req_at($s, 'GET', '/me', token => $l->{json} && $l->{json}{access_token})->{status};
		my $e = "fresh$i" . unique_tag() . '@example.com';
		my $r = req_at($s, 'POST', '/auth/register', json => { email => $e, password => $password, name => 'Fresh' });
		push @st_reg, req_at($s, 'GET', '/me', token => $r->{json} && $r->{json}{access_token})->{status};
	}
	is(join(' ', @st), join(' ', ('200') x 10), 'a token from a login just now is accepted by GET /me (read_only) at once');
	is(join(' ', @st_reg), join(' ', ('200') x 10), 'a token from a registration just now is accepted by GET /me at once');

	TODO: {
		local $TODO = 'revocation reaches read-only routes only once the standby has replayed it';
		my @rv;
		for my $i (1 .. 5) {
			my $l = req_at($s, 'POST', '/auth/login', json => { email => $email, password => $password });
			my $t = $l->{json} && $l->{json}{access_token};
			# once the standby knows the session ...
			wait_until(5, 0.05, sub { req_at($s, 'GET', '/me', token => $t)->{status} == 200 });
			req_at($s, 'POST', '/auth/logout', json => { refresh_token => $l->{json} && $l->{json}{refresh_token} });
			# ... its revocation must count at once
			push @rv, req_at($s, 'GET', '/me', token => $t)->{status};
		}
		is(join(' ', @rv), join(' ', ('401') x 5), 'a token revoked by logout is refused by GET /me at once');
	}
}

# ------------------------------------------------------------ the primary stops

pg_cluster_stop($pri);
{
	my $r = req_at($s, 'GET', '/me', token => $token);
	is($r->{status}, 200, 'with the primary stopped, GET /me (read_only) is still 200: the standby answers');
	like($r->{json} && $r->{json}{name} // '', qr/\ARenamed /, 'with the replicated data');
	for my $p ('/tags', '/jobs', '/companies', "/users/$uid") {
		my $x = req_at($s, 'GET', $p, $p =~ /users/ ? (token => $token) : ());
		ok($x->{status} == 200 || ($p =~ /users/ && $x->{status} == 403),
			"GET $p (read_only) is answered from the standby ($x->{status})");
	}
	my $w = req_at($s, 'PATCH', '/me', token => $token, json => { name => 'Nope' });
	problem_ok($w, 503, 'unavailable', 'PATCH /me (a write) with the primary stopped');
	like(hdr($w, 'Retry-After') // '', qr/\A[1-9]\d*\z/, 'the 503 carries Retry-After');
	my $l = req_at($s, 'POST', '/auth/login', json => { email => $email, password => $password });
	problem_ok($l, 503, 'unavailable', 'POST /auth/login (a write) with the primary stopped');
	is(req_at($s, 'GET', '/health')->{status}, 200, '/health stays 200');
}

# The primary comes back: writes work again, without a restart.
pg_cluster_start($pri);
ok(wait_until(5, 0.1, sub {
	req_at($s, 'PATCH', '/me', token => $token, json => { name => 'Back ' . unique_tag() })->{status} == 200
}), 'writes succeed within 5 s of the primary being back');

is(stop_shim($s), 0, 'the replica-routing server exits 0 on SIGTERM');
is(sanitizer_report($s), '', 'no sanitizer report in its log');
pg_cluster_destroy($sb);
pg_cluster_destroy($pri);

done_testing;
