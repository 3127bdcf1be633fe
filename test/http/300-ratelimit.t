#!/usr/bin/perl
# API.md §1.5 rate limits, end to end. The test server runs with the limits
# off (test/http/shim.env), so this file starts servers of its own from
# JB_SHIM_BIN: JOBBOARD_RATE_LIMIT=5 (a bucket of 10, refilled at 5/s) and
# JOBBOARD_AUTH_RATE_LIMIT=3 (3 per minute on /auth/*). Client IPs are told
# apart by binding the client socket to other loopback addresses (127.0.0.2,
# ...), which Linux routes to the server on 127.0.0.1.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use JB qw(:DEFAULT :edge);

plan skip_all => 'JB_SHIM_BIN and JB_SHIM_ENV are needed to start a second server'
	unless $ENV{JB_SHIM_BIN} && $ENV{JB_SHIM_ENV};

# -1 when the header is missing or not a non-negative integer.
sub int_hdr {
	my ($res, $name) = @_;
	my $v = hdr($res, $name);
	return defined $v && $v =~ /\A\d+\z/ ? $v + 0 : -1;
}

sub rejections {
	my ($s) = @_;
	my $m = parse_metrics(req_at($s, 'GET', '/metrics')->{body});
	return metric_sum($m, 'jobboard_rate_limit_rejections_total') // -1;
}

my $s = start_shim(JOBBOARD_RATE_LIMIT => 5, JOBBOARD_AUTH_RATE_LIMIT => 3,
	JOBBOARD_TRUST_PROXY => 0);
is(rejections($s), 0, 'a new server has counted no rate-limit rejections');
my $seen429 = 0;

# ------------------------------------------------------------ per second

# A burst from 127.0.0.1: the bucket holds 10 (twice the rate); a token comes
# back every 200 ms, far slower than the burst, so it meets a 429 soon after
# the 10th request (40 is a bound, for a very slow machine).
my (@ok, $limited, $first);
my $t0 = time;
for my $i (1 .. 40) {
	my $r = req_at($s, 'GET', '/tags');
	$first //= $r;
	if ($r->{status} == 429) { $limited = $r; $seen429++; last }
	push @ok, $r;
}
my $burst_time = time - $t0;
ok($limited, sprintf('a burst of requests meets a 429 (after %d answers, %.2f s)', scalar @ok, $burst_time));
cmp_ok(scalar @ok, '>=', 10, 'the whole burst allowance of 2 x 5 = 10 requests is served first');
cmp_ok(scalar @ok, '<=', 10 + int(5 * $burst_time) + 1, 'no more than the burst plus what refilled meanwhile is served');
is($first->{status}, 200, 'the first request of the burst is served');
is(int_hdr($first, 'RateLimit-Limit'), 10, 'RateLimit-Limit on a served request is the bucket size (2 x JOBBOARD_RATE_LIMIT)');
is(int_hdr($first, 'RateLimit-Remaining'), 9, 'RateLimit-Remaining on the first request of a fresh bucket is 9');
cmp_ok(int_hdr($first, 'RateLimit-Reset'), '>=', 0, 'RateLimit-Reset is a number of seconds');
my @rem = map { int_hdr($_, 'RateLimit-Remaining') } @ok;
ok(!grep({ $rem[$_] > $rem[$_ - 1] } 1 .. $#rem) || $burst_time > 0.2,
	'RateLimit-Remaining does not grow during a fast burst (' . join(',', @rem) . ')');
ok(!grep({ $_ < 0 } @rem), 'every served request carries RateLimit-Remaining');

SKIP: {
	skip 'no 429 was seen', 8 unless $limited;
	problem_ok($limited, 429, 'rate_limited', 'request beyond the per-second burst');
	my $ra = hdr($limited, 'Retry-After');
	ok(defined $ra && $ra =~ /\A[1-9]\d*\z/, 'the 429 carries Retry-After in whole seconds (' . ($ra // 'missing') . ')');
	cmp_ok($ra // 99, '<=', 1, 'Retry-After is the time to one token: at 5/s, 1 second');
	is(int_hdr($limited, 'RateLimit-Limit'), 10, 'the 429 carries RateLimit-Limit');
	is(int_hdr($limited, 'RateLimit-Remaining'), 0, 'the 429 carries RateLimit-Remaining: 0');
	cmp_ok(int_hdr($limited, 'RateLimit-Reset'), '>=', 1, 'the 429 carries RateLimit-Reset of at least 1 s');
	cmp_ok(int_hdr($limited, 'RateLimit-Reset'), '<=', 2, 'RateLimit-Reset is at most the time to refill 10 tokens at 5/s');

	# Another client IP is not affected, while 127.0.0.1 still is.
	my $other = req_from('127.0.0.2', $s, 'GET', '/tags');
	is($other->{status}, 200, 'meanwhile a client at 127.0.0.2 is served');
	is(int_hdr($other, 'RateLimit-Remaining'), 9, '127.0.0.2 has a bucket of its own (Remaining 9)');
	# 127.0.0.1 is still limited: five quick requests find at most the one
	# token that may have come back meanwhile.
	my @again = map { req_at($s, 'GET', '/tags')->{status} } 1 .. 5;
	my $n429 = grep { $_ == 429 } @again;
	$seen429 += $n429;
	cmp_ok($n429, '>=', 4, "127.0.0.1 is still limited right after (@again)");

	# The operations routes are never limited (a load balancer's health check
	# or a scraper must not be refused).
	is(req_at($s, 'GET', '/health')->{status}, 200, '/health is answered while the client is limited');
	my $mr = req_at($s, 'GET', '/metrics');
	is($mr->{status}, 200, '/metrics is answered while the client is limited');

	# After Retry-After the client is served again.
	sleep(($ra // 1) + 0.1);
	my $later = req_at($s, 'GET', '/tags');
	is($later->{status}, 200, 'after waiting Retry-After seconds the client is served again');
}

# X-Forwarded-For is ignored without JOBBOARD_TRUST_PROXY: a client cannot
# escape its bucket by naming another address. Exhaust 127.0.0.3's bucket
# while every request claims a different address.
{
	my ($n, $r) = (0);
	for my $i (1 .. 20) {
		$r = req_from('127.0.0.3', $s, 'GET', '/tags',
			headers => { 'X-Forwarded-For' => "198.51.100.$i" });
		$n++;
		last if $r->{status} == 429;
	}
	is($r->{status}, 429, "JOBBOARD_TRUST_PROXY=0: X-Forwarded-For does not give a new bucket (429 after $n)");
	$seen429++ if $r->{status} == 429;
}

# ------------------------------------------------------------ /auth/* per minute

# 3 per minute from 127.0.0.4: three logins (wrong password for an unknown
# email: 401), then 429 with a Retry-After of about 60/3 = 20 s.
{
	my @st;
	my $last;
	for my $i (1 .. 4) {
		$last = req_from('127.0.0.4', $s, 'POST', '/auth/login',
			json => { email => 'nobody-' . unique_tag() . '@example.com', password => 'wrong-password-1' });
		push @st, $last->{status};
	}
	is("@st", '401 401 401 429', '/auth/login from one IP: 3 answered, the 4th refused (3 per minute)');
	$seen429++ if $last->{status} == 429;
	problem_ok($last, 429, 'rate_limited', '4th /auth request within a minute');
	my $ra = hdr($last, 'Retry-After') // '';
	ok($ra =~ /\A\d+\z/ && $ra >= 15 && $ra <= 21, "Retry-After of the /auth limit is about 20 s at 3/min (got '$ra')");
	is(int_hdr($last, 'RateLimit-Limit'), 3, 'the /auth 429 reports the /auth limit (RateLimit-Limit: 3)');
	is(int_hdr($last, 'RateLimit-Remaining'), 0, 'the /auth 429 has RateLimit-Remaining: 0');

	# Every /auth route shares the bucket: register is refused too.
	my $reg = req_from('127.0.0.4', $s, 'POST', '/auth/register',
		json => { email => 'u' . unique_tag() . '@example.com', password => 'Pw-quiet-Lake-42', name => 'X' });
	is($reg->{status}, 429, 'POST /auth/register from the same IP is refused as well');
	$seen429++ if $reg->{status} == 429;

	# Routes outside /auth/ are not under the per-minute limit.
	my $tags = req_from('127.0.0.4', $s, 'GET', '/tags');
	is($tags->{status}, 200, 'the same IP is still served outside /auth/*');
	my $lim = int_hdr($tags, 'RateLimit-Limit');
	is($lim, 10, 'outside /auth/* the per-second limit is the one reported');

	# Another IP has its own /auth bucket.
	my $o = req_from('127.0.0.5', $s, 'POST', '/auth/login',
		json => { email => 'nobody@example.com', password => 'wrong-password-1' });
	is($o->{status}, 401, 'another IP still reaches /auth/login (401, not 429)');
	is(int_hdr($o, 'RateLimit-Limit'), 3, '/auth answers report the /auth limit (RateLimit-Limit: 3)');
	is(int_hdr($o, 'RateLimit-Remaining'), 2, 'a first /auth request leaves 2 of 3');
}

# ------------------------------------------------------------ metrics

is(rejections($s), $seen429, "jobboard_rate_limit_rejections_total counts every 429 ($seen429)");

my $st = stop_shim($s);
is($st, 0, 'the rate-limited server exits 0 on SIGTERM');
is(sanitizer_report($s), '', 'no sanitizer report in its log');

# ------------------------------------------------------------ trusted proxy

# JOBBOARD_TRUST_PROXY=1: the client IP is the last X-Forwarded-For entry (the
# address the one trusted proxy saw), so two clients behind one proxy have
# buckets of their own, and the access log names them.
my $p = start_shim(JOBBOARD_RATE_LIMIT => 5, JOBBOARD_AUTH_RATE_LIMIT => 3,
	JOBBOARD_TRUST_PROXY => 1);
{
	my @st;
	for my $i (1 .. 4) {
		my $r = req_at($p, 'POST', '/auth/login',
			headers => { 'X-Forwarded-For' => '203.0.113.7' },
			json => { email => 'nobody@example.com', password => 'wrong-password-1' });
		push @st, $r->{status};
	}
	is("@st", '401 401 401 429', 'TRUST_PROXY=1: the /auth limit applies to the forwarded address');
	my $r = req_at($p, 'POST', '/auth/login',
		headers => { 'X-Forwarded-For' => '203.0.113.8' },
		json => { email => 'nobody@example.com', password => 'wrong-password-1' });
	is($r->{status}, 401, 'another forwarded address through the same proxy socket is not limited');
	$r = req_at($p, 'POST', '/auth/login',
		headers => { 'X-Forwarded-For' => '192.0.2.1, 203.0.113.7' },
		json => { email => 'nobody@example.com', password => 'wrong-password-1' });
	is($r->{status}, 429, 'the last X-Forwarded-For entry is the client: a spoofed first entry does not help');
	$r = req_at($p, 'POST', '/auth/login',
		json => { email => 'nobody@example.com', password => 'wrong-password-1' });
	is($r->{status}, 401, 'without X-Forwarded-For the socket peer is the client');

	my $rid = 'xff-' . unique_tag();
	req_at($p, 'GET', '/tags', headers => { 'X-Forwarded-For' => '203.0.113.99', 'X-Request-Id' => $rid });
	# the access line is written when the request completes, which may be just
	# after the client has its answer: wait for it (bounded)
	my $line;
	wait_until(5, 0.05, sub { ($line) = grep { /\Q$rid\E/ } split /\n/, shim_log_tail($p, 50); defined $line });
	like($line // '', qr/"ip":"203\.0\.113\.99"/, 'the access log names the forwarded client address');
}
is(stop_shim($p), 0, 'the trusted-proxy server exits 0 on SIGTERM');
is(sanitizer_report($p), '', 'no sanitizer report in its log');

done_testing;
