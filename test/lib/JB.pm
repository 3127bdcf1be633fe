package JB;

# Helpers for the HTTP end-to-end tests in test/http: requests through the
# real server (JB_URL), SQL as a database superuser (JB_PSQL), users made per
# run with unique emails, problem+json checks exact to API.md §1.1/§1.4, and
# JWT decoding and signing for forged-token cases.
#
# Environment (given by `make test`):
#   JB_URL       base URL of a running jobboard-http, e.g. http://127.0.0.1:18080
#   JB_PSQL      a psql command line as superuser on the same database (-X -q -At)
#   JB_SHIM_PID  pid of the server (informational)
#
# Without JB_URL every test file is skipped (skip_all), with a message.
# Perl core modules only.

use strict;
use warnings;
use Exporter ();
our @ISA = ('Exporter');
use Test::More ();
use HTTP::Tiny;
use JSON::PP ();
use MIME::Base64 qw(encode_base64 decode_base64);
use Digest::SHA qw(hmac_sha256 hmac_sha512);
use IO::Socket::INET;
use Time::HiRes qw(time);

our @EXPORT = qw(
	req raw_request json_body hdr hdr_all
	register_user login login_ok auth_header make_admin
	sql have_psql need_psql
	problem_ok security_headers_ok error_fields
	b64url_encode b64url_decode jwt_parts jwt_sign signing_key
	unique_tag rfc3339_ok user_shape_ok token_pair_ok refresh_cookie
	sorted_eq
	qenc data_ids new_company new_job walk_list send_together ts_epoch etag_of
);

our $URL = $ENV{JB_URL};
our $JSON = JSON::PP->new->utf8->canonical->allow_nonref;

# Skip the whole file, with a clear message, when there is no server.
sub import {
	if (!defined $URL || $URL eq '') {
		Test::More::plan(skip_all =>
			'JB_URL is not set: these tests need a running jobboard-http (run them through `make test`)');
	}
	$URL =~ s{/+\z}{};
	JB->export_to_level(1, @_);
}

my $http = HTTP::Tiny->new(
	agent      => 'jobboard-http-tests/1',
	timeout    => 30,
	keep_alive => 1,
	max_redirect => 0,
);

# ---------------------------------------------------------------- requests

# req($method, $path, %opt) -> {status, headers, body, json, reason}
#   json    => data encoded as the JSON body (Content-Type application/json)
#   body    => raw body bytes (no Content-Type unless given)
#   type    => Content-Type to send (overrides the default for json)
#   token   => bearer token
#   headers => { name => value } extra request headers
# Headers in the answer have lower-case names; a repeated header is an
# array ref (use hdr/hdr_all).
sub req {
	my ($method, $path, %opt) = @_;
	my %h = %{ $opt{headers} || {} };
	my $content;
	if (exists $opt{json}) {
		$content = $JSON->encode($opt{json});
		$h{'Content-Type'} //= 'application/json';
	} elsif (defined $opt{body}) {
		$content = $opt{body};
	}
	$h{'Content-Type'} = $opt{type} if defined $opt{type};
	$h{Authorization} = "Bearer $opt{token}" if defined $opt{token};
	my %args = (headers => \%h);
	$args{content} = $content if defined $content;
	my $r = $http->request($method, $URL . $path, \%args);
	my $res = {
		status  => $r->{status},
		reason  => $r->{reason},
		headers => $r->{headers} || {},
		body    => $r->{content} // '',
	};
	if ($res->{status} == 599) {
		Test::More::diag("transport error for $method $path: $res->{body}");
	}
	$res->{json} = json_body($res->{body});
	return $res;
}

# Decode a JSON body, or undef when it is not JSON.
sub json_body {
	my ($body) = @_;
	return undef if !defined $body || $body eq '';
	my $v = eval { $JSON->decode($body) };
	return $v;
}

# The value of a response header: repeated ones joined with ", ".
sub hdr {
	my ($res, $name) = @_;
	my $v = $res->{headers}{ lc $name };
	return undef unless defined $v;
	return ref $v ? join(', ', @$v) : $v;
}

# Every value of a response header, as a list.
sub hdr_all {
	my ($res, $name) = @_;
	my $v = $res->{headers}{ lc $name };
	return () unless defined $v;
	return ref $v ? @$v : ($v);
}

# Send raw bytes on a fresh TCP connection to the server and parse the first
# final response (a 1xx is recorded in {interim}). Bytes are written as the
# socket accepts them, and writing stops once an answer has come, so a server
# that refuses a large body early is seen doing so. %opt:
#   then       => bytes to send after an interim answer arrives or after
#                 `wait` seconds (for Expect: 100-continue)
#   wait       => seconds to wait for an interim answer before `then`
#   timeout    => seconds for the whole exchange (default 10)
# Returns {status, headers, body, json, raw, interim, unsent} or
# {status => 0, error, raw}; unsent is how many bytes were never written.
sub raw_request {
	my ($bytes, %opt) = @_;
	my ($host, $port) = $URL =~ m{^http://([^/:]+)(?::(\d+))?} or die "cannot parse JB_URL $URL";
	$port //= 80;
	my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port,
		Proto => 'tcp', Timeout => 5) or return { status => 0, error => "connect: $!" };
	binmode $sock;
	$sock->blocking(0);
	local $SIG{PIPE} = 'IGNORE';
	my $out = $bytes;
	my $deadline = time + ($opt{timeout} // 10);
	my $buf = '';
	my $then = $opt{then};
	my $then_at = time + ($opt{wait} // 2);
	my ($res, $interim, $closed);
	while (time < $deadline) {
		if (defined $then && ($interim || time >= $then_at) && $out eq '') {
			$out = $then;
			undef $then;
		}
		my ($rin, $win) = ('', '');
		vec($rin, fileno($sock), 1) = 1;
		vec($win, fileno($sock), 1) = 1 if $out ne '' && !$res;
		my $left = (defined $then ? $then_at : $deadline) - time;
		$left = 0.01 if $left < 0.01;
		$left = 0.2 if $left > 0.2;
		my $n = select(my $rout = $rin, my $wout = $win, undef, $left);
		next if $n <= 0;
		if (vec($wout, fileno($sock), 1)) {
			my $w = syswrite($sock, $out, 65536);
			if (defined $w) {
				substr($out, 0, $w) = '';
			} elsif (!$!{EAGAIN} && !$!{EWOULDBLOCK}) {
				$out = '';	# the peer stopped reading (EPIPE, ECONNRESET)
			}
		}
		if (vec($rout, fileno($sock), 1)) {
			my $got = sysread($sock, $buf, 65536, length $buf);
			if (defined $got && $got == 0) { $closed = 1; last }
			if (!defined $got && !$!{EAGAIN} && !$!{EWOULDBLOCK}) { $closed = 1; last }
		}
		# An interim 1xx response: remember it and go on.
		while ($buf =~ /\AHTTP\/1\.[01] (1\d\d)[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n/) {
			$interim = $1;
			substr($buf, 0, $+[0]) = '';
		}
		if ($buf =~ /\r\n\r\n/) {
			$res = _parse_raw($buf);
			last if $res && defined $res->{length} && length($res->{body}) >= $res->{length};
		}
	}
	close $sock;
	$res = _parse_raw($buf) if $buf ne '';
	return { status => 0, error => 'no response', raw => $buf, interim => $interim } unless $res;
	$res->{body} = substr($res->{body}, 0, $res->{length}) if defined $res->{length};
	$res->{interim} = $interim;
	$res->{unsent} = length($out) + length($then // '');
	$res->{json} = json_body($res->{body});
	return $res;
}

sub _parse_raw {
	my ($buf) = @_;
	my $end = index($buf, "\r\n\r\n");
	return undef if $end < 0;
	my $head = substr($buf, 0, $end);
	my @lines = split /\r\n/, $head;
	my $status_line = shift @lines;
	my ($status) = $status_line =~ m{^HTTP/\d\.\d (\d{3})} or return undef;
	my %h;
	for my $l (@lines) {
		my ($k, $v) = $l =~ /^([^:]+):\s*(.*?)\s*$/ or next;
		$k = lc $k;
		if (exists $h{$k}) {
			$h{$k} = [ ref $h{$k} ? @{ $h{$k} } : $h{$k}, $v ];
		} else {
			$h{$k} = $v;
		}
	}
	my $len = $h{'content-length'};
	$len = undef if ref $len;
	return { status => $status + 0, status_line => $status_line, headers => \%h,
		body => substr($buf, $end + 4), length => $len, raw => $buf };
}

# ---------------------------------------------------------------- SQL

sub have_psql { return defined $ENV{JB_PSQL} && $ENV{JB_PSQL} ne '' }

# Skip the rest of the file when JB_PSQL is missing.
sub need_psql {
	Test::More::plan(skip_all => 'JB_PSQL is not set: this file needs superuser SQL access')
		unless have_psql();
}

sub _shell_quote {
	my ($s) = @_;
	$s =~ s/'/'\\''/g;
	return "'$s'";
}

# Run one query through JB_PSQL; returns the output lines (list context) or
# the output chomped (scalar context). Dies on failure with psql's message.
sub sql {
	my ($query) = @_;
	die "JB_PSQL is not set\n" unless have_psql();
	my $cmd = "$ENV{JB_PSQL} -v ON_ERROR_STOP=1 -c " . _shell_quote($query) . ' 2>&1';
	my $out = `$cmd`;
	die "psql failed ($?) for: $query\n$out" if $?;
	chomp $out;
	return wantarray ? split(/\n/, $out) : $out;
}

# ---------------------------------------------------------------- users

my $counter = 0;

# A short string unique to this run and call: letters and digits only.
sub unique_tag {
	$counter++;
	my $t = int(time * 1000) % 1_000_000_000;
	return lc sprintf('%s%s%s', _b36($$), _b36($t), _b36($counter));
}

sub _b36 {
	my ($n) = @_;
	my $s = '';
	do { $s = substr('0123456789abcdefghijklmnopqrstuvwxyz', $n % 36, 1) . $s; $n = int($n / 36) } while $n > 0;
	return $s;
}

# Register a new user with a unique email. %f overrides email, password,
# name, role. Returns {id, email, password, name, access, refresh, user, res}.
# Dies when registration does not answer 201.
sub register_user {
	my (%f) = @_;
	my $tag = unique_tag();
	my %body = (
		email    => $f{email} // "u$tag\@example.com",
		password => $f{password} // "Pw-$tag-quiet-Lake",
		name     => $f{name} // "User $tag",
	);
	$body{role} = $f{role} if defined $f{role};
	my $res = req('POST', '/auth/register', json => \%body);
	if ($res->{status} != 201) {
		_die_rate_limited($res);
		die "register $body{email} answered $res->{status}: $res->{body}\n";
	}
	my $j = $res->{json};
	return {
		id       => $j->{user}{id},
		email    => $body{email},
		password => $body{password},
		name     => $body{name},
		access   => $j->{access_token},
		refresh  => $j->{refresh_token},
		user     => $j->{user},
		res      => $res,
	};
}

sub _die_rate_limited {
	my ($res) = @_;
	my $j = $res->{json};
	if ($res->{status} == 429 && $j && ($j->{code} // '') eq 'rate_limited') {
		die "the server rate-limited a test request ($res->{body}); run the server with "
			. "JOBBOARD_RATE_LIMIT=0 and JOBBOARD_AUTH_RATE_LIMIT=0 for the test suite\n";
	}
}

# POST /auth/login; returns the response.
sub login {
	my ($email, $password, %opt) = @_;
	return req('POST', '/auth/login', json => { email => $email, password => $password }, %opt);
}

# Log in and return {access, refresh, res}; dies unless 200.
sub login_ok {
	my ($email, $password) = @_;
	my $res = login($email, $password);
	if ($res->{status} != 200) {
		_die_rate_limited($res);
		die "login $email answered $res->{status}: $res->{body}\n";
	}
	return { access => $res->{json}{access_token}, refresh => $res->{json}{refresh_token}, res => $res };
}

sub auth_header {
	my ($token) = @_;
	return (Authorization => "Bearer $token");
}

# A fresh user made admin through SQL (API.md §2: the first admin), then
# logged in again so its session starts as an admin. Needs JB_PSQL.
sub make_admin {
	my (%f) = @_;
	my $u = register_user(%f);
	my $email = $u->{email};
	$email =~ s/'/''/g;
	sql("SELECT jobboard.grant_role('$email', 'admin')");
	my $l = login_ok($u->{email}, $u->{password});
	$u->{access} = $l->{access};
	$u->{refresh} = $l->{refresh};
	return $u;
}

# ---------------------------------------------------------------- checks

my %TITLE = (
	400 => 'Bad Request', 401 => 'Unauthorized', 403 => 'Forbidden',
	404 => 'Not Found', 405 => 'Method Not Allowed', 409 => 'Conflict',
	412 => 'Precondition Failed', 413 => 'Content Too Large',
	415 => 'Unsupported Media Type', 417 => 'Expectation Failed',
	422 => 'Unprocessable Content', 429 => 'Too Many Requests',
	431 => 'Request Header Fields Too Large',
	500 => 'Internal Server Error', 503 => 'Service Unavailable',
);
# RFC 9110 renamed 413 "Payload Too Large" to "Content Too Large"; API.md
# uses the RFC 9110 names ("Unprocessable Content"), the code keeps the old
# word. Either title is accepted for 413.
my %TITLE_ALT = (413 => 'Payload Too Large');

my %SECURITY = (
	'x-content-type-options'       => 'nosniff',
	'referrer-policy'              => 'no-referrer',
	'x-frame-options'              => 'DENY',
	'content-security-policy'      => "default-src 'none'; frame-ancestors 'none'",
	'cross-origin-resource-policy' => 'same-origin',
);

# API.md §1.4: the five headers with their exact values, no Server, no
# X-Powered-By; and §1: an X-Request-Id on every response.
sub security_headers_ok {
	my ($res, $name) = @_;
	my @bad;
	for my $h (sort keys %SECURITY) {
		my $v = hdr($res, $h);
		push @bad, "$h is " . (defined $v ? "'$v'" : 'missing') . ", want '$SECURITY{$h}'"
			unless defined $v && $v eq $SECURITY{$h};
	}
	push @bad, 'a Server header is present: ' . hdr($res, 'server') if defined hdr($res, 'server');
	push @bad, 'an X-Powered-By header is present' if defined hdr($res, 'x-powered-by');
	my $rid = hdr($res, 'x-request-id');
	push @bad, 'X-Request-Id missing or not sane' unless defined $rid && $rid =~ /\A[A-Za-z0-9._:-]{1,128}\z/;
	my $ok = Test::More::ok(!@bad, "$name: security headers and X-Request-Id");
	Test::More::diag(join("\n", @bad)) unless $ok;
	return $ok;
}

# The `field` names in a 422's errors array.
sub error_fields {
	my ($res) = @_;
	my $e = $res->{json} && ref $res->{json} eq 'HASH' ? $res->{json}{errors} : undef;
	return () unless ref $e eq 'ARRAY';
	return map { ref $_ eq 'HASH' ? ($_->{field} // '') : '' } @$e;
}

# problem_ok($res, $status, $code, $name, %opt): an RFC 9457 problem exact to
# API.md §1.1: status, Content-Type application/problem+json, body with type
# about:blank, the standard title, status, code, request_id equal to the
# X-Request-Id header, `errors` on 422 only (each {field, message}), no leaked
# internals; plus the §1.4 headers. %opt:
#   fields => [...]  fields that must be named in errors (422)
#   only_fields => [...]  the exact set of fields named in errors (422)
#   code undef       accept any non-empty code (status without a code in §1.1)
sub problem_ok {
	my ($res, $status, $code, $name, %opt) = @_;
	my @bad;
	push @bad, "status is $res->{status}, want $status" unless $res->{status} == $status;
	my $ct = hdr($res, 'content-type') // '';
	push @bad, "Content-Type is '$ct', want application/problem+json"
		unless $ct =~ m{\Aapplication/problem\+json\s*(?:;.*)?\z}i;
	my $j = $res->{json};
	if (ref $j ne 'HASH') {
		push @bad, 'body is not a JSON object: ' . substr($res->{body} // '', 0, 200);
	} else {
		push @bad, "type is " . ($j->{type} // 'missing') . ", want about:blank"
			unless ($j->{type} // '') eq 'about:blank';
		my $title = $j->{title} // '';
		push @bad, "title is '$title', want '" . ($TITLE{$status} // '?') . "'"
			unless $title eq ($TITLE{$status} // "\0") || $title eq ($TITLE_ALT{$status} // "\0");
		push @bad, 'status member is ' . ($j->{status} // 'missing') . ", want $status"
			unless defined $j->{status} && !ref $j->{status} && $j->{status} =~ /\A\d+\z/ && $j->{status} == $status;
		if (defined $code) {
			push @bad, 'code is ' . ($j->{code} // 'missing') . ", want $code"
				unless ($j->{code} // '') eq $code;
		} else {
			push @bad, 'code missing' unless defined $j->{code} && !ref $j->{code} && $j->{code} ne '';
		}
		push @bad, 'detail is not a string' if exists $j->{detail} && (ref $j->{detail} || !defined $j->{detail});
		my $rid = hdr($res, 'x-request-id');
		push @bad, 'request_id ' . ($j->{request_id} // 'missing') . ' differs from X-Request-Id ' . ($rid // 'missing')
			unless defined $rid && defined $j->{request_id} && $j->{request_id} eq $rid;
		if ($status == 422) {
			if (ref $j->{errors} ne 'ARRAY' || !@{ $j->{errors} }) {
				push @bad, '422 without a non-empty errors array';
			} else {
				for my $e (@{ $j->{errors} }) {
					push @bad, 'an errors entry is not {field, message} strings'
						unless ref $e eq 'HASH' && defined $e->{field} && !ref $e->{field}
						&& defined $e->{message} && !ref $e->{message} && $e->{message} ne '';
				}
			}
		} else {
			push @bad, "errors present on a $status" if exists $j->{errors};
		}
		my %have = map { $_ => 1 } error_fields($res);
		for my $f (@{ $opt{fields} || [] }) {
			push @bad, "errors do not name '$f' (named: " . join(', ', sort keys %have) . ')' unless $have{$f};
		}
		if ($opt{only_fields}) {
			my $want = join ',', sort @{ $opt{only_fields} };
			my $got = join ',', sort keys %have;
			push @bad, "errors name [$got], want exactly [$want]" unless $want eq $got;
		}
		# §1.1: no stack trace, SQL text, file path or server version.
		my $b = $res->{body};
		push @bad, 'body leaks internals: ' . $b
			if $b =~ /SQLSTATE|postgres|pg_catalog|jobboard\.\w+\(|\bERROR:|\.c:\d+|\bat \S+ line \d+|libmicrohttpd|\/usr\/|\/work\//i;
	}
	my $ok = Test::More::ok(!@bad, "$name: $status problem" . (defined $code ? " $code" : ''));
	Test::More::diag(join("\n", @bad) . "\nbody: " . substr($res->{body} // '', 0, 500)) unless $ok;
	security_headers_ok($res, $name);
	return $ok;
}

# RFC 3339 with an explicit offset (or Z).
sub rfc3339_ok {
	my ($v) = @_;
	return defined $v && !ref $v
		&& $v =~ /\A\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})\z/;
}

# API.md §3.1 user: exactly {id, email, name, roles, disabled, created_at, updated_at}.
sub user_shape_ok {
	my ($u, $name) = @_;
	my @bad;
	if (ref $u ne 'HASH') {
		@bad = ('not an object');
	} else {
		my $keys = join ',', sort keys %$u;
		push @bad, "keys are [$keys]" unless $keys eq 'created_at,disabled,email,id,name,roles,updated_at';
		push @bad, 'id not a positive integer' unless defined $u->{id} && !ref $u->{id} && $u->{id} =~ /\A[1-9]\d*\z/;
		push @bad, 'email not a string' unless defined $u->{email} && !ref $u->{email};
		push @bad, 'name not a string' unless defined $u->{name} && !ref $u->{name};
		push @bad, 'roles not an array of strings'
			unless ref $u->{roles} eq 'ARRAY' && !grep { !defined $_ || ref $_ } @{ $u->{roles} };
		push @bad, 'disabled not a boolean' unless JSON::PP::is_bool($u->{disabled});
		push @bad, 'created_at not RFC 3339' unless rfc3339_ok($u->{created_at});
		push @bad, 'updated_at not RFC 3339' unless rfc3339_ok($u->{updated_at});
	}
	my $ok = Test::More::ok(!@bad, "$name: user shape");
	Test::More::diag(join("\n", @bad)) unless $ok;
	return $ok;
}

# API.md §3.1 token pair, and its access token's claims.
sub token_pair_ok {
	my ($res, $name) = @_;
	my $j = $res->{json};
	my @bad;
	if (ref $j ne 'HASH') {
		@bad = ('body not an object');
	} else {
		for my $k (qw(access_token token_type expires_in refresh_token user)) {
			push @bad, "$k missing" unless exists $j->{$k};
		}
		# refresh_expires_in is allowed (docs/INTERFACE.md uses it for Max-Age).
		my @extra = grep { !/\A(?:access_token|token_type|expires_in|refresh_token|user|refresh_expires_in)\z/ } keys %$j;
		push @bad, "unexpected members: @extra" if @extra;
		push @bad, 'token_type is not Bearer' unless ($j->{token_type} // '') eq 'Bearer';
		push @bad, 'expires_in not a positive integer'
			unless defined $j->{expires_in} && $j->{expires_in} =~ /\A[1-9]\d*\z/;
		# At least 256 bits: 43 base64url characters or 64 hex digits.
		push @bad, 'refresh_token shorter than 256 bits'
			unless defined $j->{refresh_token} && !ref $j->{refresh_token} && length($j->{refresh_token}) >= 43;
		my ($h, $p) = jwt_parts($j->{access_token} // '');
		if (!$h || !$p) {
			push @bad, 'access_token is not a JWT';
		} else {
			push @bad, 'alg is not HS256' unless ($h->{alg} // '') eq 'HS256';
			for my $c (qw(iss sub sid roles iat exp)) {
				push @bad, "claim $c missing" unless exists $p->{$c};
			}
			push @bad, 'sub is not the user id as a string'
				unless defined $p->{sub} && !ref $p->{sub} && ref $j->{user} eq 'HASH'
				&& $p->{sub} eq ($j->{user}{id} // '') && $JSON->encode($p->{sub}) =~ /\A"/;
			push @bad, 'roles claim is not an array' unless ref $p->{roles} eq 'ARRAY';
			push @bad, 'exp - iat differs from expires_in'
				unless defined $p->{exp} && defined $p->{iat} && defined $j->{expires_in}
				&& $p->{exp} - $p->{iat} == $j->{expires_in};
			push @bad, 'iat is not about now' unless defined $p->{iat} && abs($p->{iat} - time) < 300;
		}
	}
	my $ok = Test::More::ok(!@bad, "$name: token pair");
	Test::More::diag(join("\n", @bad) . "\nbody: " . substr($res->{body}, 0, 500)) unless $ok;
	user_shape_ok($j->{user}, $name) if ref $j eq 'HASH';
	return $ok;
}

# The jobboard_refresh Set-Cookie of a response, parsed:
# {value, attrs => {lc name => value or 1}, raw}; undef when absent.
sub refresh_cookie {
	my ($res) = @_;
	for my $c (hdr_all($res, 'set-cookie')) {
		next unless $c =~ /\A\s*jobboard_refresh=([^;]*)(.*)\z/;
		my ($v, $rest) = ($1, $2);
		my %a;
		for my $part (split /;/, $rest) {
			$part =~ s/\A\s+|\s+\z//g;
			next if $part eq '';
			my ($k, $val) = split /=/, $part, 2;
			$a{ lc $k } = $val // 1;
		}
		return { value => $v, attrs => \%a, raw => $c };
	}
	return undef;
}

sub sorted_eq {
	my ($a, $b) = @_;
	return join("\0", sort @$a) eq join("\0", sort @$b);
}

# ---------------------------------------------------------------- JWT

sub b64url_encode {
	my ($s) = @_;
	my $e = encode_base64($s, '');
	$e =~ tr{+/}{-_};
	$e =~ s/=+\z//;
	return $e;
}

sub b64url_decode {
	my ($s) = @_;
	return undef unless defined $s && $s =~ /\A[A-Za-z0-9_-]*\z/;
	$s =~ tr{-_}{+/};
	$s .= '=' x ((4 - length($s) % 4) % 4);
	return decode_base64($s);
}

# (header, payload, signature bytes, signing input) of a JWT, or () when it
# is not three base64url parts with JSON objects.
sub jwt_parts {
	my ($t) = @_;
	my @p = split /\./, $t, -1;
	return () unless @p == 3;
	my $h = eval { $JSON->decode(b64url_decode($p[0]) // '') };
	my $c = eval { $JSON->decode(b64url_decode($p[1]) // '') };
	return () unless ref $h eq 'HASH' && ref $c eq 'HASH';
	return ($h, $c, b64url_decode($p[2]), "$p[0].$p[1]");
}

# Build a token: jwt_sign($header, $payload, $key, $mac) with $mac one of
# 'HS256' (default), 'HS512', 'none' (empty signature).
sub jwt_sign {
	my ($header, $payload, $key, $mac) = @_;
	$mac //= 'HS256';
	my $input = b64url_encode($JSON->encode($header)) . '.' . b64url_encode($JSON->encode($payload));
	my $sig = $mac eq 'none' ? '' : $mac eq 'HS512' ? hmac_sha512($input, $key) : hmac_sha256($input, $key);
	return "$input." . b64url_encode($sig);
}

# The database's signing key (jobboard.secret, read as superuser), checked
# against a real access token; undef when it cannot be read or does not
# verify that token.
sub signing_key {
	my ($token) = @_;
	return undef unless have_psql();
	my $hex = eval { sql('SELECT encode(key, \'hex\') FROM jobboard.secret ORDER BY id LIMIT 1') };
	return undef unless defined $hex && $hex =~ /\A[0-9a-f]+\z/;
	my $key = pack 'H*', $hex;
	my (undef, undef, $sig, $input) = jwt_parts($token);
	return undef unless defined $sig && hmac_sha256($input, $key) eq $sig;
	return $key;
}

# ---------------------------------------------------------------- portal (§3.3-§3.6)

# A query-string value, percent-encoded (UTF-8).
sub qenc {
	my ($s) = @_;
	utf8::encode($s) if utf8::is_utf8($s);
	$s =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord $1)/ge;
	return $s;
}

# The ids of the rows of a list answer, in order.
sub data_ids {
	my ($res) = @_;
	my $j = $res->{json};
	return [] unless ref $j eq 'HASH' && ref $j->{data} eq 'ARRAY';
	return [ map { ref $_ eq 'HASH' ? $_->{id} : undef } @{ $j->{data} } ];
}

# POST /companies as $token; %f overrides the body (name defaults to a
# unique one). Returns the company; dies unless 201.
sub new_company {
	my ($token, %f) = @_;
	my %body = (name => 'Co ' . unique_tag(), %f);
	my $r = req('POST', '/companies', token => $token, json => \%body);
	die "POST /companies answered $r->{status}: $r->{body}\n" unless $r->{status} == 201;
	return $r->{json};
}

# POST /jobs for company $cid as $token; %f overrides the body (title,
# description and employment_type have defaults). Returns the job; dies
# unless 201.
sub new_job {
	my ($token, $cid, %f) = @_;
	my %body = (company_id => $cid, title => 'Job ' . unique_tag(), description => 'Some work.',
		employment_type => 'full_time', %f);
	my $r = req('POST', '/jobs', token => $token, json => \%body);
	die "POST /jobs answered $r->{status}: $r->{body}\n" unless $r->{status} == 201;
	return $r->{json};
}

# Follow a list from $path by its Link rel="next" headers (at most
# max_pages, default 50). %opt: token. Returns {ids => [...], rows => [...],
# pages => n, bad => [problems seen: a status other than 200, a next_cursor
# without a matching Link or the other way round, a Link that does not
# carry that cursor]}.
sub walk_list {
	my ($path, %opt) = @_;
	my (@ids, @rows, @bad);
	my $pages = 0;
	my $next = $path;
	while (defined $next && $pages < ($opt{max_pages} // 50)) {
		my $r = req('GET', $next, defined $opt{token} ? (token => $opt{token}) : ());
		$pages++;
		if ($r->{status} != 200 || ref $r->{json} ne 'HASH') {
			push @bad, "page $pages ($next): status $r->{status}";
			last;
		}
		push @rows, @{ $r->{json}{data} || [] };
		push @ids, map { $_->{id} } @{ $r->{json}{data} || [] };
		my $cursor = $r->{json}{next_cursor};
		my $link = hdr($r, 'link');
		undef $next;
		if (defined $cursor) {
			my ($target) = ($link // '') =~ /\A<([^>]+)>;\s*rel="next"\z/;
			if (!defined $target) {
				push @bad, "page $pages: next_cursor but Link is " . ($link // 'missing');
				last;
			}
			$target =~ s{\Ahttps?://[^/]+}{};
			push @bad, "page $pages: the Link target does not carry next_cursor"
				unless $target =~ /[?&]cursor=\Q${\ qenc($cursor)}\E(?:&|\z)/ || $target =~ /[?&]cursor=\Q$cursor\E(?:&|\z)/;
			$next = $target;
		} elsif (defined $link) {
			push @bad, "page $pages: a Link header on the last page";
		}
	}
	return { ids => \@ids, rows => \@rows, pages => $pages, bad => \@bad };
}

# Seconds since the epoch (with the fraction) of an RFC 3339 time, or undef.
sub ts_epoch {
	my ($v) = @_;
	return undef unless rfc3339_ok($v);
	my ($y, $mo, $d, $h, $mi, $s, $frac, $z) =
		$v =~ /\A(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)\z/;
	require Time::Local;
	my $t = Time::Local::timegm($s, $mi, $h, $d, $mo - 1, $y) + ($frac // 0);
	if ($z ne 'Z') {
		my ($sign, $oh, $om) = $z =~ /([+-])(\d\d):(\d\d)/;
		$t -= ($sign eq '+' ? 1 : -1) * ($oh * 3600 + $om * 60);
	}
	return $t;
}

# The ETag docs/INTERFACE.md gives a body: the first 32 hex digits of its
# SHA-256, quoted.
sub etag_of {
	my ($body) = @_;
	require Digest::SHA;
	return '"' . substr(Digest::SHA::sha256_hex($body), 0, 32) . '"';
}

# Send several requests, each on its own new connection, writing every one
# completely before reading any answer, so that the server works on them at
# the same time. Each request is {method, path, token, json, headers}.
# Returns the responses in the same order (as raw_request does).
sub send_together {
	my (@reqs) = @_;
	my ($host, $port) = $URL =~ m{^http://([^/:]+)(?::(\d+))?} or die "cannot parse JB_URL $URL";
	$port //= 80;
	local $SIG{PIPE} = 'IGNORE';
	my @socks;
	for my $q (@reqs) {
		my $body = exists $q->{json} ? $JSON->encode($q->{json}) : '';
		my $r = "$q->{method} $q->{path} HTTP/1.1\r\nHost: $host:$port\r\nConnection: close\r\n";
		$r .= "Authorization: Bearer $q->{token}\r\n" if defined $q->{token};
		$r .= "Content-Type: application/json\r\n" if exists $q->{json};
		$r .= "$_: $q->{headers}{$_}\r\n" for sort keys %{ $q->{headers} || {} };
		$r .= 'Content-Length: ' . length($body) . "\r\n\r\n$body";
		my $s = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp', Timeout => 5)
			or die "connect: $!";
		binmode $s;
		push @socks, [ $s, $r ];
	}
	# Every request is written before any answer is read.
	for my $p (@socks) {
		my ($s, $r) = @$p;
		while (length $r) {
			my $w = syswrite($s, $r);
			die "write: $!" unless defined $w;
			substr($r, 0, $w) = '';
		}
	}
	my @out;
	for my $p (@socks) {
		my $s = $p->[0];
		my $buf = '';
		my $deadline = time + 30;
		while (time < $deadline) {
			my $rin = '';
			vec($rin, fileno($s), 1) = 1;
			next unless select(my $rout = $rin, undef, undef, 0.5);
			my $n = sysread($s, $buf, 65536, length $buf);
			last if !defined $n || $n == 0;
		}
		close $s;
		my $res = _parse_raw($buf) || { status => 0, headers => {}, body => '', raw => $buf };
		$res->{body} = substr($res->{body}, 0, $res->{length}) if defined $res->{length};
		$res->{json} = json_body($res->{body});
		push @out, $res;
	}
	return @out;
}

1;
