// Prints one "N passed, N failed, N skipped" line for a vitest JSON report, then each failure (file, test
// name and the first lines of its message), so that the last lines of a CI log say what failed even when
// only the end of the log is kept. Usage: node scripts/test-summary.mjs LABEL REPORT.json
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

const [label, path] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(readFileSync(path, 'utf8'));
} catch (error) {
  console.log(`${label}: no test report (${error.message})`);
  process.exit(0);
}

const skipped = report.numPendingTests + (report.numTodoTests ?? 0);
console.log(`${label}: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);

const firstLines = (text) =>
  String(text)
    .replace(/\u001b\[[0-9;]*m/g, '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .slice(0, 6)
    .map((line) => `      ${line}`)
    .join('\n');

for (const file of report.testResults) {
  const name = relative(process.cwd(), file.name);
  const failed = file.assertionResults.filter((test) => test.status === 'failed');
  for (const test of failed) {
    console.log(`  FAILED ${name} > ${test.fullName}`);
    for (const message of test.failureMessages.slice(0, 1)) console.log(firstLines(message));
  }
  if (file.status === 'failed' && failed.length === 0) {
    console.log(`  FAILED ${name} (the file itself)`);
    if (file.message) console.log(firstLines(file.message));
  }
}
