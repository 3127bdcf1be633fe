-- Routes of API.md §3.3 (companies and their members) and §3.4 (jobs, tags).
-- cacheable only where the answer is the same for every caller: the shim's
-- response cache is keyed by path and query, and members see draft jobs that
-- others may not (GET /jobs/{id} still gets its ETag as a single resource).

INSERT INTO jobboard.routes (method, path, function, status, auth, read_only, cacheable, body, location, cookie, summary) VALUES
	('GET',    '/companies',                          'companies_list',        200, '-',                  true,  true,  'none', NULL, NULL, 'List companies'),
	('POST',   '/companies',                          'company_create',        201, 'companies:create',   false, false, 'json', '/companies/{id}', NULL, 'Create a company; you become its owner'),
	('GET',    '/companies/{id}',                     'company_get',           200, '-',                  true,  true,  'none', NULL, NULL, 'Read a company with its count of open jobs'),
	('PATCH',  '/companies/{id}',                     'company_update',        200, 'member or moderate', false, false, 'json', NULL, NULL, 'Change a company'),
	('DELETE', '/companies/{id}',                     'company_delete',        204, 'owner or moderate',  false, false, 'none', NULL, NULL, 'Delete a company without open jobs or applications'),
	('GET',    '/companies/{id}/members',             'company_members',       200, 'member or moderate', true,  false, 'none', NULL, NULL, 'List the members of a company'),
	('POST',   '/companies/{id}/members',             'company_member_add',    201, 'owner or moderate',  false, false, 'json', '/companies/{company_id}/members/{user.id}', NULL, 'Add a user to a company as owner or recruiter'),
	('DELETE', '/companies/{id}/members/{user_id}',   'company_member_remove', 204, 'owner or moderate',  false, false, 'none', NULL, NULL, 'Remove a member from a company'),
	('GET',    '/companies/{id}/jobs',                'company_jobs',          200, '-',                  true,  false, 'none', NULL, NULL, 'List a company''s jobs (members also see drafts and closed jobs)'),
	('GET',    '/jobs',                               'jobs_list',             200, '-',                  true,  true,  'none', NULL, NULL, 'Search open jobs'),
	('POST',   '/jobs',                               'job_create',            201, 'jobs:write',         false, false, 'json', '/jobs/{id}', NULL, 'Post a job for a company you are a member of'),
	('GET',    '/jobs/{id}',                          'job_get',               200, '-',                  true,  false, 'none', NULL, NULL, 'Read a job (drafts only for members)'),
	('PATCH',  '/jobs/{id}',                          'job_update',            200, 'member or moderate', false, false, 'json', NULL, NULL, 'Change a job or move its status'),
	('DELETE', '/jobs/{id}',                          'job_delete',            204, 'member or moderate', false, false, 'none', NULL, NULL, 'Delete a job that has no applications'),
	('GET',    '/tags',                               'tags_list',             200, '-',                  true,  true,  'none', NULL, NULL, 'Tags of open jobs, most used first');
