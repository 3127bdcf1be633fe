#!/usr/bin/perl
# API.md §3.6 notes and GET /applications/{id}/notes (§3.5): POST /notes
# (201 + Location, the body rules, notes on an application by members only),
# GET /notes (own notes only; q in web-search syntax, repeated tag, pinned,
# archived; sorts; pages), GET /notes/{id} (owner, or a member for notes on
# an application; 404 for everyone else), PATCH (owner only, partial,
# If-Match), DELETE, the company's notes on an application, and the
# note.created event (§3.8).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use JB;

need_psql();
my $T = unique_tag();
my $Nina = register_user(name => "Nina $T");
my $Ned = register_user(name => "Ned $T");
my $Emma = register_user(role => 'employer', name => "Emma $T");
my $Raj = register_user(role => 'employer', name => "Raj $T");
my $Oscar = register_user(role => 'employer', name => "Oscar $T");
my $Adele = make_admin(name => "Adele $T", role => 'employer');
my $Nobody = register_user(name => "Nobody $T");
my $r;

# Nobody's only role holds no permission.
my $empty = 'nothing_' . $T;
is(req('POST', '/roles', token => $Adele->{access}, json => { name => $empty, permissions => [] })->{status}, 201, 'a role without permissions');
is(req('PATCH', "/users/$Nobody->{id}", token => $Adele->{access}, json => { roles => [$empty] })->{status}, 200, 'Nobody has only that role');

my $co = new_company($Emma->{access});
my $other = new_company($Oscar->{access});
is(req('POST', "/companies/$co->{id}/members", token => $Emma->{access}, json => { email => $Raj->{email}, role => 'recruiter' })->{status},
	201, 'Raj is a recruiter of Emma\'s company');
my $job = new_job($Emma->{access}, $co->{id});
my $ojob = new_job($Oscar->{access}, $other->{id});
my $napp = req('POST', "/jobs/$job->{id}/applications", token => $Nina->{access}, json => {})->{json}{id};
my $oapp = req('POST', "/jobs/$ojob->{id}/applications", token => $Ned->{access}, json => {})->{json}{id};
ok($napp && $oapp, 'Nina applied to Emma\'s company, Ned to Oscar\'s');

sub create { req('POST', '/notes', token => $_[0], json => $_[1]) }
sub notes_of { sql("SELECT count(*) FROM jobboard.notes WHERE owner_id = $_[0]{id}") }
sub titles { [ map { $_->{title} } @{ $_[0]{json}{data} || [] } ] }
sub list { req('GET', "/notes?$_[1]", token => $_[0]{access}) }

sub note_ok {
	my ($n, $name) = @_;
	my @bad;
	if (ref $n ne 'HASH') {
		@bad = ('not an object');
	} else {
		my $keys = join ',', sort keys %$n;
		push @bad, "keys are [$keys]" unless $keys eq 'application_id,archived,body,created_at,id,owner,pinned,tags,title,updated_at';
		push @bad, 'owner is not {id, name}' unless ref $n->{owner} eq 'HASH' && join(',', sort keys %{ $n->{owner} }) eq 'id,name';
		push @bad, 'pinned not a boolean' unless JSON::PP::is_bool($n->{pinned});
		push @bad, 'archived not a boolean' unless JSON::PP::is_bool($n->{archived});
		push @bad, 'tags not an array' unless ref $n->{tags} eq 'ARRAY';
		push @bad, 'times not RFC 3339' unless rfc3339_ok($n->{created_at}) && rfc3339_ok($n->{updated_at});
	}
	ok(!@bad, "$name: note shape") or diag join "\n", @bad;
}

# ------------------------------------------------------------ POST /notes

problem_ok(create(undef, { title => 'x' }), 401, 'unauthorized', 'POST /notes without a token');
problem_ok(create('bad', { title => 'x' }), 401, 'unauthorized', 'POST /notes with a bad token');
problem_ok(create($Nobody->{access}, { title => 'x' }), 403, 'forbidden', 'a user without notes:write');
problem_ok(req('POST', '/notes', token => $Nina->{access}, body => '{"title":"x"}', type => 'text/plain'), 415, 'unsupported_media_type',
	'POST /notes with text/plain');
problem_ok(req('POST', '/notes', token => $Nina->{access}, body => '{"title":"x"}', type => 'multipart/form-data; boundary=x'), 415,
	'unsupported_media_type', 'POST /notes with multipart/form-data');
problem_ok(req('POST', '/notes', token => $Nina->{access}, body => '{"title":', type => 'application/json'), 400, 'bad_request',
	'POST /notes with malformed JSON');
for my $case (
	[ {}, ['title'], 'no title' ],
	[ { title => '   ', body => 7, pinned => 'yes', archived => undef, colour => 'red' }, [qw(title body pinned archived colour)],
	  'blank title, numeric body, string pinned, null archived, unknown field' ],
	[ { title => 't' x 201, body => 'b' x 100001 }, [qw(title body)], 'title over 200, body over 100,000' ],
	[ { title => 't', tags => [ 'ok', 'Bad Tag', 5 ] }, ['tags[2]'], 'a number among the tags' ],
	[ { title => 't', tags => [ 'ok', 'Bad Tag', '-dash', 'c#', 'x.y+z' ] }, [ 'tags[1]', 'tags[2]' ], 'tags breaking the pattern, by index' ],
	[ { title => 't', tags => [ 'a' .. 'k' ] }, ['tags'], '11 tags' ],
	[ { title => 't', tags => 'go' }, ['tags'], 'tags as a string' ],
	[ { title => 't', tags => undef }, ['tags'], 'tags null' ],
	[ { title => 't', application_id => 0 }, ['application_id'], 'application_id 0' ],
	[ { title => 't', application_id => '1' }, ['application_id'], 'application_id as a string' ],
	[ { title => 't', owner_id => $Ned->{id} }, ['owner_id'], 'owner_id is not writable' ],
) {
	my ($b, $fields, $what) = @$case;
	problem_ok(create($Nina->{access}, $b), 422, 'validation_failed', "POST /notes: $what", only_fields => $fields);
}
is(notes_of($Nina), 0, 'no refused POST made a note');

$r = create($Nina->{access}, { title => '  Alpha interview prep ', body => 'postgres indexes', tags => [ 'Prep', 'interview', 'prep' ], pinned => JSON::PP::true });
is($r->{status}, 201, 'POST /notes answers 201');
note_ok($r->{json}, 'POST /notes');
my $alpha = $r->{json};
is(hdr($r, 'location'), "/notes/$alpha->{id}", 'Location is /notes/{id}');
is($alpha->{title}, 'Alpha interview prep', 'the title is trimmed');
is_deeply($alpha->{tags}, [ 'interview', 'prep' ], 'tags lower-cased, sorted, without duplicates');
ok($alpha->{pinned} && !$alpha->{archived}, 'pinned true, archived false by default');
is($alpha->{application_id}, undef, 'a personal note has application_id null');
is_deeply($alpha->{owner}, { id => $Nina->{id}, name => $Nina->{name} }, 'owner is {id, name}');
is($alpha->{created_at}, $alpha->{updated_at}, 'created_at equals updated_at');

$r = create($Nina->{access}, { title => 'Beta salary research', body => undef });
is($r->{json}{body}, '', 'body null is an empty body');
ok(!$r->{json}{pinned}, 'pinned false by default');
my $beta = $r->{json};
$r = create($Nina->{access}, { title => "\x{e9}" x 200, body => 'b' x 100000, tags => [ 'a' .. 'j' ] });
is($r->{status}, 201, 'the limits are inclusive (200 code points, 100,000, 10 tags)');
is(length $r->{json}{title}, 200, 'a title of 200 two-byte characters kept whole');
is(req('DELETE', "/notes/$r->{json}{id}", token => $Nina->{access})->{status}, 204, 'that note is removed again');
my $gamma = create($Nina->{access}, { title => 'Gamma remote work', body => 'postgres replication and remote teams',
	tags => [ 'remote', 'postgres' ], pinned => JSON::PP::true })->{json};
my $delta = create($Nina->{access}, { title => 'Delta archived idea', archived => JSON::PP::true })->{json};
ok($delta->{archived}, 'a note made archived');
my $ned_note = create($Ned->{access}, { title => 'Ned idea' })->{json};
is(sql("SELECT count(*) FROM jobboard.events WHERE event = 'note.created' AND data -> 'owner' ->> 'id' IN ('$Nina->{id}', '$Ned->{id}')"), 0,
	'personal notes emit no event');

# Notes on an application: members only.
$r = create($Emma->{access}, { title => 'Strong candidate', body => 'Call her', application_id => $napp });
is($r->{status}, 201, 'the owner writes a note on an application to her company');
note_ok($r->{json}, 'a note on an application');
is($r->{json}{application_id}, $napp, 'with its application_id');
my $emma_note = $r->{json};
is(sql("SELECT string_agg(user_id::text, ',' ORDER BY user_id) FROM jobboard.events WHERE event = 'note.created' AND data ->> 'id' = '$emma_note->{id}'"),
	join(',', sort { $a <=> $b } $Emma->{id}, $Raj->{id}), 'note.created went to every member, the author included');
is(sql("SELECT count(*) FROM jobboard.events WHERE event = 'note.created' AND data ->> 'id' = '$emma_note->{id}' "
	. "AND data = (SELECT jobboard.note_json(n, (SELECT u.name FROM jobboard.users u WHERE u.id = n.owner_id)) FROM jobboard.notes n WHERE n.id = $emma_note->{id})"), 2, 'with the note as its data');
my $raj_note = create($Raj->{access}, { title => 'Second opinion', application_id => $napp })->{json};
ok($raj_note->{id}, 'a recruiter writes one too');
{
	my $n0 = sql('SELECT count(*) FROM jobboard.notes WHERE application_id IS NOT NULL');
	problem_ok(create($Nina->{access}, { title => 'My own application', application_id => $napp }), 403, 'forbidden',
		'the candidate may see the application but not write on it');
	problem_ok(create($Adele->{access}, { title => 'Moderating', application_id => $napp }), 403, 'forbidden',
		'nor may a moderator who is no member');
	problem_ok(create($Oscar->{access}, { title => 'Poaching', application_id => $napp }), 422, 'validation_failed',
		'another company\'s owner: the application names nothing it may see', only_fields => ['application_id']);
	problem_ok(create($Ned->{access}, { title => 'Peeking', application_id => $napp }), 422, 'validation_failed',
		'another candidate', only_fields => ['application_id']);
	problem_ok(create($Emma->{access}, { title => 'Other company', application_id => $oapp }), 422, 'validation_failed',
		'an application to another company', only_fields => ['application_id']);
	problem_ok(create($Emma->{access}, { title => 't' x 201, application_id => 999999999999 }), 422, 'validation_failed',
		'no such application and a long title: both named', only_fields => [qw(application_id title)]);
	is(sql('SELECT count(*) FROM jobboard.notes WHERE application_id IS NOT NULL'), $n0, 'none of them wrote a note');
	# §1.0: an id is a JSON integer, not a number written with an exponent or a fraction.
	for my $num ("${napp}e0", "$napp.0") {
		problem_ok(req('POST', '/notes', token => $Emma->{access}, type => 'application/json',
			body => qq({"title": "Exponent id", "application_id": $num})), 422, 'validation_failed',
			"application_id written as $num", only_fields => ['application_id']);
	}
	is(sql('SELECT count(*) FROM jobboard.notes WHERE application_id IS NOT NULL'), $n0, 'and they wrote no note');
	sql("DELETE FROM jobboard.notes WHERE title = 'Exponent id' AND owner_id = $Emma->{id}");	# keep the lists below exact
}

# ------------------------------------------------------------ GET /notes/{id}

$r = req('GET', "/notes/$alpha->{id}", token => $Nina->{access});
is($r->{status}, 200, 'the owner reads her note');
is_deeply($r->{json}, $alpha, 'as created');
like(hdr($r, 'etag') // '', qr/\A"[0-9a-f]{32}"\z/, 'with an ETag');
$r = req('GET', "/notes/$emma_note->{id}", token => $Raj->{access});
is($r->{status}, 200, 'a member reads a colleague\'s note on an application');
is_deeply($r->{json}, $emma_note, 'the same note');
for my $case (
	[ $Ned, $alpha, 'another candidate, a personal note' ],
	[ $Emma, $alpha, 'an employer, a personal note' ],
	[ $Adele, $alpha, 'a moderator, a personal note' ],
	[ $Nina, $emma_note, 'the candidate, a note on her own application' ],
	[ $Oscar, $emma_note, 'another company\'s owner, a note on an application' ],
	[ $Adele, $emma_note, 'a moderator, a note on an application' ],
) {
	my ($who, $n, $what) = @$case;
	problem_ok(req('GET', "/notes/$n->{id}", token => $who->{access}), 404, 'not_found', "GET /notes/{id}: $what");
}
problem_ok(req('GET', '/notes/999999999999', token => $Nina->{access}), 404, 'not_found', 'an unknown note');
problem_ok(req('GET', "/notes/$alpha->{id}"), 401, 'unauthorized', 'no token');
problem_ok(req('GET', "/notes/$alpha->{id}?fields=title", token => $Nina->{access}), 422, 'validation_failed', 'an unknown query parameter',
	only_fields => ['fields']);

# ------------------------------------------------------------ PATCH /notes/{id}

my $before = req('GET', "/notes/$alpha->{id}", token => $Nina->{access});
problem_ok(req('PATCH', "/notes/$alpha->{id}", token => $Ned->{access}, json => { title => 'Mine now' }), 404, 'not_found',
	'a stranger changes a note: 404');
problem_ok(req('PATCH', "/notes/$emma_note->{id}", token => $Oscar->{access}, json => { title => 'Mine now' }), 404, 'not_found',
	'another company\'s owner changes a note on an application: 404');
problem_ok(req('PATCH', "/notes/$emma_note->{id}", token => $Raj->{access}, json => { title => 'Mine now' }), 403, 'forbidden',
	'a member who may read it may not change it: 403');
problem_ok(req('PATCH', "/notes/$alpha->{id}", token => $Nobody->{access}, json => { title => 'Mine now' }), 403, 'forbidden',
	'a user without notes:write');
problem_ok(req('PATCH', "/notes/$alpha->{id}", json => { title => 'Mine now' }), 401, 'unauthorized', 'no token');
problem_ok(req('PATCH', "/notes/$alpha->{id}", token => $Nina->{access}, json => { title => '', pinned => undef, application_id => $napp }),
	422, 'validation_failed', 'empty title, null pinned, application_id', only_fields => [qw(title pinned application_id)]);
problem_ok(req('PATCH', "/notes/$alpha->{id}", token => $Nina->{access}, json => { application_id => undef, owner_id => 1 }),
	422, 'validation_failed', 'application_id null, owner_id', only_fields => [qw(application_id owner_id)]);
problem_ok(req('PATCH', "/notes/$alpha->{id}", token => $Nina->{access}, json => { tags => [ 'ok', 'not ok' ] }),
	422, 'validation_failed', 'a bad tag', only_fields => ['tags[1]']);
problem_ok(req('PATCH', "/notes/$alpha->{id}", token => $Nina->{access}, body => '{"title":"x"}', type => 'text/plain'),
	415, 'unsupported_media_type', 'PATCH with text/plain');
problem_ok(req('PATCH', "/notes/$alpha->{id}", token => $Nina->{access}, json => { title => 'Changed' },
	headers => { 'If-Match' => '"0123456789abcdef0123456789abcdef"' }), 412, 'precondition_failed', 'a stale If-Match');
is(req('GET', "/notes/$alpha->{id}", token => $Nina->{access})->{body}, $before->{body}, 'the refused PATCHes changed nothing');
is(req('GET', "/notes/$emma_note->{id}", token => $Emma->{access})->{json}{title}, 'Strong candidate', 'nor the note on the application');

$r = req('PATCH', "/notes/$alpha->{id}", token => $Nina->{access}, json => {});
is($r->{status}, 200, 'an empty PATCH');
is($r->{body}, $before->{body}, 'changes nothing, not even updated_at');
$r = req('PATCH', "/notes/$alpha->{id}", token => $Nina->{access}, json => { pinned => JSON::PP::false, tags => [ 'Interview', 'postgres' ] },
	headers => { 'If-Match' => hdr($before, 'etag') });
is($r->{status}, 200, 'a partial PATCH with the current If-Match');
note_ok($r->{json}, 'PATCH /notes/{id}');
ok(!$r->{json}{pinned}, 'unpinned');
is_deeply($r->{json}{tags}, [ 'interview', 'postgres' ], 'tags replaced and normalised');
is_deeply([ @{ $r->{json} }{qw(title body archived created_at)} ], [ @{ $before->{json} }{qw(title body archived created_at)} ],
	'the rest is untouched');
ok(ts_epoch($r->{json}{updated_at}) > ts_epoch($before->{json}{updated_at}), 'updated_at moved');
problem_ok(req('PATCH', "/notes/$alpha->{id}", token => $Nina->{access}, json => { title => 'Stale' }, headers => { 'If-Match' => hdr($before, 'etag') }),
	412, 'precondition_failed', 'the tag from before the change is stale');
is(req('PATCH', "/notes/$alpha->{id}", token => $Nina->{access}, json => { body => undef })->{json}{body}, '', 'body null clears the body');
is(req('PATCH', "/notes/$alpha->{id}", token => $Nina->{access}, json => { body => 'postgres indexes and vacuum' })->{json}{body},
	'postgres indexes and vacuum', 'a new body');
is(req('PATCH', "/notes/$emma_note->{id}", token => $Emma->{access}, json => { title => 'Very strong candidate' })->{json}{title},
	'Very strong candidate', 'the author changes her note on an application');
is(req('GET', "/notes/$emma_note->{id}", token => $Raj->{access})->{json}{title}, 'Very strong candidate', 'and her colleague reads the change');

# ------------------------------------------------------------ GET /notes

is_deeply(titles(list($Nina, '')), [ 'Alpha interview prep', 'Gamma remote work', 'Beta salary research' ],
	'own notes, last updated first (default -updated_at); archived ones left out');
$r = list($Nina, 'sort=title&limit=2');
is_deeply(titles($r), [ 'Alpha interview prep', 'Beta salary research' ], 'sort=title limit=2');
like(hdr($r, 'link') // '', qr/\A<[^>]*cursor=[^>]*>; rel="next"\z/, 'with a Link to the next page');
{
	my $w = walk_list('/notes?sort=title&limit=2', token => $Nina->{access});
	is_deeply([ map { $_->{title} } @{ $w->{rows} } ], [ 'Alpha interview prep', 'Beta salary research', 'Gamma remote work' ],
		'following it visits each note once');
	is("@{ $w->{bad} }", '', 'Link headers');
}
$r = list($Nina, 'sort=-title&count=exact');
is_deeply(titles($r), [ 'Gamma remote work', 'Beta salary research', 'Alpha interview prep' ], 'sort=-title');
is($r->{json}{total}, 3, 'count=exact');
is_deeply(titles(list($Nina, 'sort=created_at')), [ 'Alpha interview prep', 'Beta salary research', 'Gamma remote work' ], 'sort=created_at');
is_deeply(titles(list($Nina, 'sort=-created_at')), [ 'Gamma remote work', 'Beta salary research', 'Alpha interview prep' ], 'sort=-created_at');
is_deeply(titles(list($Nina, 'sort=updated_at')), [ 'Beta salary research', 'Gamma remote work', 'Alpha interview prep' ], 'sort=updated_at');
is_deeply(titles(list($Nina, 'page=2&limit=1&sort=title')), ['Beta salary research'], 'page=2');

# q in web-search syntax over title and body.
is_deeply(titles(list($Nina, 'q=postgres')), [ 'Alpha interview prep', 'Gamma remote work' ], 'q=postgres');
is_deeply(titles(list($Nina, 'q=' . qenc('postgres -remote'))), ['Alpha interview prep'], 'q with a negated term');
is_deeply(titles(list($Nina, 'q=' . qenc('"remote teams"'))), ['Gamma remote work'], 'q with a phrase');
is_deeply(titles(list($Nina, 'q=' . qenc('"teams remote"'))), [], 'a phrase in the other order');
is_deeply(titles(list($Nina, 'q=' . qenc('salary or vacuum') . '&sort=title')), [ 'Alpha interview prep', 'Beta salary research' ], 'q with or');
is_deeply(titles(list($Nina, 'q=Research')), ['Beta salary research'], 'q matches the title, stemmed and case-insensitive');
is_deeply(titles(list($Nina, 'q=idea')), [], 'q does not find archived notes by default');
is_deeply(titles(list($Nina, 'q=idea&archived=true')), ['Delta archived idea'], 'unless archived=true');
# tag: one, repeated (every one), normalised.
is_deeply(titles(list($Nina, 'tag=postgres')), [ 'Alpha interview prep', 'Gamma remote work' ], 'tag=postgres');
is_deeply(titles(list($Nina, 'tag=POSTGRES&tag=remote')), ['Gamma remote work'], 'a repeated tag: every one');
is_deeply(titles(list($Nina, 'tag=postgres&tag=interview&tag=remote')), [], 'three tags no note has together');
is_deeply(titles(list($Nina, 'pinned=true')), ['Gamma remote work'], 'pinned=true');
is_deeply(titles(list($Nina, 'pinned=false&sort=title')), [ 'Alpha interview prep', 'Beta salary research' ], 'pinned=false');
is_deeply(titles(list($Nina, 'archived=true')), ['Delta archived idea'], 'archived=true');
is_deeply(titles(list($Nina, 'archived=false&sort=title')), [ 'Alpha interview prep', 'Beta salary research', 'Gamma remote work' ],
	'archived=false is the default');
# Only the caller's own, application notes it wrote included.
is_deeply(titles(list($Ned, '')), ['Ned idea'], 'Ned sees only his');
is_deeply(titles(list($Emma, '')), ['Very strong candidate'], 'Emma sees the application note she wrote');
is_deeply(titles(list($Raj, 'q=strong')), [], 'Raj does not list Emma\'s note, though he may read it');
is_deeply(titles(list($Oscar, '')), [], 'Oscar has none');
for my $bad ('sort=pinned', 'pinned=maybe', 'archived=2', 'tag=' . qenc('Bad Tag!'), 'cursor=bm90IGEgY3Vyc29y.AAAA', 'limit=0') {
	problem_ok(list($Nina, $bad), 400, 'bad_request', "GET /notes?$bad");
}
problem_ok(list($Nina, "owner_id=$Ned->{id}"), 422, 'validation_failed', 'owner_id is no parameter', only_fields => ['owner_id']);
problem_ok(req('GET', '/notes'), 401, 'unauthorized', 'GET /notes without a token');

# ------------------------------------------------------------ GET /applications/{id}/notes

$r = req('GET', "/applications/$napp/notes", token => $Emma->{access});
is($r->{status}, 200, 'a member lists the company\'s notes on an application');
is_deeply(titles($r), [ 'Very strong candidate', 'Second opinion' ], 'in the order they were written');
note_ok($r->{json}{data}[0], 'a listed application note');
is_deeply(titles(req('GET', "/applications/$napp/notes?sort=-created_at", token => $Raj->{access})), [ 'Second opinion', 'Very strong candidate' ],
	'sort=-created_at');
is_deeply(titles(req('GET', "/applications/$napp/notes?sort=-updated_at", token => $Raj->{access})), [ 'Very strong candidate', 'Second opinion' ],
	'sort=-updated_at: the changed one first');
{
	my $w = walk_list("/applications/$napp/notes?limit=1", token => $Emma->{access});
	is_deeply([ map { $_->{title} } @{ $w->{rows} } ], [ 'Very strong candidate', 'Second opinion' ], 'a walk of one per page');
	is("@{ $w->{bad} }", '', 'with Link headers');
}
problem_ok(req('GET', "/applications/$napp/notes", token => $Nina->{access}), 403, 'forbidden',
	'the candidate sees her application, not the notes on it');
problem_ok(req('GET', "/applications/$napp/notes", token => $Adele->{access}), 403, 'forbidden', 'nor does a moderator');
problem_ok(req('GET', "/applications/$napp/notes", token => $Oscar->{access}), 404, 'not_found', 'another company\'s owner');
problem_ok(req('GET', "/applications/$napp/notes", token => $Ned->{access}), 404, 'not_found', 'another candidate');
problem_ok(req('GET', "/applications/$oapp/notes", token => $Emma->{access}), 404, 'not_found', 'an application to another company');
problem_ok(req('GET', '/applications/999999999999/notes', token => $Emma->{access}), 404, 'not_found', 'no such application');
problem_ok(req('GET', "/applications/$napp/notes?sort=title", token => $Emma->{access}), 400, 'bad_request', 'sort=title');
problem_ok(req('GET', "/applications/$napp/notes"), 401, 'unauthorized', 'no token');
is_deeply(req('GET', "/applications/$oapp/notes", token => $Oscar->{access})->{json}, { data => [], next_cursor => undef },
	'an application without notes');

# A member who leaves the company loses the company's notes, keeps its own.
is(req('DELETE', "/companies/$co->{id}/members/$Raj->{id}", token => $Emma->{access})->{status}, 204, 'Raj leaves the company');
problem_ok(req('GET', "/notes/$emma_note->{id}", token => $Raj->{access}), 404, 'not_found', 'Raj no longer reads Emma\'s note');
is(req('GET', "/notes/$raj_note->{id}", token => $Raj->{access})->{json}{title}, 'Second opinion', 'but still his own');
problem_ok(req('GET', "/applications/$napp/notes", token => $Raj->{access}), 404, 'not_found', 'nor the list on the application');

# ------------------------------------------------------------ DELETE /notes/{id}

problem_ok(req('DELETE', "/notes/$alpha->{id}", token => $Ned->{access}), 404, 'not_found', 'a stranger deletes a note');
problem_ok(req('DELETE', "/notes/$raj_note->{id}", token => $Emma->{access}), 403, 'forbidden',
	'a member who may read a colleague\'s note may not delete it');
problem_ok(req('DELETE', "/notes/$alpha->{id}", token => $Nobody->{access}), 403, 'forbidden', 'a user without notes:write');
problem_ok(req('DELETE', "/notes/$alpha->{id}"), 401, 'unauthorized', 'no token');
problem_ok(req('DELETE', "/notes/$alpha->{id}", token => $Nina->{access}, headers => { 'If-Match' => '"0123456789abcdef0123456789abcdef"' }),
	412, 'precondition_failed', 'a stale If-Match');
problem_ok(req('DELETE', "/notes/$alpha->{id}?force=true", token => $Nina->{access}), 422, 'validation_failed', 'an unknown parameter',
	only_fields => ['force']);
is(sql("SELECT count(*) FROM jobboard.notes WHERE id IN ($alpha->{id}, $raj_note->{id})"), 2, 'the refused DELETEs deleted nothing');
my $cur = req('GET', "/notes/$alpha->{id}", token => $Nina->{access});
$r = req('DELETE', "/notes/$alpha->{id}", token => $Nina->{access}, headers => { 'If-Match' => hdr($cur, 'etag') });
is($r->{status}, 204, 'the owner deletes her note (current If-Match)');
is($r->{body}, '', '204 has no body');
problem_ok(req('GET', "/notes/$alpha->{id}", token => $Nina->{access}), 404, 'not_found', 'the deleted note');
problem_ok(req('DELETE', "/notes/$alpha->{id}", token => $Nina->{access}), 404, 'not_found', 'DELETE again');
is_deeply(titles(list($Nina, 'sort=title')), [ 'Beta salary research', 'Gamma remote work' ], 'it left the list');
is(req('DELETE', "/notes/$emma_note->{id}", token => $Emma->{access})->{status}, 204, 'the author deletes her note on an application');
is_deeply(titles(req('GET', "/applications/$napp/notes", token => $Emma->{access})), ['Second opinion'], 'the application keeps the other note');
is(sql("SELECT count(*) FROM jobboard.events WHERE event = 'note.created' AND data ->> 'id' IN ('$alpha->{id}', '$beta->{id}', '$gamma->{id}')"), 0,
	'no event for personal notes at any point');

done_testing;
