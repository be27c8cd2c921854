/**
 * JUnit XML of a build, for CI systems that show test results (GitLab, Jenkins, GitHub test reporters): one
 * testcase per selected script, judged by the build's verdict: failures and timeouts carry their error and
 * traceback, a script still failing from an earlier run is a failure with its last error, an expected failure and
 * a script that did not need to run are `skipped` with the reason.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Run } from '../model/run.js';
import { describeReason } from '../model/reason.js';
import type { PlanEntry } from '../plan/plan.js';
import type { BuildSummary, Reporter } from '../schedule/events.js';
import type { ScriptVerdict } from '../schedule/verdict.js';
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
  const time = (ms: number): string => (ms / 1000).toFixed(3);
  const verdicts = new Map(s.verdicts.map((v) => [v.path, v]));
  const bodies = s.entries.map((e) => caseBody(e, s.runs.get(e.path), verdicts.get(e.path)!));
  const count = (tag: string): number => bodies.filter((b) => b.startsWith(`      <${tag} `)).length;
  const [failures, errors, skipped] = [count('failure'), count('error'), count('skipped')];
  const cases = s.entries.map((e, i) => {
    const run = s.runs.get(e.path);
    const head = `    <testcase classname="mreorg.${xmlEscape(s.runconfig)}" name="${xmlEscape(e.path)}" time="${time(run?.durationMs ?? 0)}"`;
    const output = run ? [`      <system-out>${xmlEscape(run.stdout.text)}</system-out>`, `      <system-err>${xmlEscape(run.stderr.text)}</system-err>`] : [];
    return `${head}>\n${[bodies[i]!, ...output].filter(Boolean).join('\n')}\n    </testcase>`;
  });
  const attrs = `tests="${s.entries.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${time(s.elapsedMs)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mreorg" ${attrs}>`,
    `  <testsuite name="mreorg ${xmlEscape(s.runconfig)}" ${attrs}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** The testcase's verdict element ('' for a pass): from this build's run, another build's, or the last one. */
function caseBody(e: PlanEntry, run: Run | undefined, v: ScriptVerdict): string {
  const err = run?.error ?? v.error;
  const msg = err ? `${err.type}: ${err.message}` : (v.result ?? v.outcome);
  const detail = run?.error?.traceback || msg;
  const el = (tag: 'failure' | 'error', type: string, message: string): string =>
    `      <${tag} type="${xmlEscape(type)}" message="${xmlEscape(message)}">${xmlEscape(detail)}</${tag}>`;
  const skip = (message: string): string => `      <skipped message="${xmlEscape(message)}"/>`;
  switch (v.outcome) {
    case 'succeeded':
      return '';
    case 'failed':
      return el('failure', err?.type ?? 'failed', msg);
    case 'timed-out':
    case 'interrupted':
      return el('error', v.result ?? v.outcome, msg);
    case 'still-failing':
      return el('failure', err?.type ?? 'failed', `still failing (nothing changed since the run of ${v.at ?? 'an earlier build'}): ${msg}`);
    case 'unexpected-success':
      return el('failure', 'UnexpectedSuccess', `${e.path} was expected to ${e.expect === 'timeout' ? 'time out' : 'fail'} but succeeded`);
    case 'expected-failure':
      return skip(`expected failure: ${msg}`);
    case 'up-to-date':
    case 'not-run':
    case 'untracked':
      return skip(e.state + (e.reasons.length ? ': ' + e.reasons.map(describeReason).join('; ') : ''));
  }
}
