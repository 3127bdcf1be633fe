#!/usr/bin/perl
# API.md §3.9: GET /openapi.json is an OpenAPI 3.1 document of every route
# that a standard validator accepts, and GET /docs a self-contained HTML page
# rendered from the same description.
#
# The validator is @apidevtools/swagger-parser, pinned in
# test/openapi/package-lock.json and installed with `npm ci` into
# test/openapi/node_modules (git-ignored) on the first run; without npm on
# the machine the validation is skipped with a message, the other checks run.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB qw(:DEFAULT :edge);

need_psql();

my $STRICT_CSP = "default-src 'none'; frame-ancestors 'none'";
my %OPERATIONS = map { $_ => 1 } qw(/health /ready /metrics /openapi.json /docs);

# The route table, the source of truth.
my @routes = map {
	my ($method, $path, $body, $status, $kind) = split /\|/;
	{ method => $method, path => $path, body => $body, status => $status, kind => $kind }
} sql('SELECT method, path, body, status, kind FROM jobboard.routes ORDER BY path, method');
cmp_ok(scalar @routes, '>=', 20, 'jobboard.routes lists the routes (' . scalar(@routes) . ')');

# ------------------------------------------------------------ the document

my $r = req('GET', '/openapi.json');
is($r->{status}, 200, 'GET /openapi.json is 200');
like(hdr($r, 'Content-Type') // '', qr{\Aapplication/json\b}i, 'it is application/json');
is(hdr($r, 'Content-Security-Policy'), $STRICT_CSP, '/openapi.json keeps the strict CSP');
my $doc = $r->{json};
is(ref $doc, 'HASH', 'the body is a JSON object') or BAIL_OUT('no OpenAPI document to check');
like($doc->{openapi} // '', qr/\A3\.1\.\d+\z/, "openapi is 3.1.x ($doc->{openapi})");
ok(ref $doc->{info} eq 'HASH' && ($doc->{info}{version} // '') ne '', 'info.version is set');
my $etag = hdr($r, 'ETag');
like($etag // '', qr/\A"[0-9a-f]{32}"\z/, 'it has a strong ETag');
is(req('GET', '/openapi.json', headers => { 'If-None-Match' => $etag // '"x"' })->{status}, 304,
	'If-None-Match with that ETag is 304');

# ------------------------------------------------------------ standard validator

my $dir = "$FindBin::Bin/../openapi";
SKIP: {
	my $npm = `command -v npm 2>/dev/null`;
	chomp $npm;
	skip 'npm is not installed: cannot install the OpenAPI validator (@apidevtools/swagger-parser); '
		. 'install Node.js with npm to run this check', 3 unless $npm;
	my $marker = "$dir/node_modules/\@apidevtools/swagger-parser/package.json";
	my $stamp = "$dir/node_modules/.package-lock.json";
	if (!-f $marker || !-f $stamp || -M "$dir/package-lock.json" < -M $stamp) {
		my $out = `cd '$dir' && timeout 300 npm ci --no-audit --no-fund --loglevel=error 2>&1`;
		ok($? == 0 && -f $marker, 'npm ci installed the validator into test/openapi/node_modules')
			or diag($out);
	} else {
		pass('the validator is installed (test/openapi/node_modules)');
	}
	my $file = ($ENV{JB_TMPDIR} || '/tmp') . '/openapi-' . unique_tag() . '.json';
	open my $fh, '>', $file or die "$file: $!";
	print $fh $r->{body};
	close $fh;
	my $out = `timeout 120 node '$dir/validate.js' '$file' 2>&1`;
	my $st = $? >> 8;
	my $res = json_body((split /\n/, $out)[-1] // '') // {};
	ok($st == 0 && $res->{valid}, 'swagger-parser validates the document as OpenAPI ' . ($res->{openapi} // '?'))
		or diag($out);
	is($res->{paths}, scalar keys %{ $doc->{paths} || {} }, 'the validator saw every path');
	unlink $file;
}

# ------------------------------------------------------------ every route, exactly

my $paths = ref $doc->{paths} eq 'HASH' ? $doc->{paths} : {};

# A parameter object, following a local $ref.
sub deref {
	my ($o) = @_;
	for (1 .. 10) {
		last unless ref $o eq 'HASH' && defined $o->{'$ref'} && $o->{'$ref'} =~ m{\A#/(.*)\z};
		my $t = $doc;
		for my $k (split m{/}, $1) {
			$k =~ s/~1/\//g;
			$k =~ s/~0/~/g;
			$t = ref $t eq 'HASH' ? $t->{$k} : undef;
		}
		$o = $t;
	}
	return $o;
}

my (@missing, @param_bad, @body_bad, @status_bad);
for my $rt (@routes) {
	my $item = $paths->{ $rt->{path} };
	my $op = ref $item eq 'HASH' ? $item->{ lc $rt->{method} } : undef;
	if (ref $op ne 'HASH') {
		push @missing, "$rt->{method} $rt->{path}";
		next;
	}
	my %declared;
	for my $p (@{ $item->{parameters} || [] }, @{ $op->{parameters} || [] }) {
		my $d = deref($p);
		$declared{ $d->{name} } = $d if ref $d eq 'HASH' && ($d->{in} // '') eq 'path';
	}
	for my $name ($rt->{path} =~ /\{([^}]+)\}/g) {
		my $d = $declared{$name};
		push @param_bad, "$rt->{method} $rt->{path}: path parameter $name "
			. (!$d ? 'not declared' : 'not required') unless $d && $d->{required};
	}
	my $rb = deref($op->{requestBody});
	my %ct = ref $rb eq 'HASH' && ref $rb->{content} eq 'HASH' ? %{ $rb->{content} } : ();
	if ($rt->{body} eq 'json') {
		push @body_bad, "$rt->{method} $rt->{path}: no application/json request body" unless $ct{'application/json'};
	} elsif ($rt->{body} eq 'multipart') {
		push @body_bad, "$rt->{method} $rt->{path}: no multipart/form-data request body" unless $ct{'multipart/form-data'};
	} elsif (%ct) {
		push @body_bad, "$rt->{method} $rt->{path}: takes no body but documents one";
	}
	push @status_bad, "$rt->{method} $rt->{path}: no response $rt->{status}"
		unless ref $op->{responses} eq 'HASH' && $op->{responses}{ $rt->{status} };
}
is_deeply(\@missing, [], 'every route of jobboard.routes is in paths with its method');
is_deeply(\@param_bad, [], 'every path parameter is declared, in: path, required');
is_deeply(\@body_bad, [], 'request bodies match the route table (json, multipart, none)');
is_deeply(\@status_bad, [], 'every operation documents its success status');

# Nothing documented that does not exist.
{
	my %have = map { ("$_->{method} $_->{path}" => 1) } @routes;
	my @extra;
	for my $p (sort keys %$paths) {
		next if $OPERATIONS{$p};
		for my $m (grep { /\A(?:get|put|post|delete|options|head|patch|trace)\z/ } keys %{ $paths->{$p} }) {
			push @extra, uc($m) . " $p" unless $have{ uc($m) . " $p" };
		}
	}
	is_deeply(\@extra, [], 'every documented operation is a route (or an operations route)');
}

# Problem responses are documented with their media type somewhere.
like($r->{body}, qr{application/problem\+json}, 'errors are documented as application/problem+json');

# ------------------------------------------------------------ /docs

my $d = req('GET', '/docs');
is($d->{status}, 200, 'GET /docs is 200');
like(hdr($d, 'Content-Type') // '', qr{\Atext/html\b}i, '/docs is text/html');
my $csp = hdr($d, 'Content-Security-Policy') // '';
my %dir = map { my ($k, @v) = split ' '; (lc($k // '') => join(' ', @v)) } split /;\s*/, $csp;
is($dir{'default-src'}, "'none'", "/docs CSP keeps default-src 'none' ($csp)");
like($dir{'style-src'} // '', qr/'unsafe-inline'|'sha(?:256|384|512)-|'nonce-/, '/docs CSP allows its inline style');
unlike($dir{'style-src'} // '', qr{https?:|\*|(?:^|\s)data:}, '/docs CSP allows no style from elsewhere');
ok(!exists $dir{'script-src'} || $dir{'script-src'} eq "'none'", '/docs CSP allows no script');
is($dir{'frame-ancestors'}, "'none'", "/docs CSP keeps frame-ancestors 'none'");
security_headers_ok({ %$d, headers => { %{ $d->{headers} }, 'content-security-policy' => $STRICT_CSP } }, 'GET /docs (other headers)');
is(hdr(req('GET', '/health'), 'Content-Security-Policy'), $STRICT_CSP, 'the relaxed CSP is for /docs only: /health is strict');
is(hdr(req('GET', '/docs/x'), 'Content-Security-Policy'), $STRICT_CSP, 'and /docs/x (a 404) is strict');

my $html = $d->{body};
like($html, qr/\A\s*<!doctype html>/i, 'it is an HTML document');
like($html, qr{<title>[^<]+</title>}i, 'it has a title');
my $text = $html;
$text =~ s/&#(\d+);/chr $1/ge;
$text =~ s/&#x([0-9a-f]+);/chr hex $1/gie;
my %ent = (lbrace => '{', rbrace => '}', amp => '&', lt => '<', gt => '>', quot => '"', sol => '/');
$text =~ s/&(\w+);/$ent{$1} \/\/ "&$1;"/ge;
my @absent = grep { index($text, $_) < 0 } sort keys %{ { map { $_->{path} => 1 } @routes } };
is_deeply(\@absent, [], 'the page names every path of the route table');

# Self-contained: nothing is loaded from elsewhere.
my @ext;
push @ext, $1 while $html =~ /((?:src|href|action|srcset|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?\/\/[^"'\s>]*)/gi;
push @ext, $1 while $html =~ /(url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?\/\/[^)]*\))/gi;
push @ext, $1 while $html =~ /(\@import[^;]*)/gi;
push @ext, $1 while $html =~ /(<(?:script|iframe|object|embed|link)\b[^>]*>)/gi;
is_deeply(\@ext, [], 'no external asset, script, frame or linked file');
{
	my @href = $html =~ /\bhref\s*=\s*["']([^"']*)["']/gi;
	my @odd = grep { !m{\A#.|\A/(?!/)} } @href;
	is_deeply(\@odd, [], 'links are in-page anchors or paths of this server');
	my %ids = map { $_ => 1 } $html =~ /\bid\s*=\s*["']([^"']+)["']/gi;
	my @dangling = grep { !$ids{$_} } map { /\A#(.+)\z/ ? $1 : () } @href;
	is_deeply(\@dangling, [], 'every in-page anchor has its target');
}
my ($d_etag) = hdr($d, 'ETag');
is(req('GET', '/docs', headers => { 'If-None-Match' => $d_etag // '"x"' })->{status}, 304, '/docs answers 304 to its ETag');

done_testing;
