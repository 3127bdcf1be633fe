#!/usr/bin/perl
# API.md §1 authentication and §1.0 on every route of §3.3-§3.6 and GET
# /me/applications: a route that needs a user answers 401 with
# WWW-Authenticate: Bearer to a missing token, and 401 with
# error="invalid_token" to a malformed, wrongly signed, expired or revoked
# one; public routes answer without a token but refuse a bad one; nothing
# is written by a refused request.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $E = register_user(role => 'employer');
my $C = register_user();
my $co = new_company($E->{access});
my $job = new_job($E->{access}, $co->{id});
my $app = req('POST', "/jobs/$job->{id}/applications", token => $C->{access}, json => {})->{json};
my $note = req('POST', '/notes', token => $C->{access}, json => { title => 'A note' })->{json};
my $cid = $co->{id};

# Tokens that must be refused: malformed, tampered, expired (signed with the
# database's key), revoked (its session logged out).
my %bad = (malformed => 'not-a-jwt', tampered => substr($C->{access}, 0, -2) . (substr($C->{access}, -2) eq 'AA' ? 'BB' : 'AA'));
{
	my $key = signing_key($C->{access});
	my ($h, $p) = jwt_parts($C->{access});
	if ($key && $p) {
		$bad{expired} = jwt_sign($h, { %$p, iat => time - 7200, exp => time - 3600 }, $key);
	}
	my $s = login_ok($C->{email}, $C->{password});
	is(req('POST', '/auth/logout', json => { refresh_token => $s->{refresh} })->{status}, 204, 'a second session is logged out');
	$bad{revoked} = $s->{access};
}
ok(exists $bad{expired}, 'an expired token could be forged with the database key') or diag 'signing key unavailable';

my @user_routes = (
	[ 'POST', '/companies', { name => 'Unauth ' . unique_tag() } ],
	[ 'PATCH', "/companies/$cid", { location => 'Nowhere' } ],
	[ 'DELETE', "/companies/$cid", undef ],
	[ 'GET', "/companies/$cid/members", undef ],
	[ 'POST', "/companies/$cid/members", { email => $C->{email}, role => 'owner' } ],
	[ 'DELETE', "/companies/$cid/members/$E->{id}", undef ],
	[ 'POST', '/jobs', { company_id => $cid, title => 'Unauth job', description => 'x', employment_type => 'contract' } ],
	[ 'PATCH', "/jobs/$job->{id}", { title => 'Unauth title' } ],
	[ 'DELETE', "/jobs/$job->{id}", undef ],
	[ 'POST', "/jobs/$job->{id}/applications", {} ],
	[ 'GET', "/jobs/$job->{id}/applications", undef ],
	[ 'GET', "/applications/$app->{id}", undef ],
	[ 'PATCH', "/applications/$app->{id}", { status => 'withdrawn' } ],
	[ 'GET', "/applications/$app->{id}/notes", undef ],
	[ 'GET', '/me/applications', undef ],
	[ 'GET', '/notes', undef ],
	[ 'POST', '/notes', { title => 'Unauth note' } ],
	[ 'GET', "/notes/$note->{id}", undef ],
	[ 'PATCH', "/notes/$note->{id}", { title => 'Unauth note' } ],
	[ 'DELETE', "/notes/$note->{id}", undef ],
);
my @public_routes = ("/companies", "/companies/$cid", "/companies/$cid/jobs", '/jobs', "/jobs/$job->{id}", '/tags');

sub world {
	join ' ', map { sql("SELECT count(*) FROM jobboard.$_") } qw(companies company_members jobs applications application_history notes events);
}
my $before = world();
my $app_before = req('GET', "/applications/$app->{id}", token => $C->{access})->{body};
my $job_before = req('GET', "/jobs/$job->{id}")->{body};
my $co_before = req('GET', "/companies/$cid")->{body};
my $note_before = req('GET', "/notes/$note->{id}", token => $C->{access})->{body};

for my $rt (@user_routes) {
	my ($m, $path, $body) = @$rt;
	my @b = defined $body ? (json => $body) : ();
	my $r = req($m, $path, @b);
	problem_ok($r, 401, 'unauthorized', "$m $path without a token");
	my $wa = hdr($r, 'www-authenticate') // '';
	ok($wa =~ /\ABearer\b/ && $wa !~ /error=/, "$m $path without a token: WWW-Authenticate: Bearer, no error") or diag $wa;
	for my $kind (sort keys %bad) {
		$r = req($m, $path, @b, token => $bad{$kind});
		problem_ok($r, 401, 'unauthorized', "$m $path with a $kind token");
		like(hdr($r, 'www-authenticate') // '', qr/\ABearer\b.*error="invalid_token"/, "$m $path with a $kind token: error=\"invalid_token\"");
	}
}
for my $path (@public_routes) {
	is(req('GET', $path)->{status}, 200, "GET $path needs no token");
	for my $kind (sort keys %bad) {
		my $r = req('GET', $path, token => $bad{$kind});
		problem_ok($r, 401, 'unauthorized', "GET $path with a $kind token (checked on public routes too, §1.0)");
		like(hdr($r, 'www-authenticate') // '', qr/error="invalid_token"/, "GET $path with a $kind token: error=\"invalid_token\"");
	}
}
is(world(), $before, 'no refused request wrote a row');
is(req('GET', "/applications/$app->{id}", token => $C->{access})->{body}, $app_before, 'the application is unchanged');
is(req('GET', "/jobs/$job->{id}")->{body}, $job_before, 'the job is unchanged');
is(req('GET', "/companies/$cid")->{body}, $co_before, 'the company is unchanged');
is(req('GET', "/notes/$note->{id}", token => $C->{access})->{body}, $note_before, 'the note is unchanged');
# §1.0: 401 comes before 403/404 and 422: an unknown id or an invalid body with no token is still a 401.
problem_ok(req('GET', '/applications/999999999999'), 401, 'unauthorized', 'an unknown application without a token: 401 first');
problem_ok(req('POST', '/jobs', json => { bogus => 1 }), 401, 'unauthorized', 'an invalid body without a token: 401 first');
problem_ok(req('PATCH', '/notes/999999999999', json => { title => '' }, token => $bad{malformed}), 401, 'unauthorized',
	'an unknown note, invalid body and a bad token: 401 first');

done_testing;
