/**
 * A CLI tool run with a subcommand, matched in a shell or exec-form command line: the tool, then
 * any option words, then the subcommand's words (`flask --app wsgi db upgrade`, `alembic -c
 * alembic.ini upgrade head`, `flask --app wsgi run --port 5000`). Shared by what recognises
 * migrations (ECS410), development servers (ECS407) and the server CLIs that decide the port.
 */

/** A word separator in a shell or exec-form (`["flask", "db", "upgrade"]`) command. */
const SEP = `["',\\s]+`;

/**
 * Option words between a tool and its subcommand: each a `-x`/`--name` word, with `=value` or the
 * next word as its value when that is not an option itself. A flag that takes no value (`flask
 * --debug db upgrade`) leaves the next word to the subcommand; a value never spans a command
 * separator (`;`, `&&`, `|`).
 */
const OPTIONS = `(?:${SEP}--?[\\w.-]+(?:=[^\\s"',;&|]*|${SEP}[^\\s"',;&|-][^\\s"',;&|]*)?)*?`;

/** `tool` is a regex source (`\\bflask`, `\\btypeorm(?:-ts-node-\\w+)?`); the subcommand words are literal. */
export function cliSubcommand(tool: string, ...subcommand: string[]): RegExp {
  return new RegExp(`${tool}${OPTIONS}${subcommand.map((w) => `${SEP}${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`).join('')}`);
}
