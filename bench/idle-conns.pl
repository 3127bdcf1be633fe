#!/usr/bin/perl
# Hold N idle keep-alive connections to the shim (the RSS run of bench.sh).
#
#   bench/idle-conns.pl PORT N SECONDS
#
# Opens N connections to 127.0.0.1:PORT from the local addresses 127.0.0.2,
# 127.0.0.3, ... (at most 250 per address, below the shim's per-IP
# connection limit of 256, so they do not crowd out the load generator on
# 127.0.0.1), sends one "GET /health" on each and reads the answer, then
# leaves them idle. Every 20 s each gets another /health so the server's
# idle timeout (60 s by default) does not close them. Prints "open <n>" once
# all are up, and "idle-conns: <n> open, <m> closed by the server" at the
# end; ends after SECONDS or on SIGTERM/SIGINT, closing everything.
use strict;
use warnings;
use IO::Socket::INET;
use Time::HiRes qw(time sleep);

my ($port, $n, $seconds) = @ARGV;
die "usage: $0 PORT N SECONDS\n" unless $port && defined $n && $seconds;
$| = 1;

my $stop = 0;
$SIG{TERM} = $SIG{INT} = sub { $stop = 1 };
my $deadline = time + $seconds;
my $req = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

# One request and its whole answer (headers and Content-Length body).
sub ping {
	my ($s) = @_;
	return 0 unless defined syswrite($s, $req);
	my $buf = '';
	my $until = time + 5;
	while (time < $until) {
		my $rin = '';
		vec($rin, fileno($s), 1) = 1;
		my $ready = select(my $rout = $rin, undef, undef, 0.5);
		next unless $ready;
		my $got = sysread($s, $buf, 4096, length $buf);
		return 0 unless $got;
		if ($buf =~ /\r\n\r\n/) {
			my ($len) = $buf =~ /\r\ncontent-length:\s*(\d+)/i;
			my $head = index($buf, "\r\n\r\n") + 4;
			return 1 if !defined $len || length($buf) - $head >= $len;
		}
	}
	return 0;
}

my @socks;
my $failed = 0;
for my $i (0 .. $n - 1) {
	last if $stop || time > $deadline;
	my $local = '127.0.0.' . (2 + int($i / 250));
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
	                              LocalAddr => $local, Proto => 'tcp', Timeout => 5);
	if ($s && ping($s)) {
		push @socks, $s;
	} else {
		$failed++;
	}
}
print "open ", scalar(@socks), "\n";
warn "idle-conns: $failed connections failed\n" if $failed;

my $closed = 0;
my $next = time + 20;
while (!$stop && time < $deadline) {
	sleep(0.2);
	next if time < $next;
	$next = time + 20;
	my @alive;
	for my $s (@socks) {
		if (ping($s)) { push @alive, $s } else { $closed++; close $s }
	}
	@socks = @alive;
}
printf "idle-conns: %d open, %d closed by the server\n", scalar(@socks), $closed;
close $_ for @socks;
