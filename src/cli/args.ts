/**
 * A command's options, as every command reads them: node:util's parseArgs, with an option that
 * takes a value refused when it is given twice. parseArgs keeps the last one, so
 * `audit export --format csv --format jsonl` exported JSON Lines without a word; a flag without a
 * value (`--json --json`) says the same thing twice and is let be.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A usage mistake (bad arguments, unknown subcommand): the command exits 2 with its message. */
export class CliUsageError extends Error {}

export function parseOptions<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const parsed = parseArgs({ ...(config as ParseArgsConfig), tokens: true });
  const given = new Map<string, string[]>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || token.value === undefined) continue;
    if (config.options?.[token.name]?.multiple) continue;
    given.set(token.name, [...(given.get(token.name) ?? []), token.value]);
  }
  for (const [name, values] of given) {
    if (values.length > 1)
      throw new CliUsageError(
        `--${name} is given more than once (${values.map((v) => `'${v.slice(0, 100)}'`).join(', ')}): give it once.`,
      );
  }
  return parsed as ReturnType<typeof parseArgs<T>>;
}
