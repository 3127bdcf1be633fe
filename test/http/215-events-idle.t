#!/usr/bin/perl
# API.md §3.8 / issue 4 point 3: thousands of idle subscribers cost no
# thread each. 500 event streams are opened on the test server (from
# several loopback addresses, as the per-IP connection limit is 256): its
# thread count does not grow, the jobboard_sse_clients gauge counts them,
# one event reaches every one of them, and the gauge falls back when the
# clients go.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time);
use JB qw(:DEFAULT :edge :stream);

need_psql();
my $pid = $ENV{JB_SHIM_PID};
plan(skip_all => 'JB_SHIM_PID is not set') unless $pid && -r "/proc/$pid/status";

my $N = 500;
my @FROM = map { "127.0.0.$_" } 2 .. 5;     # 125 connections from each

sub proc_status {
	my ($key) = @_;
	open my $fh, '<', "/proc/$pid/status" or return undef;
	while (<$fh>) {
		return $1 if /\A\Q$key\E:\s*(\d+)/;
	}
	return undef;
}
sub gauge { metric_sum(parse_metrics(req('GET', '/metrics')->{body}), 'jobboard_sse_clients') // 0 }

my $U = register_user();
# streams closed by earlier files may still be counted for a second
wait_until(5, 0.2, sub { gauge() == 0 });
my $g0 = gauge();
my $threads0 = proc_status('Threads');
my $rss0 = proc_status('VmRSS');
ok($threads0 > 0, "the server runs $threads0 threads");

my $t0 = time;
my @S;
for my $i (1 .. $N) {
	my $c = sse_open('/events', token => $U->{access}, local_address => $FROM[$i % @FROM], timeout => 30);
	push @S, $c;
	last unless $c->{status} == 200;
}
is(scalar(grep { $_->{status} == 200 } @S), $N, "$N streams open (" . sprintf('%.1f', time - $t0) . ' s)');
ok(wait_until(5, 0.1, sub { gauge() == $g0 + $N }), "the gauge counts them ($g0 + $N = " . gauge() . ')');
my $threads1 = proc_status('Threads');
my $rss1 = proc_status('VmRSS');
is($threads1, $threads0, "no thread was added for them ($threads0 before, $threads1 with $N idle streams)");
diag(sprintf('RSS %d kB before, %d kB with %d idle streams (%.1f kB each, ASan build)',
	$rss0, $rss1, $N, ($rss1 - $rss0) / $N));

# one event for the user reaches every stream
sql("SELECT jobboard.emit('test.broadcast', ARRAY[$U->{id}]::bigint[], '{\"hello\": \"all\"}')");
my $got = 0;
my $deadline = time + 20;
for my $c (@S) {
	my @e = grep { !exists $_->{comment} } sse_read($c, count => 1, timeout => $deadline - time > 0.5 ? $deadline - time : 0.5);
	$got++ if @e && ($e[0]{event} // '') eq 'test.broadcast' && ($e[0]{json}{hello} // '') eq 'all';
}
is($got, $N, "one event reached all $N streams");
is(proc_status('Threads'), $threads0, 'still no thread added after the fan-out');

sse_close($_) for @S;
ok(wait_until(6, 0.2, sub { gauge() == $g0 }), 'the gauge falls back when the clients have gone (' . gauge() . ')');
is(proc_status('Threads'), $threads0, 'and the thread count is unchanged');
is(req('GET', '/health')->{status}, 200, 'the server is healthy');

done_testing;
