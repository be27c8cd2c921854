/**
 * Per-script claims, so two builds in one project share the work: before running a script under a runconfig a
 * build creates `claims/<slug>@<runconfig>` exclusively; a second build sees the claim and leaves the script to
 * the first. A claim left by a build that died (SIGKILL, power loss) marks a run that never finished: the next
 * build takes it over and reruns the script.
 */
import fs from 'node:fs';
import path from 'node:path';
import { heldByOther, lockTime, tryLock, unlock } from './lock.js';
import { slugFor } from './ledger.js';

export class Claims {
  /** Claim file names present when first asked (one readdir instead of a stat per script). */
  private present: Set<string> | null = null;

  constructor(private readonly dir: string) {}

  private file(relPath: string, runconfig: string): string {
    return path.join(this.dir, 'claims', `${slugFor(relPath)}@${runconfig.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  }

  /**
   * True when we now hold the claim (or cannot write claims at all: a full disk must not stop the run, whose
   * record then fails loudly instead); false when a live build holds it.
   */
  claim(relPath: string, runconfig: string): boolean {
    const f = this.file(relPath, runconfig);
    try {
      return tryLock(f);
    } catch {
      fs.rmSync(f, { force: true });
      return true;
    }
  }

  release(relPath: string, runconfig: string): void {
    unlock(this.file(relPath, runconfig));
  }

  /** A live build other than this one is running the script now. */
  heldByOther(relPath: string, runconfig: string): boolean {
    return heldByOther(this.file(relPath, runconfig));
  }

  /**
   * When a claim exists but its owner is dead, the time it was taken (ISO); else null. The caller compares it
   * with the last recorded run: a build killed between recording a run and releasing its claim leaves a claim
   * older than that run, which is not an unfinished run.
   */
  abandonedAt(relPath: string, runconfig: string): string | null {
    if (this.present === null) {
      try {
        this.present = new Set(fs.readdirSync(path.join(this.dir, 'claims')));
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
