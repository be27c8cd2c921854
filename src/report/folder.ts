/**
 * Whose folder the report is written into. The report overwrites `index.html` and its other pages and deletes
 * files it wrote earlier, so it writes only into a folder it made (a marker file inside) or an empty one; any
 * other folder, `docs/` with a user's own pages say, is refused before anything is written.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../util/errors.js';

export const MARKER_FILE = '.mreorg-report';
/** Files that show a report folder was made by an earlier version of mreorg (which wrote no marker). */
const EARLIER_MARKERS = ['.mreorg-signature', '.mreorg-report.json'];
/** Any of these in a folder says mreorg made it. */
export const REPORT_MARKERS = [MARKER_FILE, ...EARLIER_MARKERS];

const MARKER_TEXT =
  'This folder is the HTML report of mreorg (config key report.dir). mreorg overwrites and deletes the files it\n' +
  'wrote here; it writes only into a folder holding this file, or an empty one.\n';

const NOT_OURS =
  `is not empty and was not made by mreorg (it has no ${MARKER_FILE} file): writing the report there would ` +
  'overwrite files such as index.html, and later builds would delete files they once wrote';

/** The report folder holds something that is not mreorg's: nothing is written there. */
export class ReportFolderRefused extends UserError {
  constructor(readonly dir: string) {
    super(
      `Not writing the report into ${dir}: the folder ${NOT_OURS}. Set report.dir in the config to a new or ` +
        `empty folder, or, if ${dir} really is for the report, create an empty file ${MARKER_FILE} in it.`,
      2,
    );
    this.name = 'ReportFolderRefused';
  }
}

/** Why `dir` must not be written, or null when it is the report's own (or new, or empty). Reads only. */
export function reportFolderRefusal(dir: string): ReportFolderRefused | null {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Missing: it will be made. A file on the way: making it fails, as any folder mreorg cannot write.
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw e;
  }
  if (names.length === 0 || REPORT_MARKERS.some((m) => names.includes(m))) return null;
  return new ReportFolderRefused(dir);
}

/**
 * Makes `dir` the report's folder: creates it and its marker, or throws `ReportFolderRefused` when the folder
 * holds other files. Called before the report writes anything.
 */
export function claimReportFolder(dir: string): void {
  const refusal = reportFolderRefusal(dir);
  if (refusal) throw refusal;
  mkdirSync(dir, { recursive: true });
  const marker = join(dir, MARKER_FILE);
  if (!existsSync(marker)) writeFileSync(marker, MARKER_TEXT);
}
