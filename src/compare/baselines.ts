/**
 * Baselines: the results a lab accepted (`mreorg accept`), which later runs are compared with instead of the
 * previous run. One folder (in the ledger folder by default, or a `baselines/` folder that can be committed):
 *
 *   baselines.json      path -> runconfig -> the accepted run's figures (by hash), files written and stdout
 *   figures/<hash>.png  the accepted figures, stored once per content
 *
 * The file is checked against its schema when read: a broken one (a bad merge) is an error naming it.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ResultSnapshot } from '../model/change.js';
import type { Run } from '../model/run.js';
import { writeFileAtomic } from '../util/atomic.js';
import { messageOf, UserError } from '../util/errors.js';
import { zod } from '../util/zod.js';
import { BlobStore, readStored } from './store.js';

export const BASELINES_FILE = 'baselines.json';
const VERSION = 1;

export interface Baseline {
  /** The run accepted, and when it started. */
  runId: string;
  startedAt: string;
  acceptedAt: string;
  results: ResultSnapshot;
  stdout: string;
}

/** The file's schema, built when a baselines file is first read (zod is loaded only then: see util/zod.ts). */
function fileSchemaOf() {
  const z = zod();
  const image = z.object({ hash: z.string(), file: z.string().nullable(), width: z.number().nullable(), height: z.number().nullable() });
  const baselineSchema = z.object({
    runId: z.string(),
    startedAt: z.string(),
    acceptedAt: z.string(),
    results: z.object({
      figures: z.array(z.object({ key: z.string(), label: z.string(), format: z.string(), image: image.nullable() })),
      files: z.record(z.string(), z.string().nullable()),
    }),
    stdout: z.string(),
  });
  return z.object({ version: z.literal(VERSION), baselines: z.record(z.string(), z.record(z.string(), baselineSchema)) });
}

export class Baselines {
  private constructor(
    /** Absolute folder. */
    readonly dir: string,
    private readonly root: string,
    private readonly data: Record<string, Record<string, Baseline>>,
  ) {}

  get file(): string {
    return path.join(this.dir, BASELINES_FILE);
  }

  /** Reads the folder's baselines (none when there is no file yet). */
  static read(dir: string, root: string): Baselines {
    const file = path.join(dir, BASELINES_FILE);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return new Baselines(dir, root, {});
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new UserError(`The baselines file ${file} is not JSON (${messageOf(e)}). Restore it (it may be committed), or delete it and accept the results again with "mreorg accept".`);
    }
    const checked = fileSchemaOf().safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0]!;
      throw new UserError(`The baselines file ${file} is not a baselines file of this mreorg (${issue.path.join('.') || 'the file'}: ${issue.message}). Restore it, or delete it and accept the results again with "mreorg accept".`);
    }
    return new Baselines(dir, root, checked.data.baselines);
  }

  get(relPath: string, runconfig: string): Baseline | undefined {
    return this.data[relPath]?.[runconfig];
  }

  /** Pins a successful run's results as the script's baseline: its figures are copied into the folder. */
  async accept(run: Run & { results: ResultSnapshot }, now = new Date()): Promise<Baseline> {
    const store = new BlobStore(path.join(this.dir, 'figures'), this.root);
    const figures: ResultSnapshot['figures'] = [];
    for (const f of run.results.figures) {
      const bytes = f.image?.file ? await readStored(this.root, f.image.file) : null;
      const kept = bytes ? await store.put(bytes) : null;
      figures.push({ ...f, image: f.image ? { ...f.image, file: kept?.file ?? null } : null });
    }
    const baseline: Baseline = {
      runId: run.id,
      startedAt: run.startedAt,
      acceptedAt: now.toISOString(),
      results: { figures, files: run.results.files },
      stdout: run.stdout.text,
    };
    (this.data[run.path] ??= {})[run.runconfig] = baseline;
    return baseline;
  }

  async save(): Promise<void> {
    const sorted = Object.fromEntries(Object.keys(this.data).sort().map((p) => [p, this.data[p]!]));
    // Indented: a committed baselines file should diff readably.
    await writeFileAtomic(this.file, JSON.stringify({ version: VERSION, baselines: sorted }, null, 1) + '\n');
  }
}
