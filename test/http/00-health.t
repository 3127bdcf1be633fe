#!/usr/bin/perl
# API.md §3.9 operations routes used by every deployment check: /health and
# /ready, their exact shapes, the extension version, and the common headers.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

my $h = req('GET', '/health');
is($h->{status}, 200, 'GET /health is 200');
like(hdr($h, 'content-type') // '', qr{\Aapplication/json\b}i, '/health is application/json');
is_deeply($h->{json}, { status => 'ok' }, '/health body is exactly {"status":"ok"}');
security_headers_ok($h, 'GET /health');

my $r = req('GET', '/ready');
is($r->{status}, 200, 'GET /ready is 200');
like(hdr($r, 'content-type') // '', qr{\Aapplication/json\b}i, '/ready is application/json');
is(ref $r->{json}, 'HASH', '/ready body is an object');
is(join(',', sort keys %{ $r->{json} || {} }), 'database,extension,status', '/ready has exactly status, database, extension');
is($r->{json}{status}, 'ready', '/ready status is "ready"');
is($r->{json}{database}, 'ok', '/ready database is "ok"');
like($r->{json}{extension} // '', qr/\A\d+\.\d+(?:\.\d+)?\z/, '/ready extension is a version string');
security_headers_ok($r, 'GET /ready');

# The version must be the installed one, and the one this tree builds.
my $control = "$FindBin::Bin/../../extension/jobboard.control";
if (open my $fh, '<', $control) {
	my ($v) = map { /^default_version\s*=\s*'([^']+)'/ ? $1 : () } <$fh>;
	is($r->{json}{extension}, $v, '/ready extension equals default_version of jobboard.control');
}
SKIP: {
	skip 'JB_PSQL not set', 1 unless have_psql();
	my $installed = sql("SELECT extversion FROM pg_extension WHERE extname = 'jobboard'");
	is($r->{json}{extension}, $installed, '/ready extension equals the installed extversion');
}

# A client's sane request id is echoed on these routes too.
my $rid = 'health-check.1:' . unique_tag();
my $e = req('GET', '/health', headers => { 'X-Request-Id' => $rid });
is(hdr($e, 'x-request-id'), $rid, '/health echoes a sane X-Request-Id');

# Known path, wrong method: 405 with Allow (API.md §1.1).
my $m = req('POST', '/health', json => {});
problem_ok($m, 405, 'method_not_allowed', 'POST /health');
like(hdr($m, 'allow') // '', qr/\bGET\b/, 'Allow of /health lists GET');
unlike(hdr($m, 'allow') // '', qr/\bPOST\b/, 'Allow of /health does not list POST');

done_testing;
