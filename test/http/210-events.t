#!/usr/bin/perl
# API.md §3.8 live events through HTTP (Server-Sent Events on GET /events):
# the token in Authorization or ?access_token=, 401 without one; the
# members of a company receiving application.created and the candidate
# application.status_changed with the data of the contract; replay after a
# reconnect with Last-Event-ID (in order, nothing twice, nothing lost); a
# rolled-back change sends nothing; the stream ends when its token expires;
# the LISTEN connection comes back and catches up; a slow client is cut; a
# heartbeat comment; SIGTERM ends streams at once and still exits 0.
# Many idle subscribers are in 215-events-idle.t.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use Time::HiRes qw(time sleep);
use JB qw(:DEFAULT :edge :stream);

need_psql();

my $Erin = register_user(role => 'employer');   # owner of Acme
my $Rick = register_user(role => 'employer');   # another member of Acme
my $Olga = register_user(role => 'employer');   # Globex: not a recipient
my $Ann = register_user();                      # candidate
my $Ben = register_user();                      # candidate
my $acme = new_company($Erin->{access});
my $globex = new_company($Olga->{access});
is(req('POST', "/companies/$acme->{id}/members", token => $Erin->{access},
	json => { email => $Rick->{email}, role => 'recruiter' })->{status}, 201, 'set-up: Rick joins Acme');
my $job = new_job($Erin->{access}, $acme->{id}, title => 'Stream engineer');
my $job2 = new_job($Erin->{access}, $acme->{id}, title => 'Second job');
my $r;

# Events (not comments) of a list of items.
sub events_of { grep { !exists $_->{comment} } @_ }
sub names_of { join ',', map { $_->{event} } events_of(@_) }
sub emit_sql {
	my ($user, $event, $json) = @_;
	sql("SELECT jobboard.emit('$event', ARRAY[$user]::bigint[], '$json'::jsonb)");
}

# ------------------------------------------------------------ opening a stream

{
	my $c = sse_open('/events');
	problem_ok($c, 401, 'unauthorized', 'GET /events without a token');
	is(hdr($c, 'www-authenticate'), 'Bearer', 'WWW-Authenticate: Bearer');
	$c = sse_open('/events', token => 'not.a.token');
	problem_ok($c, 401, 'unauthorized', 'GET /events with a bad token');
	like(hdr($c, 'www-authenticate') // '', qr/error="invalid_token"/, 'error="invalid_token"');
	$c = sse_open('/events?access_token=not.a.token');
	problem_ok($c, 401, 'unauthorized', 'GET /events?access_token= with a bad token');
	$c = sse_open('/events?access_token=' . $Ann->{access} . '&since=1');
	problem_ok($c, 422, 'validation_failed', 'GET /events with an unknown query parameter',
		only_fields => [ 'since' ]);
	$c = sse_open('/events', token => $Ann->{access}, last_event_id => 'abc');
	problem_ok($c, 400, 'bad_request', 'a Last-Event-ID that is not a number');
	problem_ok(req('POST', '/events', token => $Ann->{access}, json => {}), 405, 'method_not_allowed',
		'POST /events');
}

my $E = sse_open('/events', token => $Erin->{access});
is($E->{status}, 200, 'Erin (Acme owner) opens a stream with Authorization: 200');
is(hdr($E, 'content-type'), 'text/event-stream', 'Content-Type: text/event-stream');
is(hdr($E, 'cache-control'), 'no-cache', 'Cache-Control: no-cache');
security_headers_ok($E, 'the event stream');
my $R = sse_open('/events', token => $Rick->{access});
is($R->{status}, 200, 'Rick (Acme recruiter) opens a stream: 200');
my $A = sse_open('/events?access_token=' . $Ann->{access});
is($A->{status}, 200, 'Ann (candidate) opens a stream with ?access_token=: 200');
my $O = sse_open('/events', token => $Olga->{access});
is($O->{status}, 200, 'Olga (Globex) opens a stream: 200');
is(scalar(sse_read($A, timeout => 0.5, comments => 0)), 0, 'without Last-Event-ID nothing is replayed');

# ------------------------------------------------------------ application.created

$r = req('POST', "/jobs/$job->{id}/applications", token => $Ann->{access}, json => { cover_letter => 'Hello!' });
is($r->{status}, 201, 'Ann applies') or diag($r->{body});
my $app = $r->{json};
for my $who ([ 'Erin', $E ], [ 'Rick', $R ]) {
	my ($name, $c) = @$who;
	my @got = events_of(sse_read($c, count => 1, timeout => 10));
	is(scalar @got, 1, "$name receives one event");
	my $ev = $got[0] // {};
	is($ev->{event}, 'application.created', "$name: event application.created");
	like($ev->{id} // '', qr/\A[1-9]\d*\z/, "$name: with a numeric id");
	is_deeply($ev->{json}, $app, "$name: data is the application, as POST answered it");
}
is(scalar(events_of(sse_read($O, timeout => 1.5))), 0, 'Olga (another company) receives nothing');
is(scalar(events_of(sse_read($A, timeout => 0.2))), 0, 'the candidate does not receive application.created');

# ------------------------------------------------------------ application.status_changed

$r = req('PATCH', "/applications/$app->{id}", token => $Erin->{access}, json => { status => 'reviewing' });
is($r->{status}, 200, 'Erin moves it to reviewing') or diag($r->{body});
my $moved = $r->{json};
my @a = events_of(sse_read($A, count => 1, timeout => 10));
is(scalar @a, 1, 'Ann receives one event');
is($a[0]{event}, 'application.status_changed', 'Ann: event application.status_changed');
is_deeply($a[0]{json}, { id => $app->{id}, job_id => $job->{id}, from => 'submitted', to => 'reviewing',
	at => $moved->{updated_at} }, 'Ann: data is {id, job_id, from, to, at}');
my $last_ann = $a[0]{id};
for my $who ([ 'Erin', $E ], [ 'Rick', $R ]) {
	my @got = events_of(sse_read($who->[1], count => 1, timeout => 10));
	is(names_of(@got), 'application.status_changed', "$who->[0] (member) also receives status_changed");
	ok(($got[0]{id} // 0) != $last_ann, "$who->[0]'s event has its own id");
}

# ------------------------------------------------------------ replay after a reconnect

sse_close($A);
my @moves = ('interview', 'offer');
for my $to (@moves) {
	is(req('PATCH', "/applications/$app->{id}", token => $Erin->{access}, json => { status => $to })->{status},
		200, "while Ann is away: moved to $to");
}
emit_sql($Ann->{id}, 'test.note', '{"n": 1}');
$A = sse_open('/events', token => $Ann->{access}, last_event_id => $last_ann);
is($A->{status}, 200, 'Ann reconnects with Last-Event-ID');
my @replay = events_of(sse_read($A, count => 3, timeout => 10));
is(names_of(@replay), 'application.status_changed,application.status_changed,test.note',
	'the missed events come first, in order');
is_deeply([ map { $_->{json}{to} } @replay[0, 1] ], \@moves, '... interview then offer');
is_deeply($replay[2]{json}, { n => 1 }, '... then the event written through SQL');
ok((join(',', map { $_->{id} } @replay) eq join(',', sort { $a <=> $b } map { $_->{id} } @replay))
	&& $replay[0]{id} > $last_ann, 'ids increase and all are after Last-Event-ID');
# live again: the next change arrives once, and nothing from the replay twice
is(req('PATCH', "/applications/$app->{id}", token => $Erin->{access}, json => { status => 'hired' })->{status},
	200, 'then moved to hired');
my @live = events_of(sse_read($A, timeout => 3));
is(names_of(@live), 'application.status_changed', 'exactly one live event follows');
is($live[0]{json}{to}, 'hired', '... hired');
my %seen;
$seen{ $_->{id} }++ for @replay, @live;
ok(!grep({ $_ > 1 } values %seen), 'no event was delivered twice');
$last_ann = $live[0]{id};
# Erin's stream got all of them live, in order
my @e = events_of(sse_read($E, count => 3, timeout => 10));
is_deeply([ map { $_->{json}{to} } @e ], [ @moves, 'hired' ], 'Erin saw the same moves live, in order');

# A second reconnect with the newest id: nothing to replay.
sse_close($A);
$A = sse_open('/events', token => $Ann->{access}, last_event_id => $last_ann);
is(scalar(events_of(sse_read($A, timeout => 1))), 0, 'a reconnect with the newest id replays nothing');

# ------------------------------------------------------------ rolled back: nothing

{
	is(req('PATCH', "/jobs/$job2->{id}", token => $Erin->{access}, json => { status => 'closed' })->{status}, 200,
		'a job is closed');
	my $x = req('POST', "/jobs/$job2->{id}/applications", token => $Ben->{access}, json => {});
	problem_ok($x, 409, 'conflict', 'an application to the closed job');
	is(scalar(events_of(sse_read($E, timeout => 2))), 0, 'the refused application sends Erin nothing');

	my $B = sse_open('/events', token => $Ben->{access});
	is($B->{status}, 200, 'Ben opens a stream');
	sql("BEGIN; SELECT jobboard.emit('test.rolled_back', ARRAY[$Ben->{id}]::bigint[], '{}'); ROLLBACK");
	is(scalar(events_of(sse_read($B, timeout => 2))), 0, 'an event written in a rolled-back transaction never comes');
	emit_sql($Ben->{id}, 'test.committed', '{"ok": true}');
	my @b = events_of(sse_read($B, count => 1, timeout => 5));
	is(names_of(@b), 'test.committed', 'the next committed event comes at once (the gap does not hold it)');
	# a change that rolls back after its event was written, in the API's own path
	sql("BEGIN; SELECT jobboard.emit('test.rolled_back', ARRAY[$Ben->{id}]::bigint[], '{}'); "
		. "SELECT jobboard.emit('test.rolled_back', ARRAY[$Ben->{id}]::bigint[], '{}'); ROLLBACK");
	emit_sql($Ben->{id}, 'test.after', '{}');
	is(names_of(sse_read($B, count => 1, timeout => 5)), 'test.after', 'only the committed one, after two rolled back');
	sse_close($B);
}

# ------------------------------------------------------------ commit order is not id order

{
	# A transaction takes an event id, then a later one takes the next id and
	# commits first. The earlier id must still be delivered when it commits.
	my $q = "BEGIN; SELECT jobboard.emit('test.late', ARRAY[$Ann->{id}]::bigint[], '{\"late\": true}'::jsonb); "
		. "SELECT pg_sleep(2); COMMIT;";
	my $bg = bg_run("$ENV{JB_PSQL} -c " . JB::_shell_quote($q));
	ok(wait_until(5, 0.05, sub { sql("SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
		. "AND query LIKE '%test.late%pg_sleep(2)%'") >= 1 }), 'a transaction wrote an event and sleeps');
	sleep 0.3;
	emit_sql($Ann->{id}, 'test.early', '{}');
	my @x = events_of(sse_read($A, count => 2, timeout => 8));
	is(names_of(@x), 'test.early,test.late', 'the later id comes at once, the earlier one when it commits');
	ok(@x == 2 && $x[1]{id} < $x[0]{id}, 'the late event has the lower id (' . join(',', map { $_->{id} } @x) . ')');
	is(bg_wait($bg, 10), 0, 'the slow transaction committed');
}

# ------------------------------------------------------------ the LISTEN connection comes back

{
	my $n = sql("SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
		. "WHERE application_name = 'jobboard-http-listen' AND datname = 'jobboard') t");
	ok($n >= 1, "the server's LISTEN connection is terminated ($n)");
	# written at once, while the listener is (probably) down and reconnecting
	emit_sql($Ann->{id}, 'test.while_down', '{"k": 1}');
	emit_sql($Ann->{id}, 'test.while_down', '{"k": 2}');
	my @d = events_of(sse_read($A, count => 2, timeout => 8));
	is_deeply([ map { $_->{json}{k} } @d ], [ 1, 2 ], 'events written meanwhile are caught up, in order');
	ok(wait_until(5, 0.2, sub { sql("SELECT count(*) FROM pg_stat_activity WHERE application_name = "
		. "'jobboard-http-listen' AND datname = 'jobboard'") >= 1 }), 'the LISTEN connection is back');
	emit_sql($Ann->{id}, 'test.after_reconnect', '{}');
	is(names_of(sse_read($A, count => 1, timeout => 5)), 'test.after_reconnect', 'and new events flow again');
}

# ------------------------------------------------------------ the stream ends with its token

SKIP: {
	my $key = signing_key($Ben->{access});
	skip 'the signing key cannot be read', 5 unless $key;
	my ($h, $p) = jwt_parts($Ben->{access});
	$p->{exp} = int(time) + 3;
	my $short = jwt_sign($h, $p, $key);
	my $S = sse_open('/events', token => $short);
	is($S->{status}, 200, 'a stream opened with a token that expires in 3 s');
	my $t0 = time;
	ok(sse_ended($S, 8), 'the server ends it');
	my $took = time - $t0;
	ok($took > 1.5 && $took < 6, sprintf('when the token expires (%.1f s)', $took));
	emit_sql($Ben->{id}, 'test.after_expiry', '{}');
	my $S2 = sse_open('/events', token => $Ben->{access}, last_event_id => 0);
	is($S2->{status}, 200, 'a reconnect with a fresh token');
	my @all = events_of(sse_read($S2, until => sub { ($_[0]{event} // '') eq 'test.after_expiry' }, timeout => 5));
	is(($all[-1] // {})->{event}, 'test.after_expiry', 'replays what came after the end (nothing lost)');
	sse_close($S2);
}

# ------------------------------------------------------------ a slow client is cut

{
	my $C = register_user();
	my $S = sse_open('/events', token => $C->{access}, rcvbuf => 4096);
	is($S->{status}, 200, 'a client that will not read opens a stream (small receive buffer)');
	my $m0 = metric_sum(parse_metrics(req('GET', '/metrics')->{body}), 'jobboard_events_slow_clients_total') // 0;
	# 400 events of 32 KiB: far more than the socket buffers and the queue hold
	sql("SELECT jobboard.emit('test.big', ARRAY[$C->{id}]::bigint[], jsonb_build_object('i', i, 'pad', "
		. "repeat('x', 32768))) FROM generate_series(1, 400) i");
	ok(wait_until(10, 0.2, sub {
		(metric_sum(parse_metrics(req('GET', '/metrics')->{body}), 'jobboard_events_slow_clients_total') // 0) > $m0
	}), 'the server disconnects it (jobboard_events_slow_clients_total grows)');
	my @got = events_of(sse_read($S, timeout => 10));
	ok(sse_ended($S, 5), 'the client then sees its stream end');
	ok(@got < 400, 'having received only part of the events (' . scalar(@got) . ' of 400)');
	if ($ENV{JB_SHIM_LOG} && open my $fh, '<', $ENV{JB_SHIM_LOG}) {
		local $/;
		my $log = <$fh>;
		like($log, qr/event stream of user $C->{id} disconnected: the client is too slow/, 'and the log says so');
	}
	# the others did not suffer
	emit_sql($Ann->{id}, 'test.still_fine', '{}');
	is(names_of(sse_read($A, count => 1, timeout => 5)), 'test.still_fine', 'other streams go on');
}

# ------------------------------------------------------------ the heartbeat

{
	my $H = sse_open('/events', token => $Ben->{access});
	my $t0 = time;
	my @c = sse_read($H, until => sub { exists $_[0]{comment} }, timeout => 16);
	my $took = time - $t0;
	ok(@c && exists $c[-1]{comment}, sprintf('a fresh stream gets a comment within 16 s (after %.1f s)', $took));
	is(($c[-1] // {})->{comment}, 'keep-alive', 'it is ": keep-alive"');
	is(scalar(events_of(@c)), 0, 'and nothing else');
	sse_close($H);
}

# ------------------------------------------------------------ the gauge

{
	my $m = parse_metrics(req('GET', '/metrics')->{body});
	is($m->{types}{jobboard_sse_clients}, 'gauge', 'jobboard_sse_clients is a gauge');
	ok(metric_sum($m, 'jobboard_sse_clients') >= 4, 'it counts the streams open here ('
		. metric_sum($m, 'jobboard_sse_clients') . ')');
}

# ------------------------------------------------------------ SIGTERM ends streams

{
	my $s = start_shim();
	my @S = map { sse_open('/events', token => $_->{access}, server => $s) } $Ann, $Erin, $Rick;
	is(join(',', map { $_->{status} } @S), '200,200,200', 'three streams on a second server');
	sleep 0.3;
	my $t0 = time;
	kill 'TERM', $s->{pid};
	my $all = 1;
	$all &&= sse_ended($_, 5) for @S;
	ok($all, 'SIGTERM ends every stream');
	ok(time - $t0 < 3, sprintf('promptly (%.2f s): streams are not requests in flight', time - $t0));
	is(stop_shim($s, 10), 0, 'the server exits 0');
	ok($s->{elapsed} < 4, sprintf('within %.2f s of SIGTERM', $s->{elapsed} // 99));
	is(sanitizer_report($s), '', 'no sanitizer report in its log');
}

# ------------------------------------------------------------ the query token is never logged

if ($ENV{JB_SHIM_LOG} && open my $fh, '<', $ENV{JB_SHIM_LOG}) {
	local $/;
	my $log = <$fh>;
	my ($sig) = $Ann->{access} =~ /\.([^.]+)\z/;
	ok(index($log, $sig) < 0, 'the token sent as ?access_token= never appears in the server log');
	unlike($log, qr/access_token=[A-Za-z0-9_-]/, 'no access_token= value at all');
}

sse_close($_) for $E, $R, $A, $O;
done_testing;
