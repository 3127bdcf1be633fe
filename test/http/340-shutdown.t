#!/usr/bin/perl
# API.md §5: SIGTERM stops accepting, finishes every request whose headers
# have arrived (up to 10 s), closes idle connections at once and exits 0;
# exit 1 when the 10 s ran out and requests had to be cut.
#
# A request is made slow for real: a psql session holds the row lock of a
# user for a few seconds, so PATCH /me of that user waits in the database.
# Each case uses a second server from JB_SHIM_BIN (the test server must live).
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

# A keep-alive connection that has had one answer and now sits idle.
sub idle_connection {
	my ($s) = @_;
	my $sock = IO::Socket::INET->new(PeerAddr => $s->{host}, PeerPort => $s->{port},
		Proto => 'tcp', Timeout => 5) or die "connect: $!";
	binmode $sock;
	syswrite($sock, "GET /health HTTP/1.1\r\nHost: $s->{host}:$s->{port}\r\n\r\n");
	my $buf = '';
	my $deadline = time + 5;
	while (time < $deadline && $buf !~ /\r\n\r\n.*\{"status":"ok"\}/s) {
		my $rin = '';
		vec($rin, fileno($sock), 1) = 1;
		next unless select(my $rout = $rin, undef, undef, 0.2);
		last unless sysread($sock, $buf, 4096, length $buf);
	}
	die "no answer on the keep-alive connection: $buf" unless $buf =~ /\A HTTP\/1\.1\ 200/x;
	die "the server closed the keep-alive connection" if $buf =~ /^Connection:\s*close/mi;
	return $sock;
}

# Seconds until the peer closes $sock (EOF or reset), or undef after $timeout.
sub closed_within {
	my ($sock, $timeout) = @_;
	my $t0 = time;
	while (time - $t0 < $timeout) {
		my $rin = '';
		vec($rin, fileno($sock), 1) = 1;
		next unless select(my $rout = $rin, undef, undef, 0.05);
		my $n = sysread($sock, my $b, 4096);
		return time - $t0 if !$n;     # 0: EOF, undef: reset
	}
	return undef;
}

# Seconds until a new connection to the server is refused, or undef.
sub refused_within {
	my ($s, $timeout) = @_;
	my $t0 = time;
	while (time - $t0 < $timeout) {
		my $c = IO::Socket::INET->new(PeerAddr => $s->{host}, PeerPort => $s->{port},
			Proto => 'tcp', Timeout => 1);
		return time - $t0 unless $c;
		close $c;
		sleep 0.05;
	}
	return undef;
}

my $u = register_user();

# ------------------------------------------------------------ drain, then exit 0

{
	my $s = start_shim();
	my $idle = idle_connection($s);
	my $lock = lock_row("SELECT 1 FROM jobboard.users WHERE id = $u->{id} FOR UPDATE", 3);
	my $t_lock = time;
	my $h = start_request($s, 'PATCH', '/me', token => $u->{access}, json => { name => 'Shutdown Waiter' });
	is(wait_lock_waiters(1, 5), 1, 'PATCH /me waits on the row lock in the database');

	my $t_sig = time;
	kill 'TERM', $s->{pid};
	my $refused = refused_within($s, 1.5);
	ok(defined $refused, 'new connections are refused after the signal'
		. (defined $refused ? sprintf(' (from %.2f s)', $refused) : ' (still accepted 1.5 s later)'));
	my $left = 1.5 - (time - $t_sig);
	my $idle_closed = closed_within($idle, $left > 0.2 ? $left : 0.2);
	ok(defined $idle_closed, 'an idle keep-alive connection is closed at once on SIGTERM, not after the drain'
		. (defined $idle_closed ? sprintf(' (%.2f s)', time - $t_sig) : ' (still open 1.5 s later)'));
	ok(shim_alive($s), 'the server is still running while a request is in flight');

	my $res = finish_request($h, 10);
	my $t_done = time;
	is($res->{status}, 200, 'the request in flight completes with its normal status (200)');
	is($res->{json} && $res->{json}{name}, 'Shutdown Waiter', 'and its normal body');
	cmp_ok($t_done - $t_lock, '>=', 2.5, sprintf('it really waited for the lock (%.2f s)', $t_done - $t_lock));
	like(hdr($res, 'Connection') // '', qr/close/i, 'the answer says Connection: close');
	is(bg_wait($lock, 10), 0, 'the lock session ended normally');

	my $st = stop_shim($s, 10 - (time - $t_sig));
	is($st, 0, 'the server exits 0 after draining');
	ok(!$s->{killed} && defined $s->{exited_at} && $s->{exited_at} - $t_sig <= 10,
		sprintf('within the 10 s bound (%.2f s after SIGTERM)', ($s->{exited_at} // time) - $t_sig));
	cmp_ok($s->{exited_at} // 0, '>=', $t_done - 0.05, 'and only after the request in flight was answered');
	my $log = shim_log_tail($s, 40);
	like($log, qr/stopping: 1 request\(s\) in flight/, 'the log says one request was in flight');
	is(sanitizer_report($s), '', 'no sanitizer report in its log');
	is(sql("SELECT name FROM jobboard.users WHERE id = $u->{id}"), 'Shutdown Waiter', 'the change was committed');
}

# ------------------------------------------------------------ idle server

{
	my $s = start_shim();
	my $idle = idle_connection($s);
	my $t0 = time;
	my $st = stop_shim($s, 5);
	is($st, 0, 'an idle server exits 0 on SIGTERM');
	cmp_ok($s->{elapsed} // 99, '<', 2, sprintf('at once (%.2f s), idle connections do not hold it', $s->{elapsed} // 99));
	ok(defined closed_within($idle, 1), 'its idle connection is closed');
	is(sanitizer_report($s), '', 'no sanitizer report in its log');
}

{
	my $s = start_shim();
	my $st = stop_shim($s, 5, 'INT');
	is($st, 0, 'SIGINT stops the server the same way (exit 0)');
}

# ------------------------------------------------------------ the 10 s bound

# A request that outlives the 10 s drain is cut: the server exits 1 at about
# 10 s, not when the request would have finished.
{
	my $s = start_shim();
	my $lock = lock_row("SELECT 1 FROM jobboard.users WHERE id = $u->{id} FOR UPDATE", 14);
	my $h = start_request($s, 'PATCH', '/me', token => $u->{access}, json => { name => 'Cut Short' });
	is(wait_lock_waiters(1, 5), 1, 'a request waits on a lock held for 14 s');
	my $t_sig = time;
	kill 'TERM', $s->{pid};
	my $st = stop_shim($s, 13);
	my $took = ($s->{exited_at} // time) - $t_sig;
	is($st, 1, 'the server exits 1 when requests had to be cut');
	ok(!$s->{killed} && $took < 12, sprintf('it exits within about 10 s of SIGTERM (%.2f s)', $took));
	cmp_ok($took, '>=', 9, 'but not before the 10 s ran out');
	my $res = finish_request($h, 3);
	isnt($res->{status}, 200, 'the cut request did not get a success answer');
	bg_wait($lock, 10);
	is(sanitizer_report($s), '', 'no sanitizer report in its log');
}

done_testing;
