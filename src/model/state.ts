/**
 * A script's state under one runconfig. Colours follow the original: yellow, green, orange, red, grey; an expected
 * failure (per-script `expect`) has its own, purple.
 */
export type ScriptState = 'never-run' | 'up-to-date' | 'changed' | 'failed' | 'expected-failure' | 'untracked';
