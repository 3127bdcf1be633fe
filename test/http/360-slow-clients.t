#!/usr/bin/perl
# API.md §5 time bounds: with JOBBOARD_READ_TIMEOUT_MS a client that has not
# sent its whole request in time is disconnected (slowloris), whether it
# stalls or trickles bytes, and such clients never hold a worker: others are
# served meanwhile. JOBBOARD_IDLE_TIMEOUT_MS closes idle keep-alive
# connections. A second server from JB_SHIM_BIN runs with a read timeout of
# 1 s and an idle timeout of 3 s.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);
use JB qw(:DEFAULT :edge);

plan skip_all => 'JB_SHIM_BIN and JB_SHIM_ENV are needed to start a second server'
	unless $ENV{JB_SHIM_BIN} && $ENV{JB_SHIM_ENV};
need_psql();

my $THREADS = 2;
my $s = start_shim(JOBBOARD_READ_TIMEOUT_MS => 1000, JOBBOARD_IDLE_TIMEOUT_MS => 3000,
	JOBBOARD_THREADS => $THREADS);
local $SIG{PIPE} = 'IGNORE';

sub conn {
	my $c = IO::Socket::INET->new(PeerAddr => $s->{host}, PeerPort => $s->{port}, Proto => 'tcp', Timeout => 5)
		or die "connect: $!";
	binmode $c;
	$c->blocking(0);
	return $c;
}

# Drive a set of slow clients: each {sock, feed => [bytes...], every =>
# seconds between feeds, t0}. Returns when all are closed by the server or
# after $timeout; sets {closed_after} (seconds) and {got} (what the server
# sent) on each.
sub drive {
	my ($timeout, @cl) = @_;
	my $t0 = time;
	$_->{t0} //= $t0, $_->{next} = $t0, $_->{got} = '' for @cl;
	while (time - $t0 < $timeout && grep { !defined $_->{closed_after} } @cl) {
		for my $c (grep { !defined $_->{closed_after} } @cl) {
			if (@{ $c->{feed} } && time >= $c->{next}) {
				my $w = syswrite($c->{sock}, $c->{feed}[0]);
				if (defined $w && $w > 0) {
					shift @{ $c->{feed} };
					$c->{sent}++;
				} elsif (!defined $w && !$!{EAGAIN}) {
					$c->{closed_after} = time - $c->{t0};   # reset: cut
					next;
				}
				$c->{next} = time + $c->{every};
			}
			my $n = sysread($c->{sock}, $c->{got}, 4096, length $c->{got});
			$c->{closed_after} = time - $c->{t0} if defined $n && $n == 0;
			$c->{closed_after} = time - $c->{t0} if !defined $n && !$!{EAGAIN};
		}
		sleep 0.02;
	}
	return @cl;
}

# ------------------------------------------------------------ stalled clients

my $host = "$s->{host}:$s->{port}";
my @cl = (
	{ name => 'half a request line, then nothing', sock => conn(), feed => ['GET /tags HTT'], every => 99 },
	{ name => 'headers without the blank line, then nothing', sock => conn(),
		feed => ["GET /tags HTTP/1.1\r\nHost: $host\r\n"], every => 99 },
	{ name => 'a connection that sends nothing', sock => conn(), feed => [], every => 99 },
	{ name => 'a header byte every 300 ms', sock => conn(),
		feed => ["GET /tags HTTP/1.1\r\nHost: $host\r\nX-Slow: ", ('a') x 30], every => 0.3 },
	{ name => 'a body byte every 300 ms', sock => conn(),
		feed => ["POST /auth/login HTTP/1.1\r\nHost: $host\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n",
			split(//, '{"email":"a@example.com","password":"x"}')], every => 0.3 },
);
# More stalled connections than worker threads.
push @cl, map { { name => "extra stalled client $_", sock => conn(),
	feed => ["GET /tags HTTP/1.1\r\nHost: $host\r\nX-A: b"], every => 99 } } 1 .. 2 * $THREADS;

# While they stall, other clients are served at once.
my @served;
{
	my $t0 = time;
	$_->{t0} = $t0 for @cl;
	# Run the slow clients for 0.4 s, probe, then let them run to the end.
	drive(0.4, @cl);
	for my $i (1 .. 5) {
		my $t = time;
		my $r = finish_request(start_request($s, 'GET', '/tags'), 5);
		push @served, [$r->{status}, time - $t];
	}
	drive(4, @cl);
}
is(scalar(grep { $_->[0] == 200 } @served), 5, 'while the slow clients stall, 5 other requests are served');
my $slowest = (sort { $b <=> $a } map { $_->[1] } @served)[0];
cmp_ok($slowest, '<', 0.5, sprintf('each at once (slowest %.3f s): no worker is held by a slow client', $slowest));

for my $c (@cl) {
	my $t = $c->{closed_after};
	ok(defined $t && $t >= 0.7 && $t < 3,
		"$c->{name}: disconnected after about 1 s (" . (defined $t ? sprintf('%.2f s', $t) : 'still open after 4.4 s') . ')');
	unlike($c->{got}, qr{\AHTTP/1\.[01] 2}, "$c->{name}: and not served");
}
cmp_ok($cl[3]{sent} // 0, '>=', 3, 'the header trickler was still sending when it was cut (the cut is not an inactivity timeout)');
is(req_at($s, 'GET', '/tags')->{status}, 200, 'the server serves normally afterwards');
like(shim_log_tail($s, 60), qr/too slow|timeout|ended early/i, 'the log records the slow clients');

# ------------------------------------------------------------ what the read timeout must not cut

# A keep-alive connection idle between requests is governed by the idle
# timeout (3 s here), not the read timeout.
{
	my $c = IO::Socket::INET->new(PeerAddr => $s->{host}, PeerPort => $s->{port}, Proto => 'tcp', Timeout => 5)
		or die "connect: $!";
	my $get = "GET /tags HTTP/1.1\r\nHost: $host\r\n\r\n";
	my $read = sub {
		my $buf = '';
		my $t0 = time;
		while (time - $t0 < 5) {
			my $rin = '';
			vec($rin, fileno($c), 1) = 1;
			next unless select(my $rout = $rin, undef, undef, 0.1);
			my $n = sysread($c, $buf, 65536, length $buf);
			last unless $n;
			my $p = JB::_parse_raw($buf);
			return $p if $p && defined $p->{length} && length($p->{body}) >= $p->{length};
		}
		return { status => 0 };
	};
	syswrite($c, $get);
	is($read->()->{status}, 200, 'keep-alive: first request served');
	sleep 1.6;
	syswrite($c, $get);
	is($read->()->{status}, 200, 'keep-alive: a second request 1.6 s later (beyond the read timeout) on the same connection is served');

	# Then idle for longer than the idle timeout: closed.
	my $t0 = time;
	my $closed;
	while (time - $t0 < 6) {
		my $rin = '';
		vec($rin, fileno($c), 1) = 1;
		next unless select(my $rout = $rin, undef, undef, 0.05);
		my $n = sysread($c, my $b, 4096);
		if (!$n) { $closed = time - $t0; last }
	}
	ok(defined $closed && $closed >= 2 && $closed < 5.5,
		'JOBBOARD_IDLE_TIMEOUT_MS=3000 closes the idle keep-alive connection after about 3 s ('
		. (defined $closed ? sprintf('%.2f s', $closed) : 'still open after 6 s') . ')');
}

# A request that arrived whole in time but waits in the database longer than
# the read timeout is not cut.
{
	my $u = register_user();
	my $lock = lock_row("SELECT 1 FROM jobboard.users WHERE id = $u->{id} FOR UPDATE", 2);
	my $h = start_request($s, 'PATCH', '/me', token => $u->{access}, json => { name => 'Slow Database' });
	my $r = finish_request($h, 10);
	is($r->{status}, 200, sprintf('a request that waits %.1f s in the database is answered 200, not cut by the 1 s read timeout', $r->{elapsed}));
	bg_wait($lock, 10);
}

# ------------------------------------------------------------ a slow database call

# Not in API.md, seen while writing these tests: a request that waits in the
# database must not hold up the other connections of the HTTP thread that
# serves it (the call runs on a worker while its connection is suspended).
# Eight kept-alive connections spread over the threads; while one request
# waits 3 s on a lock, each of them asks again.
{
	my $u = register_user();
	my @ka;
	for (1 .. 8) {
		my $c = IO::Socket::INET->new(PeerAddr => $s->{host}, PeerPort => $s->{port}, Proto => 'tcp', Timeout => 5)
			or die "connect: $!";
		syswrite($c, "GET /tags HTTP/1.1\r\nHost: $host\r\n\r\n");
		my $buf = '';
		my $t0 = time;
		while (time - $t0 < 5 && $buf !~ /\r\n\r\n/) {
			sysread($c, $buf, 65536, length $buf) or last;
		}
		sleep 0.02;
		$c->blocking(0);
		1 while sysread($c, my $drain, 65536);
		push @ka, $c;
	}
	my $lock = lock_row("SELECT 1 FROM jobboard.users WHERE id = $u->{id} FOR UPDATE", 3);
	my $h = start_request($s, 'PATCH', '/me', token => $u->{access}, json => { name => 'Thread Holder' });
	wait_lock_waiters(1, 5);
	my $t0 = time;
	syswrite($_, "GET /tags HTTP/1.1\r\nHost: $host\r\n\r\n") for @ka;
	my %done;
	while (keys(%done) < @ka && time - $t0 < 6) {
		for my $i (0 .. $#ka) {
			next if defined $done{$i};
			my $n = sysread($ka[$i], my $b, 65536);
			$done{$i} = time - $t0 if $n || (defined $n && $n == 0);
		}
		sleep 0.01;
	}
	my @late = grep { !defined $done{$_} || $done{$_} > 1 } 0 .. $#ka;
	is(scalar @late, 0, sprintf('8 keep-alive clients are answered at once while another request waits in the database (late: %s)',
		join(', ', map { defined $done{$_} ? sprintf('%.2f s', $done{$_}) : 'never' } @late) || 'none'));
	finish_request($h, 10);
	bg_wait($lock, 10);
}

is(stop_shim($s), 0, 'the server exits 0 on SIGTERM');
is(sanitizer_report($s), '', 'no sanitizer report in its log');

done_testing;
