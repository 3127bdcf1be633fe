#!/usr/bin/perl
# API.md §1.0: an integer field takes a JSON integer only (no fraction or
# exponent). jsonb turns 1e5 into 100000 before a function sees it, so the
# server decides: every number of a body must be written as an integer. The
# order of §1.0 still holds (401/403 before the 422), the member is named by
# its path (`tags[1]`), and the database's own invalid fields are named too.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

my $E = register_user(role => 'employer', name => 'Ivy Integer');
my $B = register_user(role => 'employer', name => 'Bo Outsider');
my $co = new_company($E->{access});
my $count_jobs = sub { scalar @{ req('GET', "/companies/$co->{id}/jobs?limit=100", token => $E->{access})->{json}{data} || [] } };
my $n0 = $count_jobs->();
sub post_jobs {
	my ($tok, $body) = @_;
	return req('POST', '/jobs', (defined $tok ? (token => $tok) : ()), type => 'application/json', body => $body);
}
my $base = qq("company_id": $co->{id}, "employment_type": "contract");
my $td = qq("title": "Integers", "description": "x");

problem_ok(post_jobs(undef, qq({$base, $td, "salary_max": 1e5})), 401, 'unauthorized',
	'an exponent without a token: 401 first (§1.0)');
problem_ok(post_jobs('x.y.z', qq({$base, $td, "salary_max": 1e5})), 401, 'unauthorized',
	'an exponent with a bad token: 401 first');
problem_ok(post_jobs($B->{access}, qq({$base, $td, "salary_max": 1e5})), 403, 'forbidden',
	'an exponent from a non-member: 403 before 422');
problem_ok(post_jobs($E->{access}, qq({$base, $td, "salary_max": 1e5})), 422, 'validation_failed',
	'an exponent from a member: 422', only_fields => ['salary_max']);
my $r = post_jobs($E->{access}, qq({$base, $td, "salary_max": 1e5}));
is(($r->{json}{errors}[0]{message} // ''), 'must be an integer', 'with the message "must be an integer"');
problem_ok(post_jobs($E->{access}, qq({$base, "description": "x", "salary_min": -1, "salary_max": 2E3, "title": ""})), 422, 'validation_failed',
	'the database\'s own invalid fields are named too', only_fields => [qw(salary_min salary_max title)]);
problem_ok(post_jobs($E->{access}, qq({$base, $td, "tags": ["a", 1.5e0]})), 422, 'validation_failed',
	'inside an array: named by its path', only_fields => ['tags[1]']);
problem_ok(post_jobs($E->{access}, qq({$base, $td, "_x": 1, "salary_max": 1.0})), 422, 'validation_failed',
	'with a `_` key: both named at once', only_fields => [qw(_x salary_max)]);
is($count_jobs->(), $n0, 'none of them made a job');
$r = post_jobs($E->{access}, qq({$base, "title": "Integers", "salary_max": 100000, "description": "1.5e3 in a string is text"}));
is($r->{status}, 201, 'integers, and numbers in strings, are fine');
is($r->{json}{salary_max}, 100000, 'salary_max kept');
is($r->{json}{description}, '1.5e3 in a string is text', 'the string kept');

done_testing;
