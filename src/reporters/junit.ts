/**
 * JUnit XML of a build, for CI systems that show test results (GitLab, Jenkins, GitHub test reporters): one
 * testcase per script of the build; failures and timeouts carry their error and traceback, scripts that did not
 * run are `skipped` with the reason.
 */
import type { Run } from '../model/run.js';
import fs from 'node:fs';
import path from 'node:path';
import { describeReason } from '../model/reason.js';
import type { BuildSummary, Reporter } from '../schedule/events.js';
import { messageOf } from '../util/errors.js';

/** Writes the JUnit file when the build is done (not on a dry run); rejects when the file cannot be written. */
export function junitReporter(file: string): Reporter {
  return {
    on(e) {
      if (e.type !== 'done' || e.summary.dryRun) return;
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, junitXml(e.summary));
      } catch (err) {
        throw new Error(`could not write the JUnit file ${file}: ${messageOf(err)}`);
      }
    },
  };
}

/** Escapes text for XML content and attributes; drops characters XML 1.0 cannot hold at all. */
export function xmlEscape(s: string): string {
  return s
    .replace(/[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function junitXml(s: BuildSummary): string {
  const runs = [...s.runs.values()];
  const failures = runs.filter((r) => r.result === 'failed').length;
  const errors = runs.filter((r) => r.result === 'timeout' || r.result === 'interrupted').length;
  const skipped = s.entries.filter((e) => !s.runs.has(e.path)).length;
  const time = (ms: number): string => (ms / 1000).toFixed(3);
  const cases = s.entries.map((e) => {
    const run = s.runs.get(e.path);
    const name = xmlEscape(e.path);
    const head = `    <testcase classname="mreorg.${xmlEscape(s.runconfig)}" name="${name}" time="${time(run?.durationMs ?? 0)}"`;
    if (!run) return `${head}>\n      <skipped message="${xmlEscape(e.state + (e.reasons.length ? ': ' + e.reasons.map(describeReason).join('; ') : ''))}"/>\n    </testcase>`;
    const body = [outcome(run), `      <system-out>${xmlEscape(run.stdout.text)}</system-out>`, `      <system-err>${xmlEscape(run.stderr.text)}</system-err>`].filter(Boolean);
    return `${head}>\n${body.join('\n')}\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mreorg" tests="${s.entries.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time(s.elapsedMs)}">`,
    `  <testsuite name="mreorg ${xmlEscape(s.runconfig)}" tests="${s.entries.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time(s.elapsedMs)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function outcome(run: Run): string {
  const err = run.error;
  const msg = err ? `${err.type}: ${err.message}` : run.result;
  const detail = err?.traceback || msg;
  switch (run.result) {
    case 'success':
      return '';
    case 'failed':
      return `      <failure type="${xmlEscape(err?.type ?? 'failed')}" message="${xmlEscape(msg)}">${xmlEscape(detail)}</failure>`;
    case 'timeout':
    case 'interrupted':
      return `      <error type="${run.result}" message="${xmlEscape(msg)}">${xmlEscape(detail)}</error>`;
  }
}
