#!/usr/bin/perl
# API.md §3.2 users administration: GET /users (permission, filters, sorts,
# limits, cursors, pages, count), GET /users/{id} (self or users:read, ETag),
# PATCH /users/{id} (name, roles, disabled; effect on the user's next request;
# If-Match), DELETE /users/{id}. The last-admin rules are in 65-last-admin.t.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;
use Digest::SHA ();

need_psql();
my $A = make_admin();
my $C = register_user();
my $E = register_user(role => 'employer');
my $r;

sub list { req('GET', "/users?$_[0]", token => $_[1] // $A->{access}) }
sub ids { [ map { $_->{id} } @{ $_[0]{json}{data} || [] } ] }

# ------------------------------------------------------------ who may list

problem_ok(req('GET', '/users'), 401, 'unauthorized', 'GET /users without a token');
problem_ok(list('', $C->{access}), 403, 'forbidden', 'GET /users as a candidate');
problem_ok(list('', $E->{access}), 403, 'forbidden', 'GET /users as an employer');
$r = list('count=exact');
is($r->{status}, 200, 'GET /users as admin');
is(join(',', sort keys %{ $r->{json} || {} }), 'data,next_cursor,total', 'list answer has data, next_cursor, total');
is(ref $r->{json}{data}, 'ARRAY', 'data is an array');
my $total = $r->{json}{total};
like($total // '', qr/\A\d+\z/, 'total is a number');
is(scalar @{ $r->{json}{data} }, $total < 20 ? $total : 20, 'the default limit is 20');
user_shape_ok($r->{json}{data}[0], 'a listed user');
$r = list('');
ok(!exists $r->{json}{total}, 'no total without count=exact');

# ------------------------------------------------------------ a known set of users

# Seven users sharing a unique prefix; names and emails are permutations of
# one another so that each sort gives a different order. Creation order is
# 0..6. User 2 is made an employer, user 5 is disabled.
my $P = 'ul' . unique_tag();
my @nl = qw(d a f c g b e);
my @el = qw(b g a e c f d);
my @U;
for my $i (0 .. 6) {
	push @U, register_user(name => "$P $nl[$i]", email => "$P.$el[$i]\@example.com",
		role => $i == 2 ? 'employer' : undef);
}
is(req('PATCH', "/users/$U[5]{id}", token => $A->{access}, json => { disabled => JSON::PP::true })->{status}, 200,
	'user 5 disabled');
my @by_created = map { $_->{id} } @U;
my @by_name = map { $_->{id} } sort { $a->{name} cmp $b->{name} } @U;
my @by_email = map { $_->{id} } sort { $a->{email} cmp $b->{email} } @U;

$r = list("q=$P&sort=created_at&limit=100");
is_deeply(ids($r), \@by_created, 'q=prefix sort=created_at: the 7 users in creation order');
is($r->{json}{next_cursor}, undef, 'a complete page has next_cursor null');
ok(!defined hdr($r, 'link'), 'and no Link header');
is_deeply(ids(list("q=$P&sort=-created_at&limit=100")), [ reverse @by_created ], 'sort=-created_at');
is_deeply(ids(list("q=$P&sort=name&limit=100")), \@by_name, 'sort=name');
is_deeply(ids(list("q=$P&sort=-name&limit=100")), [ reverse @by_name ], 'sort=-name');
is_deeply(ids(list("q=$P&sort=email&limit=100")), \@by_email, 'sort=email');
is_deeply(ids(list("q=$P&sort=-email&limit=100")), [ reverse @by_email ], 'sort=-email');
for my $bad ('password_hash', 'id2', 'roles', '-', '--name', 'name,email', 'NAME') {
	problem_ok(list("q=$P&sort=$bad"), 400, 'bad_request', "unknown sort '$bad'");
}

# Filters.
is_deeply([ sort { $a <=> $b } @{ ids(list("q=$P&role=employer&limit=100")) } ], [ $U[2]{id} ], 'role=employer');
is_deeply([ sort { $a <=> $b } @{ ids(list("q=$P&role=candidate&limit=100")) } ],
	[ sort { $a <=> $b } map { $U[$_]{id} } 0, 1, 3, 4, 5, 6 ], 'role=candidate');
is_deeply(ids(list("q=$P&disabled=true&limit=100")), [ $U[5]{id} ], 'disabled=true');
is_deeply(ids(list("q=$P&disabled=false&sort=created_at&limit=100")), [ map { $U[$_]{id} } 0 .. 4, 6 ], 'disabled=false');
problem_ok(list("q=$P&disabled=maybe"), 400, 'bad_request', 'disabled=maybe');
is_deeply(ids(list("q=" . uri("$P g"))), [ $U[4]{id} ], 'q matches a name ("<prefix> g")');
is_deeply(ids(list("q=" . uri("$P.g\@"))), [ $U[1]{id} ], 'q matches an email ("<prefix>.g@")');
# Decision: "contains" is case-insensitive, as emails are compared (§3.1).
is(scalar @{ ids(list('q=' . uc($P) . '&limit=100')) }, 7, 'q is case-insensitive');
is_deeply(ids(list('q=' . uri("zz-no-such-$P"))), [], 'q that matches nothing gives an empty list');
# LIKE metacharacters are taken literally.
is_deeply(ids(list('q=' . uri("$P%"))), [], 'q with % matches literally');
is_deeply(ids(list('q=' . uri("${P}_"))), [], 'q with _ matches literally');
is(list('q=' . uri("' OR '1'='1"))->{status}, 200, 'q with SQL quotes is just text');
is_deeply(ids(list('q=' . uri("' OR '1'='1"))), [], 'and matches nothing');

# count=exact, with filters.
$r = list("q=$P&count=exact&limit=2");
is($r->{json}{total}, 7, 'count=exact with q: total 7');
is(scalar @{ $r->{json}{data} }, 2, 'while data holds limit=2 users');
is(list("q=$P&count=exact&disabled=false")->{json}{total}, 6, 'count=exact with disabled=false: 6');
problem_ok(list("q=$P&count=maybe"), 400, 'bad_request', 'count=maybe');

# limit bounds.
is(scalar @{ ids(list("q=$P&limit=1")) }, 1, 'limit=1');
is(list("q=$P&limit=100")->{status}, 200, 'limit=100');
for my $bad ('0', '101', 'abc', '-1', '1.5', '1e1', '', '10%20') {
	problem_ok(list("q=$P&limit=$bad"), 400, 'bad_request', "limit=$bad");
}
problem_ok(list("q=$P&limit=1&limit=2"), 400, 'bad_request', 'limit given twice');

# ------------------------------------------------------------ cursor walk

for my $sort ('created_at', 'name', '-email') {
	my @want = $sort eq 'created_at' ? @by_created : $sort eq 'name' ? @by_name : reverse @by_email;
	my (@seen, $cursor, @bad);
	my $pages = 0;
	do {
		my $q = "q=$P&sort=$sort&limit=2" . (defined $cursor ? '&cursor=' . uri($cursor) : '');
		my $x = list($q);
		push @bad, "page $pages: status $x->{status}" if $x->{status} != 200;
		push @seen, @{ ids($x) };
		$cursor = $x->{json}{next_cursor};
		my $link = hdr($x, 'link');
		if (defined $cursor) {
			push @bad, "page $pages: no Link rel=\"next\"" unless defined $link && $link =~ /\A<[^>]+>;\s*rel="next"\z/;
			push @bad, "page $pages: Link does not carry the cursor"
				unless defined $link && $link =~ /cursor=/;
			push @bad, "page $pages: next_cursor not a string" if ref $cursor;
		} else {
			push @bad, "last page: a Link header" if defined $link;
		}
		$pages++;
	} while (defined $cursor && $pages < 10);
	is_deeply(\@seen, \@want, "cursor walk sort=$sort limit=2 visits every user once, in order");
	is($pages, 4, "cursor walk sort=$sort takes 4 pages");
	is("@bad", '', "cursor walk sort=$sort: Link headers and page statuses");
}

# Following the Link header gives the same page as the cursor.
{
	my $x = list("q=$P&sort=name&limit=3");
	my $link = hdr($x, 'link') // '';
	my ($target) = $link =~ /<([^>]+)>/;
	ok(defined $target, 'Link has a <target>');
	if (defined $target) {
		$target =~ s{\Ahttps?://[^/]+}{};
		my $y = req('GET', $target, token => $A->{access});
		is($y->{status}, 200, 'the Link target answers 200');
		is_deeply(ids($y), [ @by_name[3 .. 5] ], 'the Link target is the next page');
	}

	# A tampered cursor is a 400.
	my $c = $x->{json}{next_cursor} // 'x';
	my $t = $c;
	my $mid = int(length($t) / 2);
	substr($t, $mid, 1) = substr($t, $mid, 1) eq 'A' ? 'B' : 'A';
	problem_ok(list("q=$P&sort=name&limit=3&cursor=" . uri($t)), 400, 'bad_request', 'a cursor with one character changed');
	problem_ok(list("q=$P&sort=name&limit=3&cursor=" . uri(substr($c, 0, -2))), 400, 'bad_request', 'a truncated cursor');
	problem_ok(list("q=$P&sort=name&limit=3&cursor=" . uri("$c$c")), 400, 'bad_request', 'a doubled cursor');
	problem_ok(list("q=$P&sort=name&limit=3&cursor=eyJpZCI6MX0"), 400, 'bad_request', 'a hand-made cursor {"id":1}');
	# Decision: a cursor minted for another sort is "foreign" (§1.2).
	problem_ok(list("q=$P&sort=email&limit=3&cursor=" . uri($c)), 400, 'bad_request', 'a cursor of another sort');
	problem_ok(list("q=$P&sort=name&limit=3&page=2&cursor=" . uri($c)), 400, 'bad_request', 'cursor together with page');
}

# Keyset, not offset: a row inserted before the cursor's position during a
# walk is not seen, and no row is seen twice.
{
	my $Q = 'uk' . unique_tag();
	my @G = map { register_user(name => "$Q $_") } qw(b c d e f);
	my $x = list("q=$Q&sort=name&limit=2");
	my @seen = @{ ids($x) };
	register_user(name => "$Q a");	# sorts before everything seen
	my $cursor = $x->{json}{next_cursor};
	my $n = 0;
	while (defined $cursor && $n++ < 10) {
		$x = list("q=$Q&sort=name&limit=2&cursor=" . uri($cursor));
		push @seen, @{ ids($x) };
		$cursor = $x->{json}{next_cursor};
	}
	is_deeply(\@seen, [ map { $_->{id} } @G ], 'a user inserted before the cursor during a walk shifts nothing');
}

# Ties are broken by id (§1.2): users with one name come in id order, and a
# walk of one row per page through the tie sees each exactly once, in both
# directions.
{
	my $T = 'ut' . unique_tag();
	my @tie = map { register_user(name => "$T same", email => "$T.$_\@example.com") } 1 .. 4;
	my @ids = sort { $a <=> $b } map { $_->{id} } @tie;
	is_deeply(ids(list("q=$T&sort=name&limit=100")), \@ids, 'equal names are ordered by id');
	for my $sort ('name', '-name', 'created_at', '-created_at') {
		my (@seen, $cursor);
		my $n = 0;
		do {
			my $x = list("q=$T&sort=$sort&limit=1" . (defined $cursor ? '&cursor=' . uri($cursor) : ''));
			push @seen, @{ ids($x) };
			$cursor = $x->{json}{next_cursor};
		} while (defined $cursor && ++$n < 10);
		is_deeply([ sort { $a <=> $b } @seen ], \@ids, "a walk with limit=1 through ties (sort=$sort) sees each user once");
	}
}

# ------------------------------------------------------------ page=

is_deeply(ids(list("q=$P&sort=created_at&limit=2&page=1")), [ @by_created[0, 1] ], 'page=1');
is_deeply(ids(list("q=$P&sort=created_at&limit=2&page=2")), [ @by_created[2, 3] ], 'page=2');
is_deeply(ids(list("q=$P&sort=created_at&limit=2&page=4")), [ $by_created[6] ], 'page=4 (last, partial)');
is_deeply(ids(list("q=$P&sort=created_at&limit=2&page=5")), [], 'page=5 is empty');
is(list("q=$P&limit=100&page=100")->{status}, 200, 'page*limit = 10,000 is allowed');
problem_ok(list("q=$P&limit=100&page=101"), 400, 'bad_request', 'page*limit over 10,000');
problem_ok(list("q=$P&page=501"), 400, 'bad_request', 'page 501 with the default limit of 20');
for my $bad ('0', '-1', 'abc', '1.5') {
	problem_ok(list("q=$P&page=$bad"), 400, 'bad_request', "page=$bad");
}

# ------------------------------------------------------------ GET /users/{id}

$r = req('GET', "/users/$C->{id}", token => $C->{access});
is($r->{status}, 200, 'a candidate reads itself through /users/{id}');
user_shape_ok($r->{json}, 'GET /users/{self}');
is($r->{json}{id}, $C->{id}, 'it is the candidate');
# Decision: users are not secret resources in the sense of §1.1 (their
# existence is not what is protected), so a caller without users:read asking
# for another user gets 403, not 404.
problem_ok(req('GET', "/users/$E->{id}", token => $C->{access}), 403, 'forbidden', 'a candidate reads another user');
problem_ok(req('GET', "/users/$C->{id}", token => $E->{access}), 403, 'forbidden', 'an employer reads another user');
problem_ok(req('GET', "/users/$C->{id}"), 401, 'unauthorized', 'GET /users/{id} without a token');
$r = req('GET', "/users/$C->{id}", token => $A->{access});
is($r->{status}, 200, 'the admin reads a candidate');
is_deeply($r->{json}, req('GET', '/me', token => $C->{access})->{json}, 'the admin sees what /me shows');
problem_ok(req('GET', '/users/999999999999', token => $A->{access}), 404, 'not_found', 'a user id that does not exist');
problem_ok(req('GET', '/users/abc', token => $A->{access}), 404, 'not_found', 'a non-integer user id');

# ETag on a single resource (§1.3, docs/INTERFACE.md).
my $etag = hdr($r, 'etag') // '';
like($etag, qr/\A"[^"]+"\z/, 'GET /users/{id} sends a strong, quoted ETag');
$r = req('GET', "/users/$C->{id}", token => $A->{access}, headers => { 'If-None-Match' => $etag });
is($r->{status}, 304, 'If-None-Match with the current ETag is 304');
is($r->{body}, '', 'a 304 has no body');
security_headers_ok($r, '304');
is(hdr($r, 'etag'), $etag, 'a 304 repeats the ETag');
$r = req('GET', "/users/$C->{id}", token => $A->{access}, headers => { 'If-None-Match' => '"0000"' });
is($r->{status}, 200, 'If-None-Match with another tag is 200');
# docs/INTERFACE.md: the tag is the first 32 hex digits of SHA-256 of the body.
is($etag, '"' . substr(Digest::SHA::sha256_hex($r->{body}), 0, 32) . '"', 'the ETag is derived from the body (INTERFACE.md)');
# RFC 9110 §13.1.2: a list of tags, and weak comparison for If-None-Match.
$r = req('GET', "/users/$C->{id}", token => $A->{access}, headers => { 'If-None-Match' => qq("0000", $etag) });
is($r->{status}, 304, 'If-None-Match with a list holding the current tag is 304');
$r = req('GET', "/users/$C->{id}", token => $A->{access}, headers => { 'If-None-Match' => "W/$etag" });
is($r->{status}, 304, 'If-None-Match compares weakly (W/ prefix) and is 304');
# The ETag is per representation: the self view equals the admin view.
is(hdr(req('GET', "/users/$C->{id}", token => $C->{access}), 'etag'), $etag, 'the same user has the same ETag for any reader');

# ------------------------------------------------------------ PATCH /users/{id}

$r = req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { name => 'Renamed By Admin' });
is($r->{status}, 200, 'the admin renames a user');
user_shape_ok($r->{json}, 'PATCH /users/{id}');
is($r->{json}{name}, 'Renamed By Admin', 'the answer has the new name');
is(req('GET', '/me', token => $C->{access})->{json}{name}, 'Renamed By Admin', 'the user sees the new name');

# If-Match (§1.3): a stale tag is 412 and changes nothing.
{
	my $cur = hdr(req('GET', "/users/$C->{id}", token => $A->{access}), 'etag');
	isnt($cur, $etag, 'the ETag changed with the user');
	$r = req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { name => 'Stale Write' },
		headers => { 'If-Match' => $etag });
	problem_ok($r, 412, 'precondition_failed', 'PATCH with a stale If-Match');
	is(req('GET', '/me', token => $C->{access})->{json}{name}, 'Renamed By Admin', 'the stale PATCH changed nothing');
	# Order of §1.0: existence (404) and validation (422) before state (412).
	problem_ok(req('PATCH', '/users/999999999999', token => $A->{access}, json => { name => 'X' },
		headers => { 'If-Match' => $etag }), 404, 'not_found', 'stale If-Match on an unknown id: 404 first');
	problem_ok(req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { name => '' },
		headers => { 'If-Match' => $etag }), 422, 'validation_failed', 'stale If-Match and an invalid body: 422 first',
		only_fields => ['name']);
	$r = req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { name => 'Fresh Write' },
		headers => { 'If-Match' => $cur });
	is($r->{status}, 200, 'PATCH with the current If-Match');
	is($r->{json}{name}, 'Fresh Write', 'and it applied');
	is(hdr(req('GET', "/users/$C->{id}", token => $A->{access}), 'etag'),
		'"' . substr(Digest::SHA::sha256_hex(req('GET', "/users/$C->{id}", token => $A->{access})->{body}), 0, 32) . '"',
		'the new ETag follows the new body');
	$r = req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { name => 'Fresh Write' }, headers => { 'If-Match' => '*' });
	is($r->{status}, 200, 'If-Match: * matches the existing user (RFC 9110)');
}

# Role changes bite on the user's very next request (§2), same token.
problem_ok(list('', $C->{access}), 403, 'forbidden', 'before: the candidate cannot list users');
$r = req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { roles => [ 'candidate', 'admin' ] });
is($r->{status}, 200, 'the admin grants admin to the candidate');
ok(sorted_eq($r->{json}{roles} || [], [ 'candidate', 'admin' ]), 'the answer shows both roles');
is(list('', $C->{access})->{status}, 200, 'after: the same token lists users');
ok(sorted_eq(req('GET', '/me', token => $C->{access})->{json}{roles} || [], [ 'candidate', 'admin' ]),
	'GET /me shows both roles');
$r = req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { roles => ['employer'] });
is($r->{status}, 200, 'the admin makes the user an employer only');
is_deeply($r->{json}{roles}, ['employer'], 'roles is ["employer"]');
problem_ok(list('', $C->{access}), 403, 'forbidden', 'the admin role is gone on the next request');
is_deeply(req('GET', '/me', token => $C->{access})->{json}{roles}, ['employer'], 'GET /me shows ["employer"]');
# users:manage sets any roles (§3.2). The admin role lacks
# applications:create (§2), yet the admin must be able to make a user a
# candidate: otherwise no one could ever give that role.
is(req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { roles => ['candidate'] })->{status}, 200,
	'back to candidate');
{
	my $emp = register_user(role => 'employer');
	$r = req('PATCH', "/users/$emp->{id}", token => $A->{access}, json => { roles => ['candidate'] });
	is($r->{status}, 200, 'the admin turns an employer into a candidate');
	is_deeply(req('GET', '/me', token => $emp->{access})->{json}{roles}, ['candidate'], 'the user is a candidate now');
	$r = req('PATCH', "/users/$emp->{id}", token => $A->{access}, json => { roles => [ 'employer', 'candidate' ] });
	is($r->{status}, 200, 'the admin gives a user both employer and candidate');
}

# A grant through SQL (the first-admin path) bites on the next request too.
{
	my $g = register_user();
	problem_ok(list('', $g->{access}), 403, 'forbidden', 'before grant_role: 403');
	sql("SELECT jobboard.grant_role('$g->{email}', 'admin')");
	is(list('', $g->{access})->{status}, 200, 'after grant_role: the same token lists users');
	# Demote again so this user does not linger as an admin.
	is(req('PATCH', "/users/$g->{id}", token => $A->{access}, json => { roles => ['candidate'] })->{status}, 200,
		'demoted again');
}

# Validation.
for my $case (
	[ { roles => [] }, ['roles'], 'roles empty (a user has one or more roles)' ],
	[ { roles => ['nope'] }, ['roles[0]'], 'an unknown role' ],
	[ { roles => [ 'candidate', 'nope' ] }, ['roles[1]'], 'an unknown role in second place' ],
	[ { roles => 'admin' }, ['roles'], 'roles as a string' ],
	[ { roles => [1] }, ['roles[0]'], 'a number in roles' ],
	[ { roles => undef }, ['roles'], 'roles null' ],
	[ { disabled => 'yes' }, ['disabled'], 'disabled as a string' ],
	[ { disabled => 1 }, ['disabled'], 'disabled as a number' ],
	[ { disabled => undef }, ['disabled'], 'disabled null' ],
	[ { name => '' }, ['name'], 'empty name' ],
	[ { name => undef }, ['name'], 'null name' ],
	[ { email => 'x@example.com' }, ['email'], 'email is not a field' ],
	[ { password => 'Quiet-Lake-42' }, ['password'], 'password is not a field' ],
	[ { name => 'Ok', shoe_size => 44 }, ['shoe_size'], 'an unknown field' ],
) {
	my ($body, $fields, $what) = @$case;
	$r = req('PATCH', "/users/$C->{id}", token => $A->{access}, json => $body);
	problem_ok($r, 422, 'validation_failed', "PATCH /users/{id}: $what", only_fields => $fields);
}
$r = req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { roles => [ 'x1', 'candidate', 'x2' ] });
problem_ok($r, 422, 'validation_failed', 'two unknown roles are both named', only_fields => [ 'roles[0]', 'roles[2]' ]);
$r = req('GET', "/users/$C->{id}", token => $A->{access});
is($r->{json}{name}, 'Fresh Write', 'refused PATCHes left the name');
is_deeply($r->{json}{roles}, ['candidate'], 'and the roles');
problem_ok(req('PATCH', "/users/$C->{id}", token => $A->{access}, json => { id => $C->{id} + 1 }), 400, 'bad_request',
	'id both in the path and in the body');
problem_ok(req('PATCH', '/users/999999999999', token => $A->{access}, json => { name => 'Ghost' }), 404, 'not_found',
	'PATCH a user that does not exist');
problem_ok(req('PATCH', "/users/$E->{id}", token => $C->{access}, json => { name => 'Hijack' }), 403, 'forbidden',
	'a candidate PATCHes another user');
problem_ok(req('PATCH', "/users/$C->{id}", token => $C->{access}, json => { name => 'Self' }), 403, 'forbidden',
	'a candidate PATCHes itself through /users/{id} (needs users:manage)');

# Disabling: sessions revoked, next request 401, login refused; enabling again.
{
	my $d = register_user();
	my $s2 = login_ok($d->{email}, $d->{password});
	$r = req('PATCH', "/users/$d->{id}", token => $A->{access}, json => { disabled => JSON::PP::true });
	is($r->{status}, 200, 'the admin disables a user');
	ok($r->{json}{disabled}, 'the answer shows disabled true');
	problem_ok(req('GET', '/me', token => $d->{access}), 401, 'unauthorized', 'the disabled user\'s next request');
	is(req('GET', '/me', token => $s2->{access})->{status}, 401, 'every session of the disabled user is refused');
	problem_ok(req('POST', '/auth/refresh', json => { refresh_token => $s2->{refresh} }), 401, 'unauthorized',
		'the disabled user cannot refresh');
	# Decision: API.md does not name the status of a disabled user's login;
	# 401 (invalid_credentials, saying nothing) or 403 (forbidden) are both
	# accepted, never a token.
	my $l = login($d->{email}, $d->{password});
	ok($l->{status} == 401 || $l->{status} == 403, "the disabled user's login is refused with 401 or 403 (got $l->{status})");
	problem_ok($l, $l->{status}, $l->{status} == 401 ? 'invalid_credentials' : 'forbidden', 'disabled login')
		if $l->{status} == 401 || $l->{status} == 403;
	ok(!exists(($l->{json} || {})->{access_token}), 'and gets no token');
	ok(req('GET', "/users/$d->{id}", token => $A->{access})->{json}{disabled}, 'GET /users/{id} shows disabled');

	$r = req('PATCH', "/users/$d->{id}", token => $A->{access}, json => { disabled => JSON::PP::false });
	is($r->{status}, 200, 'the admin enables the user again');
	ok(!$r->{json}{disabled}, 'the answer shows disabled false');
	is(req('GET', '/me', token => $d->{access})->{status}, 401, 'old sessions stay revoked after enabling');
	is(login($d->{email}, $d->{password})->{status}, 200, 'the enabled user logs in again');
}

# ------------------------------------------------------------ DELETE /users/{id}

{
	my $x = register_user();
	my $y = register_user();
	problem_ok(req('DELETE', "/users/$y->{id}", token => $x->{access}), 403, 'forbidden', 'a candidate deletes another user');
	problem_ok(req('DELETE', "/users/$x->{id}", token => $x->{access}), 403, 'forbidden', 'a candidate deletes itself');
	problem_ok(req('DELETE', "/users/$y->{id}", token => $E->{access}), 403, 'forbidden', 'an employer deletes a user');
	problem_ok(req('DELETE', "/users/$y->{id}"), 401, 'unauthorized', 'DELETE /users/{id} without a token');
	is(req('GET', '/me', token => $y->{access})->{status}, 200, 'the refused deletes left the user');

	my $tag = hdr(req('GET', "/users/$y->{id}", token => $A->{access}), 'etag');
	problem_ok(req('DELETE', "/users/$y->{id}", token => $A->{access}, headers => { 'If-Match' => '"stale0000"' }),
		412, 'precondition_failed', 'DELETE with a stale If-Match');
	is(req('GET', '/me', token => $y->{access})->{status}, 200, 'the stale DELETE left the user');

	$r = req('DELETE', "/users/$y->{id}", token => $A->{access}, headers => { 'If-Match' => $tag });
	is($r->{status}, 204, 'the admin deletes a user (with the current If-Match)');
	is($r->{body}, '', 'DELETE has no body');
	security_headers_ok($r, 'DELETE /users/{id}');
	problem_ok(req('GET', "/users/$y->{id}", token => $A->{access}), 404, 'not_found', 'the deleted user is gone');
	problem_ok(req('GET', '/me', token => $y->{access}), 401, 'unauthorized', 'the deleted user\'s token is refused');
	problem_ok(login($y->{email}, $y->{password}), 401, 'invalid_credentials', 'the deleted user cannot log in');
	problem_ok(req('POST', '/auth/refresh', json => { refresh_token => $y->{refresh} }), 401, 'unauthorized',
		'the deleted user\'s refresh token is refused');
	problem_ok(req('DELETE', "/users/$y->{id}", token => $A->{access}), 404, 'not_found', 'deleting again');
	problem_ok(req('DELETE', '/users/999999999999', token => $A->{access}), 404, 'not_found', 'deleting an unknown id');
	is(req('POST', '/auth/register', json => { email => $y->{email}, password => $y->{password}, name => 'Again' })->{status},
		201, 'the deleted user\'s email can be registered again');
	is(scalar @{ ids(list('q=' . uri($y->{email}))) }, 1, 'and is listed once');
}

sub uri {
	my ($s) = @_;
	utf8::encode($s) if utf8::is_utf8($s);
	$s =~ s/([^A-Za-z0-9._~-])/sprintf('%%%02X', ord $1)/ge;
	return $s;
}

done_testing;
