#!/usr/bin/env node
// Validate an OpenAPI document with @apidevtools/swagger-parser, a standard
// validator (JSON Schema of the OpenAPI version, plus its semantic checks).
//
//   node test/openapi/validate.js FILE
//
// Prints one JSON line: {"valid": true, "openapi": "3.1.0", "paths": N} and
// exits 0, or {"valid": false, "error": "..."} and exits 1. Exit 2: usage or
// unreadable file. Run `npm ci --no-audit --no-fund` in this directory first
// (test/http/330-openapi.t does).
'use strict';

const fs = require('fs');
const SwaggerParser = require('@apidevtools/swagger-parser');

async function main() {
	const file = process.argv[2];
	if (!file) {
		console.error('usage: validate.js FILE');
		return 2;
	}
	let doc;
	try {
		doc = JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch (e) {
		console.log(JSON.stringify({ valid: false, error: 'not JSON: ' + e.message }));
		return 1;
	}
	const version = doc && doc.openapi;
	try {
		// validate() dereferences in place; give it a copy.
		await SwaggerParser.validate(JSON.parse(JSON.stringify(doc)));
	} catch (e) {
		console.log(JSON.stringify({ valid: false, openapi: version, error: String(e.message || e) }));
		return 1;
	}
	console.log(JSON.stringify({
		valid: true,
		openapi: version,
		paths: Object.keys(doc.paths || {}).length,
	}));
	return 0;
}

main().then((rc) => process.exit(rc), (e) => {
	console.error(e && e.stack ? e.stack : String(e));
	process.exit(2);
});
