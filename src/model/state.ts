/** A script's state under one runconfig. Colours follow the original: yellow, green, orange, red, grey. */
export type ScriptState = 'never-run' | 'up-to-date' | 'changed' | 'failed' | 'untracked';
