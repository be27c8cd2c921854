/**
 * What the CLI says about its own usage, on top of cac: unknown commands and options are refused in one line
 * with the nearest known name, and the help shows no defaults that cac invents.
 */
import type { CAC, Command } from 'cac';
import { UserError } from './errors.js';
import { suggestion } from './suggest.js';

/** A command name nobody defined: one line, exit 2, with the nearest command when there is one. */
export function unknownCommand(cli: CAC, name: string): UserError {
  const names = cli.commands.flatMap((c) => [c.name, ...c.aliasNames]).filter((n) => n !== '');
  return new UserError(`Unknown command "${name}".${suggestion(name, names)} Run "${cli.name} --help" for the commands.`);
}

/**
 * Refuses an option the matched command (or, with no command, any command) does not know, naming it as it was
 * typed. cac would refuse it too, but later, naming it camelCased (`--dryRn`) and with no suggestion.
 */
export function checkOptions(cli: CAC, argv: readonly string[]): void {
  const own = cli.matchedCommand ? [cli.matchedCommand] : cli.commands;
  const known = (key: string): boolean => [cli.globalCommand, ...own].some((c) => c.hasOption(key));
  for (const key of Object.keys(cli.options)) {
    if (key === '--' || known(key)) continue;
    const typed = typedAs(key, argv);
    const longNames = [cli.globalCommand, ...own].flatMap(longOptionNames);
    const help = cli.matchedCommand ? `${cli.name} ${cli.matchedCommand.name} --help` : `${cli.name} --help`;
    throw new UserError(`Unknown option "${typed}".${typed.startsWith('--') ? suggestion(typed, longNames) : ''} Run "${help}" for the options.`);
  }
}

/** Every `--long` spelling a command's options accept, as written in their definitions. */
function longOptionNames(cmd: Command): string[] {
  return cmd.options.flatMap((o) => o.rawName.match(/--[\w-]+/g) ?? []);
}

/** The command-line word (before any `=value`) that cac parsed into the option `key`. */
function typedAs(key: string, argv: readonly string[]): string {
  const end = argv.indexOf('--');
  for (const arg of end === -1 ? argv : argv.slice(0, end)) {
    const m = /^(--?)([^=]+)/.exec(arg);
    if (!m) continue;
    const name = m[2]!.replace(/^no-/, '');
    if (camel(name) === key) return `${m[1]}${m[2]}`;
  }
  return key.length === 1 ? `-${key}` : `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * cac gives every `--no-x` option a default of true and prints it: "Do not write the report (default: true)"
 * reads as if the report were off by default. The help callback drops that, and the padding cac leaves at the
 * end of every option line.
 */
export function tidyHelp<T extends { body: string }>(sections: T[]): T[] {
  return sections.map((s) => ({
    ...s,
    body: s.body.replace(/^(\s*--no-.*?)\s*\(default: true\)$/gm, '$1').replace(/[ \t]+$/gm, ''),
  }));
}
