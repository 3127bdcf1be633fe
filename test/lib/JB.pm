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

# ---------------------------------------------------------------- edge
#
# Helpers for the production-edge suites (test/http/3xx-*.t): a second
# server started from JB_SHIM_BIN with its own settings, requests from
# another loopback address, the Prometheus text format, background commands
# and throwaway PostgreSQL clusters in JB_TMPDIR (through scripts/cluster.sh
# and scripts/db-setup.sh). Not exported by default: `use JB qw(:DEFAULT :edge)`.
# Everything started here is stopped at exit, also when a test dies.

our %EXPORT_TAGS = (edge => [qw(
	shim_env start_shim stop_shim shim_alive sanitizer_report shim_log_tail
	req_at raw_at req_from
	parse_metrics metric_sum
	bg_run bg_wait wait_until start_request finish_request lock_row wait_lock_waiters
	free_pg_port pg_cluster pg_cluster_start pg_cluster_stop pg_cluster_destroy
	psql_on pg_bin as_pg repo_root
)]);
our @EXPORT_OK = @{ $EXPORT_TAGS{edge} };

use POSIX ();
use Fcntl ();
use File::Temp ();
use File::Spec ();
use Cwd ();

my (%edge_shims, %edge_bg, %edge_clusters);

# The repository root (this file is test/lib/JB.pm).
sub repo_root {
	my $d = Cwd::abs_path(__FILE__) // File::Spec->rel2abs(__FILE__);
	$d =~ s{/test/lib/JB\.pm\z}{} or die "cannot find the repository from $d\n";
	return $d;
}

sub _tmpdir { return $ENV{JB_TMPDIR} && -d $ENV{JB_TMPDIR} ? $ENV{JB_TMPDIR} : File::Spec->tmpdir }

# The environment the test server was started with (JB_SHIM_ENV), as a hash.
sub shim_env {
	my %e;
	my $f = $ENV{JB_SHIM_ENV} or return %e;
	open my $fh, '<', $f or die "cannot read JB_SHIM_ENV $f: $!\n";
	while (my $l = <$fh>) {
		chomp $l;
		next if $l =~ /\A\s*(?:#|\z)/;
		my ($k, $v) = split /=/, $l, 2;
		$e{$k} = $v // '';
	}
	return %e;
}

# start_shim(%env): another server from JB_SHIM_BIN with the environment of
# JB_SHIM_ENV, changed by %env (a key with value undef is removed), listening
# on a free port of 127.0.0.1 (JOBBOARD_LISTEN=127.0.0.1:0 unless given) in a
# directory of its own (no .env). Waits (20 s at most) until /health answers.
# Returns {pid, url, host, port, log, dir}; dies with the log's end otherwise.
sub start_shim {
	my (%over) = @_;
	my $bin = $ENV{JB_SHIM_BIN};
	die "JB_SHIM_BIN is not set\n" unless $bin && -x $bin;
	my %env = shim_env();
	$env{JOBBOARD_LISTEN} = '127.0.0.1:0';
	$env{JOBBOARD_LOG_FORMAT} = 'json';
	for my $k (keys %over) {
		if (defined $over{$k}) { $env{$k} = $over{$k} } else { delete $env{$k} }
	}
	my $dir = File::Temp::tempdir('shim-XXXXXX', DIR => _tmpdir());
	my $log = "$dir/shim.log";
	my $pid = fork;
	die "fork: $!\n" unless defined $pid;
	if (!$pid) {
		chdir $dir or POSIX::_exit(126);
		delete $ENV{$_} for grep { /\AJOBBOARD_/ } keys %ENV;
		$ENV{$_} = $env{$_} for keys %env;
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', $log or POSIX::_exit(126);
		open STDERR, '>&', \*STDOUT or POSIX::_exit(126);
		exec { $bin } $bin or POSIX::_exit(127);
	}
	my $s = { pid => $pid, log => $log, dir => $dir, env => \%env };
	$edge_shims{$pid} = $s;
	my $deadline = time + 20;
	my $addr;
	while (time < $deadline) {
		if (open my $fh, '<', $log) {
			local $/;
			my $text = <$fh> // '';
			($addr) = $text =~ /"msg":"listening"[^\n]*"address":"([^"]+)"/;
			last if $addr;
		}
		last unless shim_alive($s);
		Time::HiRes::sleep(0.05);
	}
	if (!$addr) {
		my $tail = shim_log_tail($s, 30);
		stop_shim($s, 2);
		die "the second server did not start listening within 20 s; its log:\n$tail\n";
	}
	($s->{host}, $s->{port}) = $addr =~ /\A\[?([^\]]*)\]?:(\d+)\z/;
	$s->{url} = "http://$s->{host}:$s->{port}";
	while (time < $deadline) {
		my $r = HTTP::Tiny->new(timeout => 2)->get("$s->{url}/health");
		return $s if $r->{status} == 200;
		last unless shim_alive($s);
		Time::HiRes::sleep(0.1);
	}
	my $tail = shim_log_tail($s, 30);
	stop_shim($s, 2);
	die "the second server did not answer /health within 20 s; its log:\n$tail\n";
}

# True while the server process runs (reaps it when it has exited).
sub shim_alive {
	my ($s) = @_;
	return 0 if defined $s->{exit};
	my $w = waitpid($s->{pid}, POSIX::WNOHANG());
	if ($w == $s->{pid}) {
		_record_exit($s, $?);
		return 0;
	}
	return $w == 0 ? 1 : 0;
}

sub _record_exit {
	my ($s, $st) = @_;
	$s->{signal} = $st & 127;
	$s->{exit} = $s->{signal} ? 128 + $s->{signal} : $st >> 8;
	$s->{exited_at} = time;
	delete $edge_shims{$s->{pid}};
}

# stop_shim($s, $timeout = 15, $signal = 'TERM'): signal the server and
# wait for it (bounded); SIGKILL when it outlives the bound. Returns the exit
# status (128 + n for a signal), undef when it had to be killed; sets
# $s->{elapsed} (seconds from the signal to the exit).
sub stop_shim {
	my ($s, $timeout, $signal) = @_;
	$timeout //= 15;
	return $s->{exit} if defined $s->{exit};
	my $t0 = time;
	kill($signal // 'TERM', $s->{pid});
	while (time - $t0 < $timeout) {
		last unless shim_alive($s);
		Time::HiRes::sleep(0.02);
	}
	$s->{elapsed} = time - $t0;
	return $s->{exit} if defined $s->{exit};
	kill 'KILL', $s->{pid};
	waitpid($s->{pid}, 0);
	delete $edge_shims{$s->{pid}};
	$s->{exit} = undef;
	$s->{killed} = 1;
	return undef;
}

# The sanitizer report in a server's log, or '' when there is none.
sub sanitizer_report {
	my ($s) = @_;
	open my $fh, '<', $s->{log} or return '';
	local $/;
	my $t = <$fh> // '';
	return $t =~ /(ERROR: (?:Address|Leak)Sanitizer.*|runtime error:.*|SUMMARY: [A-Za-z]*Sanitizer.*)/s
		? substr($1, 0, 4000) : '';
}

sub shim_log_tail {
	my ($s, $n) = @_;
	open my $fh, '<', $s->{log} or return "(no log: $!)";
	my @l = <$fh>;
	@l = @l[-$n .. -1] if @l > $n;
	return join '', @l;
}

# req_at($server_or_url, $method, $path, %opt): req() against another server.
sub req_at {
	my ($s, @args) = @_;
	local $URL = ref $s ? $s->{url} : $s;
	return req(@args);
}

# raw_at($server_or_url, $bytes, %opt): raw_request() against another server.
sub raw_at {
	my ($s, @args) = @_;
	local $URL = ref $s ? $s->{url} : $s;
	return raw_request(@args);
}

# req_from($local_address, $server_or_url, $method, $path, %opt): req() from
# a socket bound to another loopback address (127.0.0.2, ...), i.e. as
# another client IP.
sub req_from {
	my ($local, $s, @args) = @_;
	my $saved = $http;
	$http = HTTP::Tiny->new(agent => 'jobboard-http-tests/1', timeout => 30,
		keep_alive => 0, max_redirect => 0, local_address => $local);
	local $URL = defined $s ? (ref $s ? $s->{url} : $s) : $URL;
	my $r = eval { req(@args) };
	my $err = $@;
	$http = $saved;
	die $err if $err;
	return $r;
}

# parse_metrics($text): the Prometheus text exposition format (0.0.4) read
# strictly. Returns {samples => [{name, labels => {}, value}], types =>
# {family => type}, help => {family => text}, errors => [lines that are
# not valid]}.
sub parse_metrics {
	my ($text) = @_;
	my %m = (samples => [], types => {}, help => {}, errors => []);
	my $name_re = qr/[a-zA-Z_:][a-zA-Z0-9_:]*/;
	my $num_re = qr/[-+]?(?:\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|Inf|NaN)/;
	push @{ $m{errors} }, 'the text does not end with a newline' if $text ne '' && $text !~ /\n\z/;
	for my $line (split /\n/, $text) {
		next if $line eq '';
		if ($line =~ /\A# (HELP|TYPE) ($name_re) (.*)\z/) {
			my ($kind, $family, $what) = ($1, $2, $3);
			if ($kind eq 'TYPE') {
				push @{ $m{errors} }, "bad TYPE: $line"
					unless $what =~ /\A(?:counter|gauge|histogram|summary|untyped)\z/;
				push @{ $m{errors} }, "second TYPE for $family" if exists $m{types}{$family};
				$m{types}{$family} = $what;
			} else {
				$m{help}{$family} = $what;
			}
			next;
		}
		next if $line =~ /\A#/;
		if ($line =~ /\A($name_re)(?:\{(.*)\})? ($num_re)(?: -?\d+)?\z/) {
			my ($name, $lbl, $val) = ($1, $2 // '', $3);
			my %labels;
			my $rest = $lbl;
			while ($rest =~ s/\A\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"\s*(?:,|\z)//) {
				my ($k, $v) = ($1, $2);
				$v =~ s/\\(["\\n])/$1 eq 'n' ? "\n" : $1/ge;
				push @{ $m{errors} }, "label $k twice: $line" if exists $labels{$k};
				$labels{$k} = $v;
			}
			if ($rest =~ /\S/) {
				push @{ $m{errors} }, "bad labels: $line";
				next;
			}
			$val = $val eq 'Inf' || $val eq '+Inf' ? 9**9**9 : $val eq '-Inf' ? -9**9**9 : $val + 0
				unless $val eq 'NaN';
			push @{ $m{samples} }, { name => $name, labels => \%labels, value => $val, line => $line };
			next;
		}
		push @{ $m{errors} }, "not a sample or comment: $line";
	}
	return \%m;
}

# metric_sum($parsed, $name, %labels): the sum of the samples named $name
# whose labels include %labels (undef when there is none).
sub metric_sum {
	my ($m, $name, %want) = @_;
	my $sum;
	SAMPLE: for my $s (@{ $m->{samples} }) {
		next unless $s->{name} eq $name;
		for my $k (keys %want) {
			next SAMPLE unless defined $s->{labels}{$k} && $s->{labels}{$k} eq $want{$k};
		}
		$sum = ($sum // 0) + $s->{value};
	}
	return $sum;
}

# bg_run($shell_command, $output_file): run a command in the background
# (sh -c); returns its pid. bg_wait($pid, $timeout) -> its exit status, or
# undef when it is still running after $timeout seconds (then it is killed).
sub bg_run {
	my ($cmd, $out) = @_;
	$out //= '/dev/null';
	my $pid = fork;
	die "fork: $!\n" unless defined $pid;
	if (!$pid) {
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', $out or POSIX::_exit(126);
		open STDERR, '>&', \*STDOUT or POSIX::_exit(126);
		exec '/bin/sh', '-c', $cmd or POSIX::_exit(127);
	}
	$edge_bg{$pid} = 1;
	return $pid;
}

sub bg_wait {
	my ($pid, $timeout) = @_;
	my $t0 = time;
	while (time - $t0 < ($timeout // 30)) {
		my $w = waitpid($pid, POSIX::WNOHANG());
		if ($w == $pid) {
			delete $edge_bg{$pid};
			return $? >> 8;
		}
		return undef if $w < 0;
		Time::HiRes::sleep(0.02);
	}
	kill 'KILL', $pid;
	waitpid($pid, 0);
	delete $edge_bg{$pid};
	return undef;
}

# wait_until($timeout, $interval, $code): call $code every $interval
# seconds until it returns true or $timeout seconds have passed; returns its
# last value.
sub wait_until {
	my ($timeout, $interval, $code) = @_;
	my $deadline = time + $timeout;
	my $v;
	while (1) {
		$v = $code->();
		return $v if $v || time >= $deadline;
		Time::HiRes::sleep($interval);
	}
}

# ---- requests left in flight

# start_request($server_or_url, $method, $path, %opt): write a whole request
# (token, json, headers as for req) on a new connection and return at once;
# finish_request($h, $timeout = 30) reads its answer (raw_request's shape,
# plus {elapsed} from the start). %opt also takes local_address.
sub start_request {
	my ($s, $method, $path, %opt) = @_;
	my $url = ref $s ? $s->{url} : $s;
	my ($host, $port) = $url =~ m{^http://([^/:]+)(?::(\d+))?} or die "cannot parse $url";
	my $body = exists $opt{json} ? $JSON->encode($opt{json}) : ($opt{body} // '');
	my $r = "$method $path HTTP/1.1\r\nHost: $host:$port\r\nConnection: close\r\n";
	$r .= "Authorization: Bearer $opt{token}\r\n" if defined $opt{token};
	$r .= "Content-Type: application/json\r\n" if exists $opt{json};
	$r .= "$_: $opt{headers}{$_}\r\n" for sort keys %{ $opt{headers} || {} };
	$r .= 'Content-Length: ' . length($body) . "\r\n" if length $body || $method =~ /\A(?:POST|PATCH|PUT)\z/;
	$r .= "\r\n$body";
	my $sock = IO::Socket::INET->new(PeerAddr => $host, PeerPort => $port, Proto => 'tcp',
		Timeout => 5, $opt{local_address} ? (LocalAddr => $opt{local_address}) : ())
		or die "connect to $host:$port: $!\n";
	binmode $sock;
	local $SIG{PIPE} = 'IGNORE';
	my $t0 = time;
	while (length $r) {
		my $w = syswrite($sock, $r);
		die "write: $!\n" unless defined $w;
		substr($r, 0, $w) = '';
	}
	return { sock => $sock, t0 => $t0, what => "$method $path" };
}

sub finish_request {
	my ($h, $timeout) = @_;
	my $sock = $h->{sock};
	my $buf = '';
	my $deadline = time + ($timeout // 30);
	my $closed;
	while (time < $deadline) {
		my $rin = '';
		vec($rin, fileno($sock), 1) = 1;
		my $left = $deadline - time;
		$left = 0.01 if $left < 0.01;
		next unless select(my $rout = $rin, undef, undef, $left > 0.2 ? 0.2 : $left);
		my $n = sysread($sock, $buf, 65536, length $buf);
		if (!$n) { $closed = 1; last }
		my $p = _parse_raw($buf);
		last if $p && defined $p->{length} && length($p->{body}) >= $p->{length};
	}
	my $elapsed = time - $h->{t0};
	close $sock;
	my $res = _parse_raw($buf) || { status => 0, headers => {}, body => '', raw => $buf,
		error => $closed ? 'closed without an answer' : 'no answer in time' };
	$res->{body} = substr($res->{body}, 0, $res->{length}) if defined $res->{length};
	$res->{json} = json_body($res->{body});
	$res->{elapsed} = $elapsed;
	return $res;
}

# ---- slow requests made slow for real

# lock_row($select_for_update, $seconds, psql => $psql_command): a background
# psql session takes a row lock and holds it for $seconds, so that a request
# that writes that row waits on it. Returns once the lock is held (10 s at
# most, else dies), with the session's pid: bg_wait() it at the end.
# psql defaults to JB_PSQL.
sub lock_row {
	my ($select, $seconds, %opt) = @_;
	my $psql = $opt{psql} // $ENV{JB_PSQL};
	die "no psql command\n" unless $psql;
	my $tag = 'jb_lock_' . unique_tag();
	my $script = "BEGIN; $select; SELECT pg_sleep($seconds) AS $tag; COMMIT;";
	my $pid = bg_run("$psql -c " . _shell_quote($script), _tmpdir() . "/$tag.out");
	my $held = wait_until(10, 0.05, sub {
		my $n = `$psql -c "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%AS $tag%' AND wait_event = 'PgSleep'" 2>/dev/null`;
		return ($n // '') =~ /\A\s*1\s*\z/;
	});
	die "the lock session did not take its lock within 10 s\n" unless $held;
	return $pid;
}

# The number of the server's database sessions waiting for a lock (polls
# until it is at least $n, for $timeout seconds at most).
sub wait_lock_waiters {
	my ($n, $timeout, %opt) = @_;
	my $psql = $opt{psql} // $ENV{JB_PSQL};
	my $got = 0;
	wait_until($timeout // 10, 0.05, sub {
		my $v = `$psql -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND application_name LIKE 'jobboard-http%'" 2>/dev/null`;
		$got = ($v // '') =~ /(\d+)/ ? $1 : 0;
		return $got >= $n;
	});
	return $got;
}

# ---- throwaway clusters

# PostgreSQL's bin directory (from JB_PSQL, else pg_config).
sub pg_bin {
	if (have_psql() && $ENV{JB_PSQL} =~ m{\A(\S+)/psql\s}) {
		return $1;
	}
	my $d = `pg_config --bindir 2>/dev/null`;
	chomp $d;
	return $d || '/usr/lib/postgresql/15/bin';
}

# The command as the account that runs PostgreSQL (postgres when we are root).
sub as_pg {
	my (@cmd) = @_;
	return $> == 0 ? ('runuser', '-u', 'postgres', '--', @cmd) : @cmd;
}

# A port for a new cluster: nothing listens on it and no lock file claims it.
# JB_EDGE_PGPORT (default 55900) and the 49 ports after it are tried, from a
# random one on. The port stays reserved for this process (an flock on
# <tmp>/jobboard-edge-ports/<port>.lock) until pg_cluster_destroy, so that
# runs of these suites side by side never take each other's port, not even
# while a cluster is stopped.
my %edge_port_locks;

sub free_pg_port {
	my $from = $ENV{JB_EDGE_PGPORT} || 55900;
	my $n = 50;
	my $dir = File::Spec->tmpdir . '/jobboard-edge-ports';
	if (!-d $dir) {
		mkdir $dir;
		chmod 01777, $dir;
	}
	my $start = int rand $n;
	for my $i (0 .. $n - 1) {
		my $p = $from + ($start + $i) % $n;
		next if $edge_port_locks{$p};
		next if -e "/tmp/jobboard-$p/.s.PGSQL.$p.lock" || -e "/tmp/.s.PGSQL.$p.lock";
		open my $fh, '>>', "$dir/$p.lock" or next;
		if (!flock($fh, Fcntl::LOCK_EX() | Fcntl::LOCK_NB())) {
			close $fh;
			next;
		}
		my $sock = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $p,
			Proto => 'tcp', Listen => 1, ReuseAddr => 0);
		if (!$sock) {
			close $fh;
			next;
		}
		close $sock;
		$edge_port_locks{$p} = $fh;
		return $p;
	}
	die "no free port for a PostgreSQL cluster in $from.." . ($from + $n - 1) . "\n";
}

sub _release_port {
	my ($p) = @_;
	my $fh = delete $edge_port_locks{$p} or return;
	close $fh;
}

# Port, socket directory and connection strings of a cluster.
sub _cluster_port {
	my ($c, $port) = @_;
	$c->{port} = $port;
	$c->{sockdir} = "/tmp/jobboard-$port";
	$c->{conninfo} = "host=$c->{sockdir} port=$port user=jobboard_http dbname=jobboard";
	$c->{su_conninfo} = "host=$c->{sockdir} port=$port user=postgres dbname=jobboard";
}

sub _run_logged {
	my (@cmd) = @_;
	my $out = `@{[ join ' ', map { _shell_quote($_) } @cmd ]} 2>&1`;
	return ($? == 0, $out);
}

# pg_cluster($name, %opt): a new cluster in JB_TMPDIR/$name made by
# scripts/cluster.sh (as the test cluster is: trust authentication, the
# jobboard library preloaded, test/cluster.conf added), started, with
# database jobboard prepared by scripts/db-setup.sh (unless db => 0).
# %opt: conf => [extra settings lines]. Returns {name, datadir, port,
# sockdir, conninfo (as jobboard_http), su_conninfo}; dies on failure.
# Destroyed at exit unless pg_cluster_destroy ran.
sub pg_cluster {
	my ($name, %opt) = @_;
	my $root = repo_root();
	my $c = {
		name    => $name,
		datadir => _tmpdir() . "/$name",
		extra   => [],
	};
	_cluster_port($c, free_pg_port());
	$edge_clusters{ $c->{datadir} } = $c;
	push @{ $c->{extra} }, "$root/test/cluster.conf" if -f "$root/test/cluster.conf";
	if ($opt{conf} && @{ $opt{conf} }) {
		my $f = _tmpdir() . "/$name.conf";
		open my $fh, '>', $f or die "$f: $!\n";
		print $fh "$_\n" for @{ $opt{conf} };
		close $fh;
		chmod 0644, $f;
		push @{ $c->{extra} }, $f;
	}
	my ($ok, $out) = _run_logged("$root/scripts/cluster.sh", 'create', '-D', $c->{datadir}, '-p', $c->{port});
	die "cluster.sh create $name failed:\n$out\n" unless $ok;
	return $c if defined $opt{start} && !$opt{start};
	pg_cluster_start($c);
	if ($opt{db} // 1) {
		($ok, $out) = _run_logged("$root/scripts/db-setup.sh", '-p', $c->{port}, '-s', $c->{sockdir}, '-d', 'jobboard');
		die "db-setup.sh for $name failed:\n$out\n" unless $ok;
	}
	return $c;
}

# Start (again) on the cluster's port. The first start moves to another
# free port when something outside these suites took this one meanwhile.
sub pg_cluster_start {
	my ($c) = @_;
	my $root = repo_root();
	for my $try (1 .. 3) {
		my ($ok, $out) = _run_logged("$root/scripts/cluster.sh", 'start', '-D', $c->{datadir},
			'-p', $c->{port}, '--test', map { ('-c', $_) } @{ $c->{extra} });
		if ($ok) {
			$c->{started} = 1;
			return 1;
		}
		die "cluster.sh start $c->{name} failed:\n$out\n"
			if $c->{started} || $try == 3 || $out !~ /port \d+ is in use/;
		my $old = $c->{port};
		_cluster_port($c, free_pg_port());
		_release_port($old);
	}
}

# Fast shutdown (pg_ctl stop -m fast), as scripts/cluster.sh stop does.
sub pg_cluster_stop {
	my ($c) = @_;
	my ($ok, $out) = _run_logged(repo_root() . '/scripts/cluster.sh', 'stop', '-D', $c->{datadir}, '-p', $c->{port});
	die "cluster.sh stop $c->{name} failed:\n$out\n" unless $ok;
	return 1;
}

sub pg_cluster_destroy {
	my ($c) = @_;
	return unless delete $edge_clusters{ $c->{datadir} };
	_run_logged(repo_root() . '/scripts/cluster.sh', 'destroy', '-D', $c->{datadir}, '-p', $c->{port});
	_release_port($c->{port});
}

# psql_on($cluster, $sql, %opt): run SQL as the superuser on a cluster
# (database jobboard unless db => ...); dies on failure; output as sql().
sub psql_on {
	my ($c, $query, %opt) = @_;
	my @cmd = (pg_bin() . '/psql', '-h', $c->{sockdir}, '-p', $c->{port}, '-U', 'postgres',
		'-d', $opt{db} // 'jobboard', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-c', $query);
	my ($ok, $out) = _run_logged(@cmd);
	die "psql on $c->{name} failed for: $query\n$out" unless $ok;
	chomp $out;
	return wantarray ? split(/\n/, $out) : $out;
}

# ---------------------------------------------------------------- files and events (§3.7, §3.8)
#
# multipart/form-data bodies for POST /files, and a Server-Sent Events client
# on a raw socket that reads incrementally with deadlines. Not exported by
# default: `use JB qw(:DEFAULT :stream)`.

$EXPORT_TAGS{stream} = [qw(multipart upload_file sse_open sse_read sse_ended sse_close)];
push @EXPORT_OK, @{ $EXPORT_TAGS{stream} };

# multipart(@parts): a multipart/form-data body; each part is {name, data,
# filename (optional), type (optional)}. Names and filenames are encoded as
# browsers do (WHATWG: `"` as %22, CR and LF as %0D, %0A). Returns ($body,
# $content_type).
sub multipart {
	my (@parts) = @_;
	my $b = 'jbB' . unique_tag() . 'x' . int(rand 1e9);
	my $enc = sub {
		my ($s) = @_;
		utf8::encode($s) if utf8::is_utf8($s);
		$s =~ s/"/%22/g;
		$s =~ s/\r/%0D/g;
		$s =~ s/\n/%0A/g;
		return $s;
	};
	my $body = '';
	for my $p (@parts) {
		$body .= "--$b\r\nContent-Disposition: form-data; name=\"" . $enc->($p->{name}) . '"';
		$body .= '; filename="' . $enc->($p->{filename}) . '"' if defined $p->{filename};
		$body .= "\r\n";
		$body .= "Content-Type: $p->{type}\r\n" if defined $p->{type};
		$body .= "\r\n$p->{data}\r\n";
	}
	$body .= "--$b--\r\n";
	return ($body, "multipart/form-data; boundary=$b");
}

# upload_file($token, $bytes, %opt): POST /files with one part `file`.
# %opt: filename (default f.bin), type (the part's Content-Type), parts
# (more parts, as for multipart), headers, server (another server).
sub upload_file {
	my ($token, $data, %opt) = @_;
	my ($body, $ct) = multipart({ name => 'file', data => $data,
		filename => $opt{filename} // 'f.bin', type => $opt{type} }, @{ $opt{parts} || [] });
	my @a = ('POST', '/files', type => $ct, body => $body,
		defined $token ? (token => $token) : (), headers => $opt{headers} || {});
	return $opt{server} ? req_at($opt{server}, @a) : req(@a);
}

# sse_open($path, %opt): GET $path (default /events) on a new connection and
# read the answer's head. %opt: token (Authorization), last_event_id,
# headers, server, local_address, rcvbuf (SO_RCVBUF before connecting),
# timeout (for the head, default 15 s). Returns {status, headers, ...}; a
# non-200 answer's body is read whole ({body, json}) and the socket closed.
sub sse_open {
	my ($path, %opt) = @_;
	$path //= '/events';
	my $url = $opt{server} ? (ref $opt{server} ? $opt{server}{url} : $opt{server}) : $URL;
	my ($host, $port) = $url =~ m{^http://([^/:]+)(?::(\d+))?} or die "cannot parse $url";
	require Socket;
	my $sock;
	socket($sock, Socket::PF_INET(), Socket::SOCK_STREAM(), 0) or die "socket: $!";
	setsockopt($sock, Socket::SOL_SOCKET(), Socket::SO_RCVBUF(), $opt{rcvbuf}) or die "SO_RCVBUF: $!"
		if $opt{rcvbuf};
	if ($opt{local_address}) {
		bind($sock, Socket::pack_sockaddr_in(0, Socket::inet_aton($opt{local_address})))
			or die "bind $opt{local_address}: $!";
	}
	connect($sock, Socket::pack_sockaddr_in($port, Socket::inet_aton($host)))
		or die "connect $host:$port: $!";
	binmode $sock;
	my $r = "GET $path HTTP/1.1\r\nHost: $host:$port\r\nAccept: text/event-stream\r\n";
	$r .= "Authorization: Bearer $opt{token}\r\n" if defined $opt{token};
	$r .= "Last-Event-ID: $opt{last_event_id}\r\n" if defined $opt{last_event_id};
	$r .= "$_: $opt{headers}{$_}\r\n" for sort keys %{ $opt{headers} || {} };
	$r .= "\r\n";
	local $SIG{PIPE} = 'IGNORE';
	while (length $r) {
		my $w = syswrite($sock, $r);
		die "write: $!" unless defined $w;
		substr($r, 0, $w) = '';
	}
	my $c = { sock => $sock, raw => '', text => '', items => [], chunk_left => 0, crlf => 0,
		ended => 0, eof => 0, status => 0, headers => {} };
	my $deadline = time + ($opt{timeout} // 15);
	while (time < $deadline && index($c->{raw}, "\r\n\r\n") < 0 && !$c->{eof}) {
		_sse_recv($c, 0.2);
	}
	my $head = _parse_raw($c->{raw});
	if (!$head) {
		close $sock;
		return { status => 0, error => 'no answer head', raw => $c->{raw} };
	}
	$c->{status} = $head->{status};
	$c->{headers} = $head->{headers};
	$c->{raw} = $head->{body};
	$c->{chunked} = lc($head->{headers}{'transfer-encoding'} // '') eq 'chunked';
	if ($c->{status} != 200) {
		my $len = $head->{length} // 0;
		while (time < $deadline && length($c->{raw}) < $len && !$c->{eof}) {
			_sse_recv($c, 0.2);
		}
		close $sock;
		delete $c->{sock};
		$c->{body} = substr($c->{raw}, 0, $len);
		$c->{json} = json_body($c->{body});
		return $c;
	}
	_sse_feed($c);
	return $c;
}

# Read what the socket has within $wait seconds into {raw}; 0 at EOF.
sub _sse_recv {
	my ($c, $wait) = @_;
	return 0 if $c->{eof} || !$c->{sock};
	my $rin = '';
	vec($rin, fileno($c->{sock}), 1) = 1;
	my $n = select(my $rout = $rin, undef, undef, $wait);
	return 1 if $n <= 0;
	my $got = sysread($c->{sock}, $c->{raw}, 65536, length $c->{raw});
	if (!$got) {
		$c->{eof} = 1;
		return 0;
	}
	return 1;
}

# De-chunk {raw} into {text}, then split {text} into items.
sub _sse_feed {
	my ($c) = @_;
	if (!$c->{chunked}) {
		$c->{text} .= $c->{raw};
		$c->{raw} = '';
	}
	while ($c->{chunked} && !$c->{ended}) {
		if ($c->{chunk_left} > 0) {
			last if $c->{raw} eq '';
			my $k = $c->{chunk_left} < length $c->{raw} ? $c->{chunk_left} : length $c->{raw};
			$c->{text} .= substr($c->{raw}, 0, $k, '');
			$c->{chunk_left} -= $k;
			$c->{crlf} = 1 if $c->{chunk_left} == 0;
			next;
		}
		if ($c->{crlf}) {
			last if length $c->{raw} < 2;
			substr($c->{raw}, 0, 2, '');
			$c->{crlf} = 0;
			next;
		}
		last unless $c->{raw} =~ /\A([0-9a-fA-F]+)[^\r\n]*\r\n/;
		my $size = hex $1;
		substr($c->{raw}, 0, $+[0], '');
		if ($size == 0) {
			$c->{ended} = 1;
			last;
		}
		$c->{chunk_left} = $size;
	}
	while ($c->{text} =~ s/\A(.*?)\n\n//s) {
		my $block = $1;
		my %ev;
		my @comments;
		for my $line (split /\n/, $block) {
			if ($line =~ /\A:\s?(.*)\z/) {
				push @comments, $1;
			} elsif ($line =~ /\A([a-z]+):\s?(.*)\z/) {
				$ev{$1} = exists $ev{$1} && $1 eq 'data' ? "$ev{$1}\n$2" : $2;
			}
		}
		push @{ $c->{items} }, { comment => $_ } for @comments;
		if (exists $ev{data} || exists $ev{event} || exists $ev{id}) {
			$ev{json} = json_body($ev{data}) if defined $ev{data};
			push @{ $c->{items} }, \%ev;
		}
	}
}

# sse_read($c, %opt): items read from the stream, in order: events as
# {id, event, data, json}, comments as {comment}. Stops when `count` events
# (comments not counted) have come, when `until` returns true for an item
# (it is included), when the stream ends, or after `timeout` seconds
# (default 10). With comments => 0 comments are dropped from the result.
sub sse_read {
	my ($c, %opt) = @_;
	my $deadline = time + ($opt{timeout} // 10);
	my (@out, $events);
	$events = 0;
	while (1) {
		while (@{ $c->{items} }) {
			my $it = shift @{ $c->{items} };
			next if exists $it->{comment} && defined $opt{comments} && !$opt{comments};
			push @out, $it;
			$events++ unless exists $it->{comment};
			return @out if defined $opt{count} && $events >= $opt{count};
			return @out if $opt{until} && $opt{until}->($it);
		}
		last if $c->{ended} || $c->{eof} || !$c->{sock} || time >= $deadline;
		my $left = $deadline - time;
		_sse_recv($c, $left < 0.2 ? $left : 0.2);
		_sse_feed($c);
	}
	return @out;
}

# sse_ended($c, $timeout): true when the server ends the stream (last chunk
# or EOF) within $timeout seconds; what arrives meanwhile stays readable.
sub sse_ended {
	my ($c, $timeout) = @_;
	my $deadline = time + ($timeout // 10);
	while (!$c->{ended} && !$c->{eof} && $c->{sock} && time < $deadline) {
		_sse_recv($c, 0.2);
		_sse_feed($c);
	}
	return $c->{ended} || $c->{eof} ? 1 : 0;
}

sub sse_close {
	my ($c) = @_;
	close $c->{sock} if $c->{sock};
	delete $c->{sock};
}

END {
	my $st = $?;
	for my $s (values %edge_shims) {
		kill 'TERM', $s->{pid};
	}
	my $deadline = time + 5;
	for my $s (values %edge_shims) {
		while (time < $deadline && waitpid($s->{pid}, POSIX::WNOHANG()) == 0) {
			Time::HiRes::sleep(0.05);
		}
		kill 'KILL', $s->{pid};
		waitpid($s->{pid}, 0);
	}
	for my $pid (keys %edge_bg) {
		kill 'KILL', $pid;
		waitpid($pid, 0);
	}
	for my $c (values %edge_clusters) {
		pg_cluster_destroy($c);
	}
	$? = $st;
}

1;
