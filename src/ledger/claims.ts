/**
 * Per-script claims, so two builds in one project share the work: before running a script under a runconfig a
 * build creates `claims/<slug>@<runconfig>` exclusively; a second build sees the claim and leaves the script to
 * the first. A claim left by a build that died (SIGKILL, power loss, a host gone) marks a run that never
 * finished: the next build takes it over and reruns the script. Claims are locks (lock.ts): the holder's
 * heartbeat keeps them alive, on any host.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describeHolder, heldByOther, holder, inspect, lockTime, tryLock, unlock, type Holder } from './lock.js';
import { slugFor } from './ledger.js';
import type { LatestEntry } from '../model/entry.js';

export type { Holder };

/** The folder of the claims in a ledger folder. */
export function claimsDir(ledgerDir: string): string {
  return path.join(ledgerDir, 'claims');
}

/** "waiting for sims/x.py, claimed by build 3f2a91c0 on host node07 (pid 1234, heartbeat 4 s ago)". */
export function waitingFor(relPath: string, h: Holder): string {
  return `waiting for ${relPath}, claimed by ${describeHolder(h)}`;
}

/**
 * What the build that held a script's claim made of it, once the claim is gone: the ledger's latest entry for the
 * script, if that run started after the claim seen (`seen.at`, the holder's clock, as is the run's start) and ran
 * the content this build wanted to run (`hash`). Null: the holder died or ran another version; run it again.
 */
export function resultByOther(latest: LatestEntry | undefined, seen: Holder, hash: string): LatestEntry | null {
  if (!latest || seen.at === null || latest.startedAt < seen.at) return null;
  return latest.fingerprint.hash === hash ? latest : null;
}

/** A cluster job a build submitted for a script, kept in the script's claim so a later build can reattach to it. */
export interface ClaimJob {
  jobId: string;
  runId: string;
  /** The script's content hash the job runs. */
  hash: string;
  submittedAt: string;
}

function jobIn(file: string): ClaimJob | null {
  try {
    const j = (JSON.parse(fs.readFileSync(file, 'utf8')) as { job?: ClaimJob }).job;
    return j && typeof j.jobId === 'string' && typeof j.runId === 'string' ? j : null;
  } catch {
    return null;
  }
}

export class Claims {
  /** Claim file names present when first asked (one readdir instead of a stat per script). */
  private present: Set<string> | null = null;
  /** Jobs of dead builds, found in the claims this build took over: file -> job. */
  private readonly orphans = new Map<string, ClaimJob>();

  constructor(private readonly dir: string) {}

  private file(relPath: string, runconfig: string): string {
    return path.join(claimsDir(this.dir), `${slugFor(relPath)}@${runconfig.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  }

  /**
   * True when we now hold the claim (or cannot write claims at all: a full disk must not stop the run, whose
   * record then fails loudly instead); false when a live build holds it.
   */
  claim(relPath: string, runconfig: string): boolean {
    const f = this.file(relPath, runconfig);
    try {
      // A dead build's claim may name the cluster job it submitted: read before the claim is taken over.
      const before = fs.existsSync(f) ? jobIn(f) : null;
      const got = tryLock(f, `${relPath}@${runconfig}`);
      if (got && before) this.orphans.set(f, before);
      return got;
    } catch {
      fs.rmSync(f, { force: true });
      return true;
    }
  }

  /** Writes the job submitted for the script into our claim of it (no-op when the claim is not ours). */
  noteJob(relPath: string, runconfig: string, job: ClaimJob): void {
    const f = this.file(relPath, runconfig);
    try {
      const info = JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, unknown>;
      if (!inspect(f)?.ours) return;
      fs.writeFileSync(`${f}.job`, JSON.stringify({ ...info, job }));
      fs.renameSync(`${f}.job`, f);
    } catch {
      // Without it a restarted build submits the script again: a duplicate job, not a wrong result.
    }
  }

  /** The job a dead build had submitted for the script, when this build took over its claim; asked once. */
  takeOrphan(relPath: string, runconfig: string): ClaimJob | null {
    const f = this.file(relPath, runconfig);
    const j = this.orphans.get(f) ?? null;
    this.orphans.delete(f);
    return j;
  }

  release(relPath: string, runconfig: string): void {
    unlock(this.file(relPath, runconfig));
  }

  /** A live build other than this one is running the script now. */
  heldByOther(relPath: string, runconfig: string): boolean {
    return heldByOther(this.file(relPath, runconfig));
  }

  /**
   * The live build other than this one that holds the script's claim; null when the claim is free, stale or ours.
   * A build waiting for another's script polls this: a live holder refreshes its heartbeat, so the wait ends when
   * the holder releases the claim or stops beating (dies, host gone) for `staleAfterMs()`.
   */
  holder(relPath: string, runconfig: string): Holder | null {
    return holder(this.file(relPath, runconfig));
  }

  /**
   * When a claim exists but its owner is dead, the time it was taken (ISO); else null. The caller compares it
   * with the last recorded run: a build killed between recording a run and releasing its claim leaves a claim
   * older than that run, which is not an unfinished run.
   */
  abandonedAt(relPath: string, runconfig: string): string | null {
    if (this.present === null) {
      try {
        this.present = new Set(fs.readdirSync(claimsDir(this.dir)));
      } catch {
        this.present = new Set();
      }
    }
    if (this.present.size === 0) return null;
    const f = this.file(relPath, runconfig);
    if (!this.present.has(path.basename(f)) || !fs.existsSync(f) || heldByOther(f)) return null;
    return lockTime(f) ?? new Date(0).toISOString();
  }
}
