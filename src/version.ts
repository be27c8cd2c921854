/** mreorg's version: shown by --version and written into the report. Kept in step with package.json. */
export const VERSION = '0.1.0';
